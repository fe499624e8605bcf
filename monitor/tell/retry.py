"""Riding out a blip: a message that met a passing failure is tried again within the run.

A webhook that answers 500 while it redeploys, a 429 with Retry-After, a connection
reset: these pass within seconds. Leaving the message to the next cycle, with a backoff
of its own on top, turned such a blip into an hour of silence. So a *transient* failure
is tried again at once, with short waits (1 s, 3 s, 9 s; about 30 s in all, a
Retry-After honoured when it fits), and only then stays in the outbox with the growing
backoff, which never waits longer than one cycle. A *permanent* failure (a 404, a
rejected login, a URL apprise cannot use) would fail the same way a second later, so it
is not tried again within the run; it waits in the outbox for someone to fix it.

Which one it was is read from what the target answered: the HTTP status and
Retry-After header that the HTTP layer under apprise (requests) received, else the
status apprise logs ("error=500"), else the kind of socket error.
"""

from __future__ import annotations

import contextvars
import functools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from requests import PreparedRequest, Response
    from requests.adapters import HTTPAdapter

    from monitor.tell.deliver import SendResult


@dataclass(frozen=True)
class RetryPolicy:
    """How long one message may take to get through a blip within a run.

    `waits` are the pauses before the 2nd, 3rd, … try; `budget` bounds the whole
    (tries and pauses, counted from the first try) so a run is never held up for long.
    Tests pass tiny waits; the defaults suit real services.
    """
    waits: tuple[float, ...] = (1.0, 3.0, 9.0)
    budget: float = 30.0

    def pause(self, tries: int, elapsed: float, retry_after: float | None, last_try: float = 0.0) -> float | None:
        """Seconds to wait before try `tries + 1`, or None when this run has done its share.

        The next try is expected to take as long as the last one (`last_try`), so a target
        that times out after 20 s is not tried again at 21 s, past the budget.
        """
        if tries > len(self.waits):
            return None
        wait = self.waits[tries - 1] if retry_after is None else retry_after
        return wait if elapsed + wait + last_try <= self.budget else None


NO_RETRY = RetryPolicy(waits=())


def send_retrying(send: Callable[[], SendResult], policy: RetryPolicy,
                  sleep: Callable[[float], object] = time.sleep,
                  clock: Callable[[], float] = time.monotonic) -> SendResult:
    """Call `send` until it succeeds, fails for good, or the policy says stop; the last result."""
    started = clock()
    tries = 0
    while True:
        began = clock()
        result = send()
        tries += 1
        if result.ok or not result.transient:
            break
        ended = clock()
        wait = policy.pause(tries, ended - started, result.retry_after, last_try=ended - began)
        if wait is None:
            break
        sleep(wait)
    result.tries = tries
    if not result.ok and tries > 1:
        result.error = f"{result.error} ({tries} tries within {clock() - started:.0f} s)"
    return result


def transient_status(status: int) -> bool:
    """HTTP statuses worth another try soon: server errors, a timeout, too many requests."""
    return status >= 500 or status in (408, 425, 429)


def backoff_cap(interval: timedelta) -> timedelta:
    """The longest a waiting message waits between runs: a little under one cycle.

    Capped below the interval, not at it, so the next cycle finds the message due
    even when that cycle reaches delivery a little sooner than this one did.
    """
    return interval * 0.9


# --------------------------------------------------------------------------- what the HTTP layer saw

@dataclass(frozen=True)
class Answer:
    status: int
    retry_after: float | None       # seconds, from the Retry-After header


_ANSWERS: contextvars.ContextVar[list[Answer] | None] = contextvars.ContextVar("lagebild_http_answers",
                                                                              default=None)
_OBSERVER_LOCK = threading.Lock()


@contextmanager
def http_answers() -> Iterator[list[Answer]]:
    """Collects the status and Retry-After of every HTTP answer a notifier gets in this context.

    apprise's plugins log the status but never the headers, so the one place that sees
    Retry-After is requests' adapter. Its `build_response` is wrapped once (an observer:
    the response passes through untouched) and records into a context variable, which
    apprise copies into the worker thread it sends from; outside this block nothing is kept.
    """
    _observe_requests()
    seen: list[Answer] = []
    token = _ANSWERS.set(seen)
    try:
        yield seen
    finally:
        _ANSWERS.reset(token)


def _observe_requests() -> None:
    from requests.adapters import HTTPAdapter

    with _OBSERVER_LOCK:
        if getattr(HTTPAdapter.build_response, "_lagebild_observer", False):
            return
        original = HTTPAdapter.build_response

        @functools.wraps(original)
        def build_response(self: HTTPAdapter, req: PreparedRequest, resp: Any) -> Response:
            response = original(self, req, resp)
            seen = _ANSWERS.get()
            if seen is not None:
                seen.append(Answer(response.status_code, retry_after(response.headers.get("Retry-After"))))
            return response

        build_response._lagebild_observer = True  # type: ignore[attr-defined]
        HTTPAdapter.build_response = build_response  # type: ignore[method-assign]


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
