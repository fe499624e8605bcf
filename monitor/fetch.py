"""One Scrapy crawl over every due source, in a child process.

Scrapy's Twisted reactor can start only once per process, so the crawl runs in a
fresh child (multiprocessing, spawn): `monitor run`, the demo, the daemon and the
tests can all call `crawl()` as often as they like. Results come back over a pipe.
All network manners live in `scrapy_settings()`: one place for concurrency,
per-host politeness, timeouts, retries, redirects and size limits.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import queue
import threading
from collections.abc import Callable, Iterator

from monitor.config import FetchSettings
from monitor.outcome import FetchOutcome
from spiders.base import FetchResult, SourceSpec

CHILD_GRACE_SECONDS = 30


# Hosts that rate-limit unauthenticated feed readers hard: one request at a time, spaced.
# Reddit answers 429 to bursts; YouTube's and Bluesky's feed endpoints throttle crawlers.
POLITE_HOSTS = {
    "www.reddit.com": {"concurrency": 1, "delay": 3.0},
    "old.reddit.com": {"concurrency": 1, "delay": 3.0},
    "www.youtube.com": {"concurrency": 1, "delay": 1.0},
    "bsky.app": {"concurrency": 1, "delay": 1.0},
    "mastodon.social": {"concurrency": 1, "delay": 1.0},
}


class CrawlError(Exception):
    """The crawl itself could not run (not: a source failed)."""


def scrapy_settings(fetch: FetchSettings) -> dict:
    timeout = fetch.timeout.total_seconds()
    return {
        "USER_AGENT": fetch.user_agent,
        "ROBOTSTXT_OBEY": False,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "ERROR",
        "LOG_ENABLED": True,
        "CONCURRENT_REQUESTS": fetch.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": fetch.per_host,
        "CONCURRENT_ITEMS": 1,          # one result per response: Scrapy's default 100 spawns 100 tasks each
        "WARN_ON_GENERATOR_RETURN_VALUE": False,   # else Scrapy re-parses the callback's source per response
        "DOWNLOAD_DELAY": fetch.delay.total_seconds(),
        "RANDOMIZE_DOWNLOAD_DELAY": True,
        "DOWNLOAD_TIMEOUT": timeout,
        "DNS_TIMEOUT": min(timeout, 20),
        "DOWNLOAD_MAXSIZE": fetch.max_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "RETRY_ENABLED": False,                       # replaced by BackoffRetryMiddleware
        "RETRY_TIMES": fetch.retries,
        "DOWNLOADER_MIDDLEWARES": {"spiders.middlewares.BackoffRetryMiddleware": 550,
                                   "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
                                   "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
                                   "scrapy.downloadermiddlewares.retry.RetryMiddleware": None},
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408],
        "REDIRECT_MAX_TIMES": 5,
        "METAREFRESH_ENABLED": False,
        "HTTPCACHE_ENABLED": False,
        "DUPEFILTER_CLASS": "scrapy.dupefilters.BaseDupeFilter",
        "DOWNLOAD_SLOTS": POLITE_HOSTS,
        "DEFAULT_REQUEST_HEADERS": {
            "Accept": "application/rss+xml, application/atom+xml, application/feed+json, "
                      "application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.5, */*;q=0.1",
            "Accept-Language": "de,en;q=0.8",
        },
        "ITEM_PIPELINES": {},
        # Each request passes every enabled middleware: switch off what a feed fetch never
        # needs (thousands of sources per run make it count).
        "SPIDER_MIDDLEWARES": {
            "scrapy.spidermiddlewares.referer.RefererMiddleware": None,
            "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
            "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
            "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
        },
        "EXTENSIONS": {"scrapy.extensions.telnet.TelnetConsole": None,
                       "scrapy.extensions.logstats.LogStats": None,
                       "scrapy.extensions.memusage.MemoryUsage": None},
    }


def crawl(specs: list[SourceSpec], fetch: FetchSettings,
          on_result: Callable[[FetchResult], None] | None = None) -> list[FetchResult]:
    """Fetch every source once; exactly one FetchResult per source, in no particular order."""
    results = []
    for result in iter_crawl(specs, fetch):
        results.append(result)
        if on_result:
            on_result(result)
    return results


def iter_crawl(specs: list[SourceSpec], fetch: FetchSettings) -> Iterator[FetchResult]:
    """Yield each source's FetchResult as soon as the crawl has it."""
    return CrawlProcess(fetch).results(specs)


class CrawlProcess:
    """The crawl's child process, started before the sources are known.

    Its imports (Scrapy, Twisted) then overlap the parent's own set-up; the sources
    follow through a pipe. Results stream back as they come, so the parent tags and
    stores while the child still fetches and parses: both cores work on a large run.
    """

    def __init__(self, fetch: FetchSettings):
        ctx = mp.get_context("spawn")
        orders_in, self._orders = ctx.Pipe(duplex=False)      # (reader, writer)
        self._results, results_out = ctx.Pipe(duplex=False)
        self.child = ctx.Process(target=_child, args=(fetch, orders_in, results_out), name="monitor-crawl",
                                 daemon=True)
        self.child.start()
        orders_in.close()
        results_out.close()

    def results(self, specs: list[SourceSpec]) -> Iterator[FetchResult]:
        self._orders.send(specs)
        seen: set[str] = set()
        finished = False
        try:
            while specs:
                try:
                    message = self._results.recv()
                except EOFError:
                    break
                if message is None:
                    finished = True
                    break
                if isinstance(message, str):
                    raise CrawlError(message)
                seen.add(message.source)
                yield message
        finally:
            self.close(wait=finished or not specs)
        for spec in specs:   # a source Scrapy never answered for is a failure, not a silence
            if spec.name not in seen:
                yield FetchResult(spec.name, FetchOutcome(ok=False, error="no answer: the crawl ended before "
                                                                           "this source was fetched"))

    def close(self, wait: bool = False) -> None:
        """`wait`: the child sent its last message (or has nothing to do); it may still be tearing
        Scrapy down, which tells us nothing, so it is ended after a brief grace."""
        for end in (self._orders, self._results):
            end.close()
        self.child.join(0.05 if wait else 1)
        if self.child.is_alive():
            self.child.terminate() if wait else self.child.kill()
            self.child.join(CHILD_GRACE_SECONDS)


def _child(fetch: FetchSettings, orders, pipe) -> None:
    """Runs in the crawl process: one CrawlerProcess, one spider per kind, results down the pipe.

    Results go through a queue to a sender thread: when the parent is busy tagging and
    the pipe is full, the crawl keeps fetching and parsing instead of waiting on `send`.
    """
    outbox: queue.SimpleQueue = queue.SimpleQueue()
    sender = threading.Thread(target=_send_all, args=(outbox, pipe), name="crawl-sender", daemon=True)
    sender.start()
    try:
        from scrapy import signals
        from scrapy.crawler import CrawlerProcess

        from spiders import SPIDERS

        try:
            specs = orders.recv()
        except EOFError:
            specs = []
        if specs:
            logging.getLogger("scrapy").setLevel(logging.ERROR)
            process = CrawlerProcess({**scrapy_settings(fetch), "LOG_INSTALL_ROOT_HANDLER": False})
            by_kind: dict[str, list[SourceSpec]] = {}
            for spec in specs:
                by_kind.setdefault(spec.kind, []).append(spec)

            def scraped(item, response, spider):
                outbox.put(item)

            for kind, group in by_kind.items():
                crawler = process.create_crawler(SPIDERS[kind])
                crawler.signals.connect(scraped, signal=signals.item_scraped)
                process.crawl(crawler, sources=group)
            process.start()
        outbox.put(None)
    except Exception as e:  # noqa: BLE001 - report to the parent instead of dying silently
        outbox.put(f"the crawl could not run: {type(e).__name__}: {e}")
    sender.join()


def _send_all(outbox: queue.SimpleQueue, pipe) -> None:
    try:
        while True:
            message = outbox.get()
            pipe.send(message)
            if message is None or isinstance(message, str):
                return
    except (BrokenPipeError, OSError):
        return          # the parent went away; nothing left to tell
    finally:
        pipe.close()
