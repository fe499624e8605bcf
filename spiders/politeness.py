"""Per-host politeness that holds whatever Scrapy's downloader does.

Scrapy keeps a download slot per host with `CONCURRENT_REQUESTS_PER_DOMAIN`, but since
Scrapy 2.14, under the asyncio reactor and with `DOWNLOAD_DELAY` 0, a slot's queue is
emptied before any request counts as transferring, so one host saw 60+ requests at once
with `per_host: 2` (close to scrapy/scrapy#6982). Small servers answer that with 429s,
time-outs or a blocked address.

`HostGate` is a downloader middleware placed next to the download handler: before a
request goes out it waits for one of its host's permits (an asyncio semaphore per host,
`per_host` permits, fewer for the hosts in `DOWNLOAD_SLOTS`), and gives the permit back
when the response or the error comes in. What we rely on from Scrapy (pinned by
tests/test_politeness.py): an `async def process_request` is awaited before the
download, and every request that passed it reaches `process_response` or
`process_exception` of the same middleware.
"""

from __future__ import annotations

import asyncio
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached

PERMIT = "_lagebild_host_permit"   # request.meta key: the host whose permit this request holds


class HostGate:
    def __init__(self, per_host: int, slots: dict[str, dict[str, Any]]):
        self.per_host = max(1, per_host)
        self.slots = slots
        self._gates: dict[str, asyncio.Semaphore] = {}
        self.in_flight: dict[str, int] = {}
        self.peak: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostGate:
        settings = crawler.settings
        return cls(settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"), settings.getdict("DOWNLOAD_SLOTS"))

    def limit_for(self, host: str) -> int:
        """`per_host`, or less for hosts that rate-limit feed readers hard (never more)."""
        polite = self.slots.get(host, {}).get("concurrency")
        return min(self.per_host, int(polite)) if polite else self.per_host

    async def process_request(self, request: Request, spider: Spider) -> None:
        host = urlparse_cached(request).hostname or ""
        gate = self._gates.get(host)
        if gate is None:
            gate = self._gates[host] = asyncio.Semaphore(self.limit_for(host))
        await gate.acquire()
        request.meta[PERMIT] = host
        self.in_flight[host] = self.in_flight.get(host, 0) + 1
        self.peak[host] = max(self.peak.get(host, 0), self.in_flight[host])

    def process_response(self, request: Request, response: Response, spider: Spider) -> Response:
        self._release(request)
        return response

    def process_exception(self, request: Request, exception: BaseException, spider: Spider) -> None:
        self._release(request)

    def _release(self, request: Request) -> None:
        host = request.meta.pop(PERMIT, None)
        if host is not None:
            self.in_flight[host] -= 1
            self._gates[host].release()
