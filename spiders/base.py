"""What every source spider shares: conditional requests, health outcomes, limits.

A spider is handed its sources and their stored fetch state; for each source it
yields exactly one `FetchResult` (items plus what happened), whether the source
answered, failed, or was unchanged. Network behaviour (timeouts, retries, size
limits, redirects) is Scrapy's, configured in spiders/crawl.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from monitor.item import Item
from monitor.watch.annotate import annotate
from monitor.watch.contract import FetchOutcome, FetchResult, SourceSpec  # noqa: F401 - re-exported for spiders

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
            items = list(self.parse_source(response, spec))[:MAX_ITEMS_PER_SOURCE]
        except SourceError as e:
            yield FetchResult(spec.name, FetchOutcome(ok=False, status=status, error=str(e)))
            return
        except Exception as e:  # noqa: BLE001 - one broken source must not stop the crawl
            self.logger.exception("parsing %s failed", spec.name)
            yield FetchResult(spec.name, FetchOutcome(ok=False, status=status,
                                                      error=f"could not read the response: {type(e).__name__}: {e}"))
            return
        annotate(items)     # language and platforms here, on the crawl's cores (see monitor.watch.annotate)
        yield FetchResult(spec.name, FetchOutcome(
            ok=True, status=status, etag=header(response, "ETag"),
            last_modified=header(response, "Last-Modified")), items)

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
    from http import HTTPStatus
    try:
        phrase = HTTPStatus(response.status).phrase
    except ValueError:
        phrase = "error"
    hint = {404: "the address no longer exists; check the URL", 410: "the feed was removed",
            401: "the server wants a login", 403: "the server refuses us (blocked or login needed)",
            429: "rate limited by the server; we will wait before trying again",
            500: "the server had an internal error", 502: "bad gateway", 503: "the server is unavailable",
            504: "the server's gateway timed out"}.get(response.status, "")
    return f"HTTP {response.status} {phrase}" + (f": {hint}" if hint else "")


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


def network_error(failure: Failure) -> str:
    """Plain words for what went wrong on the wire."""
    from scrapy.exceptions import IgnoreRequest
    from twisted.internet import error as net
    from twisted.web._newclient import ResponseFailed
    exc = failure.value
    text = str(exc).strip() or type(exc).__name__
    if failure.check(net.DNSLookupError):
        return "the host name could not be resolved (DNS); check the URL"
    if failure.check(net.TimeoutError, net.TCPTimedOutError) or "Timeout" in type(exc).__name__:
        return f"no complete answer in time (timeout): {text}"
    if failure.check(net.ConnectionRefusedError):
        return "connection refused: nothing is listening at that address"
    if failure.check(net.ConnectionLost, ResponseFailed) or "DataLoss" in type(exc).__name__:
        return "the connection broke off before the answer was complete"
    if "max size" in text.lower() or "maxsize" in text.lower():
        return f"the answer is too large ({text})"
    if "redirect" in text.lower():
        return f"too many redirects (a loop or a chain longer than 5): {text}"
    if failure.check(IgnoreRequest):
        return f"request dropped: {text}"
    return f"{type(exc).__name__}: {text}"[:500]
