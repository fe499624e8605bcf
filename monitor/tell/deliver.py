"""Sending one message to one apprise URL, and telling honestly whether it arrived.

Our code decides what and when; apprise decides how. What we add on top:

* one `Apprise` object per call holding exactly one URL, so a result can never be
  "True because nothing matched" (apprise 2.x reports that as NOMATCH; we check the
  result *status*, not its truth value);
* a bounded time: socket timeouts on the plugin (`cto`/`rto` unless the URL sets
  them), apprise's own call deadline, and a thread joined with a timeout on top, so
  a hanging server can never stall `monitor run` or the daemon;
* a human error text built from apprise's per-call log (kept out of our own logs) ("E-Mail 127.0.0.1:2525:
  connection refused"), with anything that looks like a secret from the URL removed;
* whether a failure is transient (worth another try within the run: 5xx, 429, timeouts,
  connection errors) or permanent, with the target's Retry-After (see `retry.py`);
* the choice of body: services whose first format is HTML and that take long
  bodies (e-mail and the e-mail APIs) get the HTML version, so apprise builds a
  multipart/alternative mail (text/plain + text/html); chat services get the text.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

from monitor.tell.retry import (
    Answer,
    RetryPolicy,
    http_answers,
    send_retrying,
    transient_status,
)

if TYPE_CHECKING:   # apprise itself is imported when a message goes out (see _apprise)
    from collections.abc import Sequence

    from apprise import AppriseResult, NotifyBase

LARGE = 1_000_000            # services that take any length we would sensibly send
ROOMY_SCHEMES = {"json", "jsons", "xml", "xmls", "form", "forms", "mailto", "mailtos"}
_GRACE = 5.0                 # seconds the watchdog thread allows beyond the deadline


@dataclass
class SendResult:
    ok: bool
    error: str | None = None
    transient: bool = False              # a blip: worth another try within the run
    retry_after: float | None = None     # seconds the target asked us to wait (HTTP Retry-After)
    tries: int = 1


def _apprise() -> ModuleType:
    """apprise, imported when a message goes out: loading its plugins takes a quarter
    second, which `monitor run` should not spend before its crawl has started."""
    import apprise
    return apprise


class Sender:
    """Sends through apprise with a bounded time per target; never raises for a bad target.

    `send` tries once; `deliver` rides out a blip as `retry` says (tests pass tiny waits).
    """

    def __init__(self, timeout: float = 20, retry: RetryPolicy | None = None) -> None:
        self.timeout = float(timeout)
        self.retry = retry or RetryPolicy()

    # ------------------------------------------------------------------ queries
    def plugin(self, url: str, problems: list[str] | None = None) -> NotifyBase | None:
        """The apprise service for `url`, or None when apprise does not understand it (why: `problems`)."""
        collector = _Collector()
        log = logging.getLogger("apprise")
        with _captured_privately():
            log.addHandler(collector)
            try:
                return _apprise().Apprise.instantiate(url, suppress_exceptions=True)
            except Exception:  # noqa: BLE001 - a plugin's constructor may raise anything
                return None
            finally:
                log.removeHandler(collector)
                if problems is not None:
                    problems += [re.sub(r"\s*\w+://\S*", "", scrub(m, url)).rstrip(": ")
                                 for m in collector.messages if not m.startswith("Could not load")]

    def max_body(self, url: str) -> int:
        """Characters one message may carry, so callers split only where a service forces it."""
        if scheme_of(url) in ROOMY_SCHEMES:
            return LARGE
        plugin = self.plugin(url)
        limit = getattr(plugin, "body_maxlen", 0) or LARGE
        return max(500, int(limit * 0.9))   # room for apprise's own framing

    def formats(self, url: str) -> tuple[str, ...]:
        plugin = self.plugin(url)
        declared = getattr(plugin, "notify_format", ()) if plugin else ()
        if isinstance(declared, (str, _apprise().NotifyFormat)):
            declared = (declared,)
        return tuple(_apprise().NotifyFormat(f).value for f in declared)

    def takes_html(self, url: str) -> bool:
        """E-mail-like services: HTML first and long bodies (Telegram's HTML is neither)."""
        formats = self.formats(url)
        return bool(formats) and formats[0] == "html" and self.max_body(url) >= 30_000

    def takes_markdown(self, url: str) -> bool:
        formats = self.formats(url)
        return "markdown" in formats or "html" in formats   # apprise turns Markdown into HTML

    # ------------------------------------------------------------------ sending
    def deliver(self, url: str, *, title: str, body: str, body_format: str = "markdown",
                attach_html: str | None = None) -> SendResult:
        """`send`, tried again within the run while the failure is transient (`self.retry`)."""
        return send_retrying(lambda: self.send(url, title=title, body=body, body_format=body_format,
                                               attach_html=attach_html), self.retry)

    def send(self, url: str, *, title: str, body: str, body_format: str = "markdown",
             attach_html: str | None = None) -> SendResult:
        """Deliver one message; `attach_html` replaces `body` for services that show HTML."""
        if not url:
            return SendResult(False, "no URL set for this target (it is disabled)")
        problems: list[str] = []
        plugin = self.plugin(url, problems)
        if plugin is None:
            why = f" ({'; '.join(problems)})" if problems else ""
            return SendResult(False, f"not a valid notification URL: {redact(url)}{why}")
        self._bound(plugin, url)
        if attach_html is not None and self.takes_html(url):
            body, body_format = attach_html, "html"
        box: dict[str, SendResult] = {}
        worker = threading.Thread(target=self._notify, args=(plugin, url, title, body, body_format, box),
                                  name="lagebild-send", daemon=True)
        worker.start()
        worker.join(self.timeout + _GRACE)
        if worker.is_alive() or "result" not in box:
            return SendResult(False, f"{where(url)}: no answer within {self.timeout:g} s", transient=True)
        return box["result"]

    def _bound(self, plugin: NotifyBase, url: str) -> None:
        """Socket timeouts unless the URL chose its own (`cto`, `rto`): connecting no longer than ours,
        and waiting for the answer as long as ours. A read that times out comes after the message
        went out, often to a service that took it and is slow to say so (Teams, Slack, a proxy
        under load); apprise's own 4 s for json:// counted those as failed, and each try after
        posted the message again."""
        query = parse_qs(urlsplit(url).query)
        if "cto" not in query:
            plugin.socket_connect_timeout = min(float(plugin.socket_connect_timeout or self.timeout), self.timeout)
        if "rto" not in query:
            plugin.socket_read_timeout = self.timeout

    def _notify(self, plugin: NotifyBase, url: str, title: str, body: str, body_format: str,
                box: dict[str, SendResult]) -> None:
        ap = _apprise().Apprise()
        ap.add(plugin)
        try:
            with _captured_privately(), http_answers() as answers:
                result = ap.notify(body=body, title=title, body_format=body_format, timeout=self.timeout,
                                   log_level=logging.DEBUG)
        except Exception as e:  # noqa: BLE001 - report, never crash the run
            text = f"{where(url)}: {scrub(str(e), url)}"
            box["result"] = SendResult(False, text, transient=_reason(text)[1])
            return
        if result.status == _apprise().AppriseResultStatus.SUCCESS:
            box["result"] = SendResult(True)
        else:
            box["result"] = failure(result, url, list(answers))


@contextmanager
def _captured_privately() -> Iterator[None]:
    """apprise's debug lines (the socket error we explain) go into the result, never to our log.

    They can hold webhook URLs with tokens and whole message bodies, so they must not
    propagate to whatever handler Scrapy or the CLI installed on the root logger.
    Counted, so concurrent sends restore the logger only when the last one is done.
    """
    log = logging.getLogger("apprise")
    with _LOG_LOCK:
        if not _LOG_STATE["users"]:
            _LOG_STATE["saved"] = (log.level, log.propagate)
            log.setLevel(logging.DEBUG)
            log.propagate = False
        _LOG_STATE["users"] += 1
    try:
        yield
    finally:
        with _LOG_LOCK:
            _LOG_STATE["users"] -= 1
            if not _LOG_STATE["users"]:
                log.setLevel(_LOG_STATE["saved"][0])
                log.propagate = _LOG_STATE["saved"][1]


_LOG_LOCK = threading.Lock()
_LOG_STATE: dict = {"users": 0, "saved": (logging.NOTSET, True)}


class _Collector(logging.Handler):
    """Keeps apprise's warnings while a URL is parsed: they say what is wrong with it."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


# --------------------------------------------------------------------------- errors

_REASONS = (     # pattern in apprise's log, what to tell people, transient (worth another try soon)
    (re.compile(r"connection refused", re.IGNORECASE), "connection refused", True),
    (re.compile(r"timed? ?out|timeout", re.IGNORECASE), "timed out", True),
    (re.compile(r"name or service not known|nodename nor servname|getaddrinfo|resolve", re.IGNORECASE),
     "host name not found", True),
    (re.compile(r"certificate|ssl", re.IGNORECASE), "TLS/certificate problem", False),
    (re.compile(r"authenticat|535|credentials|unauthori[sz]ed|error=401|error=403", re.IGNORECASE),
     "login rejected (check user and password/token)", False),
    (re.compile(r"network is unreachable|no route to host", re.IGNORECASE), "network unreachable", True),
    (re.compile(r"connection (?:reset|aborted)|broken pipe|remote ?end closed|remotedisconnected"
                r"|unexpectedly closed|server disconnected", re.IGNORECASE), "connection lost", True),
)


def failure(result: AppriseResult, url: str, answers: Sequence[Answer] = ()) -> SendResult:
    """What went wrong, readable, and whether it is a blip: from the HTTP layer's answers
    (status, Retry-After), else from apprise's log (the status it logs, the socket error)."""
    entries = [(e.level, e.message) for e in result.logs()]
    if result.status == _apprise().AppriseResultStatus.TIMEOUT:
        return SendResult(False, f"{where(url)}: no answer within the time limit", transient=True)
    # Only what went wrong: debug lines also hold the payload and the server's reply,
    # whose words ("timeout", "certificate" in a title) must not be read as the cause.
    text = " ".join(m for level, m in entries
                    if level in ("WARNING", "ERROR", "CRITICAL") or m.startswith("Socket Exception"))
    refused = answers[-1] if answers and answers[-1].status >= 400 else None
    logged = re.search(r"error=(\d{3})", text)
    status = refused.status if refused else int(logged.group(1)) if logged else None
    warnings = [m for level, m in entries if level in ("WARNING", "ERROR", "CRITICAL")]
    detail = scrub(warnings[-1], url) if warnings else "the service did not accept the message"
    if status is not None and status not in (401, 403):
        return SendResult(False, f"{where(url)}: HTTP {status} ({detail})", transient=transient_status(status),
                          retry_after=refused.retry_after if refused else None)
    reason, transient = _reason(text)
    return SendResult(False, f"{where(url)}: {reason or detail}", transient=transient)


def _reason(text: str) -> tuple[str | None, bool]:
    """The readable cause in an error text and whether it passes; SMTP replies by their code class."""
    for pattern, reason, transient in _REASONS:
        if pattern.search(text):
            return reason, transient
    smtp = re.search(r"\(([45])(\d\d), b?['\"]([^'\"]*)", text)     # smtplib: (451, b'4.3.0 try again later')
    if smtp:
        klass, rest, said = smtp.groups()
        return f"mail server answered {klass}{rest} ({said.strip()[:120]})", klass == "4"
    if re.search(r"connection error", text, re.IGNORECASE):   # apprise's word for any other socket failure
        return "connection error", True
    return None, False


def scheme_of(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def where(url: str) -> str:
    """'E-Mail 127.0.0.1:2525', 'json 127.0.0.1:8000': enough to find it, nothing secret."""
    scheme = scheme_of(url)
    label = {"mailto": "E-Mail", "mailtos": "E-Mail"}.get(scheme, scheme or "target")
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        host = port = ""
    local = host in ("127.0.0.1", "localhost", "::1") or host.count(".") >= 1
    return f"{label} {host}{port}" if host and local else label


def redact(url: str) -> str:
    """scheme://host/… : never echo tokens, passwords or webhook paths."""
    scheme = scheme_of(url) or "?"
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        host = ""
    safe_host = host if "." in host or host == "localhost" else ""
    return f"{scheme}://{safe_host}…" if safe_host else f"{scheme}://…"


def scrub(text: str, url: str) -> str:
    """Remove every longish piece of the target URL (user, password, path tokens) and full URLs."""
    pieces: set[str] = set()
    try:
        parts = urlsplit(url)
        pieces.update(p for p in (parts.username, parts.password) if p)
        pieces.update(unquote(p) for p in re.split(r"[/?&=#:@]", url.split("://", 1)[-1]) if p)
    except ValueError:
        pass
    host = (urlsplit(url).hostname or "") if "://" in url else ""
    for piece in sorted(pieces, key=len, reverse=True):
        if len(piece) >= 6 and piece != host and not piece.replace(".", "").isdigit():
            text = text.replace(piece, "…")
    text = re.sub(r"https?://([^/\s'\"]+)[^\s'\"]*", r"\1", text)
    return text.strip()


def pack(blocks: list[str], limit: int, sep: str = "\n\n") -> list[list[int]]:
    """Group block indexes into as few messages as fit `limit`; a block never splits.

    A single block longer than the limit gets a message of its own (the caller
    shortens it); everything else fills messages in order.
    """
    groups: list[list[int]] = []
    size = 0
    for index, block in enumerate(blocks):
        extra = len(block) + (len(sep) if groups and groups[-1] else 0)
        if groups and groups[-1] and size + extra <= limit:
            groups[-1].append(index)
            size += extra
        else:
            groups.append([index])
            size = len(block)
    return groups
