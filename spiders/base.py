"""What every source spider shares: conditional requests, health outcomes, limits.

A spider is handed its sources and their stored fetch state; for each source it
yields exactly one `FetchResult` (items plus what happened), whether the source
answered, failed, or was unchanged. Network behaviour (timeouts, retries, size
limits, redirects) is Scrapy's, configured in spiders/crawl.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from monitor.item import Item
from monitor.watch.annotate import annotate
from monitor.watch.contract import FetchOutcome, FetchResult, SourceSpec  # noqa: F401 - re-exported for spiders
from monitor.watch.errors import describe, explain

MAX_ITEMS_PER_SOURCE = 1000
# Statuses our callback judges itself. Not 3xx: redirects stay with Scrapy's middleware
# (`handle_httpstatus_all` would switch redirects off).
HANDLED_STATUSES = [304, *range(400, 600)]


class SourceSpider(scrapy.Spider):
    """Base class: subclasses implement `parse_source(response, spec) -> Iterable[Item]`."""

    name = "base"

    def __init__(self, sources: list[SourceSpec], **kwargs: Any):
        super().__init__(**kwargs)
        self.sources = sources
        self.notes: dict[str, str] = {}

    def note(self, spec: SourceSpec, sentence: str) -> None:
        """Say what was repaired to read a source (stored as its `last_error`, status still ok)."""
        self.notes[spec.name] = sentence

    async def start(self) -> Any:  # Scrapy >= 2.13
        for request in self.start_requests():
            yield request

    def start_requests(self) -> Iterator[scrapy.Request]:
        for spec in self.sources:
            yield scrapy.Request(spec.url, callback=self._answered, errback=self._failed,
                                 headers=self.conditional_headers(spec), dont_filter=True,
                                 meta={"spec": spec, "handle_httpstatus_list": HANDLED_STATUSES})

    @staticmethod
    def conditional_headers(spec: SourceSpec) -> dict[str, str]:
        headers = {}
        if spec.etag:
            headers["If-None-Match"] = spec.etag
        if spec.last_modified:
            headers["If-Modified-Since"] = spec.last_modified
        return headers

    def _answered(self, response: Response) -> Iterator[FetchResult]:
        spec: SourceSpec = response.meta["spec"]
        status = response.status
        if status == 304:
            yield FetchResult(spec.name, FetchOutcome(ok=True, status=304, not_modified=True))
            return
        if status >= 400:
            yield FetchResult(spec.name, FetchOutcome(ok=False, status=status, error=http_error(response),
                                                      retry_after=retry_after(response)))
            return
        try:
            items = list(self.parse_source(response, spec))
        except SourceError as e:
            self.notes.pop(spec.name, None)
            yield FetchResult(spec.name, FetchOutcome(ok=False, status=status, error=str(e)))
            return
        except Exception as e:  # noqa: BLE001 - one broken source must not stop the crawl
            self.notes.pop(spec.name, None)
            self.logger.exception("parsing %s failed", spec.name)
            yield FetchResult(spec.name, FetchOutcome(ok=False, status=status,
                                                      error=describe("crash", detail=f"{type(e).__name__}: {e}")))
            return
        if len(items) > MAX_ITEMS_PER_SOURCE:     # bounded, and said: a team should know the rest was passed over
            self.notes.setdefault(spec.name, describe("long_list", listed=len(items), kept=MAX_ITEMS_PER_SOURCE))
            items = items[:MAX_ITEMS_PER_SOURCE]
        annotate(items)     # language and platforms here, on the crawl's cores (see monitor.watch.annotate)
        yield FetchResult(spec.name, FetchOutcome(
            ok=True, status=status, etag=header(response, "ETag"),
            last_modified=header(response, "Last-Modified"), warning=self.notes.pop(spec.name, None)), items)

    def _failed(self, failure: Failure) -> Iterator[FetchResult]:
        spec: SourceSpec = failure.request.meta["spec"]  # type: ignore[attr-defined]  # set by Scrapy
        yield FetchResult(spec.name, FetchOutcome(ok=False, error=network_error(failure)))

    def parse_source(self, response: Response, spec: SourceSpec) -> Iterable[Item]:
        raise NotImplementedError


class SourceError(Exception):
    """The source answered, but not with something we can use; the text says what."""


def header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def http_error(response: Response) -> str:
    return describe("http", status=response.status)


def retry_after(response: Response) -> timedelta | None:
    value = header(response, "Retry-After")
    if not value:
        return None
    if value.strip().isdigit():
        return timedelta(seconds=min(int(value), 86400))
    try:
        from datetime import datetime
        when = parsedate_to_datetime(value)
        return max(when - datetime.now(UTC), timedelta(0))
    except (TypeError, ValueError):
        return None


# Exception class names (Scrapy's own since 2.13, Twisted's before) and the kind they are;
# other failures on the wire are recognised by their message (monitor.watch.errors).
_NETWORK_KINDS = (
    (("CannotResolveHostError", "DNSLookupError"), "dns"),
    (("DownloadConnectionRefusedError", "ConnectionRefusedError"), "refused"),
    (("DownloadTimeoutError", "TimeoutError", "TCPTimedOutError", "UserTimeoutError"), "timeout"),
    (("NoRouteError", "HostUnreachableError", "NetworkUnreachableError"), "unreachable"),
    # Scrapy cancels a download once its body passes DOWNLOAD_MAXSIZE (a body that announced no
    # Content-Length, else it is refused before a byte arrives): a cancelled download is no other here
    (("DownloadCancelledError", "CancelledError"), "too_big"),
)
_WIRE_KINDS = {"dns", "refused", "timeout", "unreachable", "tls", "reset", "too_big", "redirect_loop"}
_UNUSABLE_REDIRECT = re.compile(r"Missing scheme in request url: (.+)", re.DOTALL)


def network_error(failure: Failure) -> str:
    """The stored sentence (monitor.watch.errors) for what went wrong on the wire."""
    from scrapy.spidermiddlewares.httperror import HttpError
    exc = failure.value
    if exc is None:
        return describe("crash", detail="an empty failure")
    if isinstance(exc, HttpError):
        return _unfollowed_redirect(exc.response)
    bad_redirect = _UNUSABLE_REDIRECT.match(str(exc)) if isinstance(exc, ValueError) else None
    if bad_redirect:        # Scrapy could not even build the request for the Location it was given
        return describe("redirect_scheme", target=bad_redirect.group(1)[:200])
    names = {cls.__name__ for cls in type(exc).__mro__}
    cause = exc.__cause__ or exc.__context__
    if cause is not None:
        names |= {cls.__name__ for cls in type(cause).__mro__}
    for candidates, key in _NETWORK_KINDS:
        if names.intersection(candidates):
            return describe(key)
    text = _failure_text(exc)
    problem = explain(text)
    if problem.key in _WIRE_KINDS:
        return describe(problem.key)
    if names.intersection(("ResponseFailed", "DownloadFailedError", "ResponseDataLossError", "ConnectionLost",
                           "ConnectionDone")):
        return describe("reset")
    return f"{type(exc).__name__}: {text}"[:500]


def _failure_text(exc: BaseException) -> str:
    """The message, with the reasons Twisted wraps inside ResponseFailed (TLS errors hide there)."""
    parts = [str(exc).strip() or type(exc).__name__]
    for inner in (exc, exc.__cause__):
        for reason in getattr(inner, "reasons", None) or []:
            parts.append(str(getattr(reason, "value", reason)))
    return " ".join(parts)


def _unfollowed_redirect(response: Response) -> str:
    """A 3xx that Scrapy handed back unfollowed: its Location is not an http(s) address."""
    location = header(response, "Location") or ""
    if 300 <= response.status < 400 and location:
        target = urljoin(response.url, location.strip())
        scheme = urlsplit(target).scheme.lower()
        if scheme not in ("http", "https"):
            return describe("redirect_scheme", target=target[:200])
    return describe("http", status=response.status)
