"""Retries with exponential backoff that honour Retry-After.

Scrapy's own RetryMiddleware retries at once and ignores `Retry-After` (scrapy issue
3849), which hammers a server that asked us to wait. This one waits: the server's
Retry-After when it gives one (up to RETRY_AFTER_MAX within a run; longer waits end
the attempt, and the source's next try is scheduled after it), otherwise
base * 2^n seconds. 429 is retried only when the server says when.
"""

from __future__ import annotations

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DownloadFailedError, DownloadTimeoutError, ResponseDataLossError
from scrapy.http import Request, Response
from scrapy.settings import BaseSettings
from scrapy.utils.defer import deferred_to_future
from twisted.internet import defer, error, reactor, task
from twisted.web._newclient import ResponseFailed

from spiders.base import retry_after

# Twisted's exceptions, and the ones Scrapy (since 2.13) wraps them in. Not retried: refused
# connections and unknown host names (nothing will answer a second later either).
RETRYABLE_EXCEPTIONS = (defer.TimeoutError, error.TimeoutError, error.TCPTimedOutError, error.ConnectionLost,
                        error.ConnectError, ResponseFailed, DownloadTimeoutError, DownloadFailedError,
                        ResponseDataLossError)


class BackoffRetryMiddleware:
    def __init__(self, settings: BaseSettings) -> None:
        self.max_retries = settings.getint("RETRY_TIMES", 2)
        self.codes = set(settings.getlist("RETRY_HTTP_CODES", [500, 502, 503, 504, 522, 524, 408]))
        self.base = settings.getfloat("LAGEBILD_BACKOFF_BASE", 1.0)
        self.cap = settings.getfloat("LAGEBILD_BACKOFF_MAX", 30.0)
        self.retry_after_max = settings.getfloat("LAGEBILD_RETRY_AFTER_MAX", 60.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        return cls(crawler.settings)

    async def process_response(self, request: Request, response: Response,
                               spider: Spider | None = None) -> Request | Response:
        wait = retry_after(response)
        retryable = response.status in self.codes or (response.status == 429 and wait is not None)
        if not retryable or self._attempts(request) >= self.max_retries:
            return response
        seconds = wait.total_seconds() if wait is not None else self._backoff(request)
        if seconds > self.retry_after_max:
            return response          # too long for this run: the source's next try comes after it
        return await self._later(request, seconds)

    async def process_exception(self, request: Request, exception: Exception,
                                spider: Spider | None = None) -> Request | None:
        if not isinstance(exception, RETRYABLE_EXCEPTIONS) or isinstance(exception, error.ConnectionRefusedError):
            return None
        if self._attempts(request) >= self.max_retries:
            return None
        return await self._later(request, self._backoff(request))

    def _attempts(self, request: Request) -> int:
        return request.meta.get("lagebild_retries", 0)

    def _backoff(self, request: Request) -> float:
        return min(self.base * 2 ** self._attempts(request), self.cap)

    async def _later(self, request: Request, seconds: float) -> Request:
        await deferred_to_future(task.deferLater(reactor, max(seconds, 0.0), lambda: None))
        retry = request.copy()
        retry.meta["lagebild_retries"] = self._attempts(request) + 1
        retry.dont_filter = True
        retry.priority = request.priority + 1
        return retry
