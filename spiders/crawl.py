"""One Scrapy crawl over every due source, in a child process.

Scrapy's Twisted reactor can start only once per process, so the crawl runs in a
fresh child (spiders/child.py): `monitor run`, the demo, the daemon and the
tests can all call `crawl()` as often as they like. Results come back over a pipe.
All network manners live in `scrapy_settings()`: one place for concurrency,
per-host politeness, timeouts, retries, redirects and size limits.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from multiprocessing import Pipe
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from monitor.gc_tuning import tune_garbage_collection
from monitor.watch.contract import FetchOutcome, FetchResult, SourceSpec
from spiders.child import ChildProcess
from spiders.new_sources import expect, forget, tag_first_fetches

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.http import Response

    from monitor.config import FetchSettings

CHILD_GRACE_SECONDS = 30
OUTBOX_LIMIT = 200      # results waiting in a crawl process for the parent: bounds its memory
BATCH_ITEMS = 200       # new items tagged as one batch in the crawl process (spiders/new_sources.py)
BATCH_SECONDS = 0.2     # ... or what came within this time, whichever is first
CRAWL_NICENESS = 5
ORPHAN_CHECK_SECONDS = 0.5  # how often a crawl process looks whether its parent is still there


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
                                   "spiders.politeness.HostGate": 990,     # last before the download
                                   "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
                                   "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
                                   "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
                                   "scrapy.downloadermiddlewares.stats.DownloaderStats": None},
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
        "LOG_FORMATTER": "spiders.quiet.QuietLogFormatter",
        # Each request passes every enabled middleware: switch off what a feed fetch never
        # needs (thousands of sources per run make it count).
        "SPIDER_MIDDLEWARES": {
            "scrapy.spidermiddlewares.referer.RefererMiddleware": None,
            "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
            "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
            "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
            "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
        },
        "EXTENSIONS": {"scrapy.extensions.telnet.TelnetConsole": None,
                       "scrapy.extensions.logstats.LogStats": None,
                       "scrapy.extensions.memusage.MemoryUsage": None,
                       "scrapy.extensions.corestats.CoreStats": None},     # stats nobody reads, kept per request
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
    return CrawlProcess(processes(fetch)).results(specs, fetch)


MIN_SOURCES_PER_PROCESS = 100   # below this a second process costs more (its start-up) than it saves


def processes(fetch: FetchSettings | None = None) -> int:
    """How many crawl processes to start: `fetch.processes` if set, else one per core beside the
    parent's, at most two (one on one or two cores).

    Scrapy runs in one thread, so one process parses on one core. The parent tags,
    clusters and stores on another, and on realistic feeds it is the slower of the two
    (benchmarks/bench_fetch.py: ~1.6 ms per item against the crawl's ~1.2), so on two
    cores a second crawl process only competes with it: measured in one run on 10,000
    items, a quarter more CPU in all and ~95 MB more memory for no shorter run.
    """
    configured = fetch.processes if fetch is not None else None
    return configured or max(1, min(2, (os.cpu_count() or 1) - 1))


def split_by_host(specs: list[SourceSpec], parts: int) -> list[list[SourceSpec]]:
    """`parts` shares of about equal size, every host's sources in one share: per-host
    concurrency and delays are kept by one process, so two processes never double them."""
    if parts <= 1 or len(specs) < 2 * MIN_SOURCES_PER_PROCESS:
        return [specs] + [[] for _ in range(parts - 1)]
    by_host: dict[str, list[SourceSpec]] = {}
    for spec in specs:
        by_host.setdefault((urlsplit(spec.url).hostname or "").lower(), []).append(spec)
    shares: list[list[SourceSpec]] = [[] for _ in range(parts)]
    for group in sorted(by_host.values(), key=len, reverse=True):
        min(shares, key=len).extend(group)
    return shares


class CrawlProcess:
    """The crawl's child processes, started before the sources (or even the settings)
    are known.

    Their imports (Scrapy, Twisted) then overlap the parent's own set-up; the settings
    and sources follow through a pipe. Results stream back as they come, so the
    parent tags and stores while the children still fetch and parse: every core
    works on a large run. Sources are split between the children by host.
    """

    def __init__(self, count: int = 1) -> None:
        self.children: list[_Child] = [_Child() for _ in range(max(1, count))]

    def results(self, specs: list[SourceSpec], fetch: FetchSettings) -> Iterator[FetchResult]:
        wanted = fetch.processes or len(self.children)
        self.children += [_Child() for _ in range(len(self.children), wanted)]
        shares = split_by_host(specs, wanted) + [[] for _ in self.children[wanted:]]
        working = max(1, sum(1 for share in shares if share))
        per_process = fetch.model_copy(update={"concurrency": max(1, fetch.concurrency // working)})
        busy: dict[Connection, _Child] = {}
        for child, share in zip(self.children, shares):
            child.orders.send((per_process, share))
            if share:
                busy[child.results] = child
            else:
                child.close(wait=True)
        seen: set[str] = set()
        try:
            while busy:
                for end in cast(list[Connection], wait(list(busy))):
                    child = busy[end]
                    message: FetchResult | str | None
                    try:
                        message = end.recv()
                    except EOFError:
                        message = None
                    if message is None:
                        del busy[end]
                        child.close(wait=True)
                        continue
                    if isinstance(message, str):
                        raise CrawlError(message)
                    seen.add(message.source)
                    yield message
        finally:
            self.close()
        yield from unanswered(specs, seen)

    def close(self) -> None:
        """End every child that is still running (an abandoned or failed crawl)."""
        for child in self.children:
            child.close(wait=False)


class _Child:
    """One crawl process and its two pipes: orders in, results out."""

    def __init__(self) -> None:
        orders_in, self.orders = Pipe(duplex=False)      # (reader, writer)
        self.results, results_out = Pipe(duplex=False)
        self.process = ChildProcess("run", orders_in, results_out)
        orders_in.close()
        results_out.close()
        self.closed = False

    def close(self, wait: bool = False) -> None:
        """`wait`: the child sent its last message (or has nothing to do); it may still be tearing
        Scrapy down, which tells us nothing, so it is ended after a brief grace."""
        if self.closed:
            return
        self.closed = True
        for end in (self.orders, self.results):
            end.close()
        self.process.join(0.05 if wait else 1)
        if self.process.is_alive():
            self.process.terminate() if wait else self.process.kill()
            self.process.join(CHILD_GRACE_SECONDS)


def unanswered(specs: list[SourceSpec], seen: set[str]) -> Iterator[FetchResult]:
    """A failure for each source Scrapy never answered for: a failure, not a silence, so that
    its health shows it and the next run tries it again."""
    for spec in specs:
        if spec.name not in seen:
            yield FetchResult(spec.name, FetchOutcome(ok=False, error="no answer: the crawl ended before "
                                                                       "this source was fetched"))


def _child(orders: Connection, pipe: Connection, parent: int | None = None) -> None:
    """Runs in the crawl process: one CrawlerProcess, one spider per kind, results down the pipe.

    Results go through a queue to a sender thread: when the parent is busy tagging and
    the pipe is full, the crawl keeps fetching and parsing instead of waiting on `send`.
    """
    if parent is not None:
        threading.Thread(target=_die_with, args=(parent,), name="crawl-orphan-check", daemon=True).start()
    outbox: queue.Queue[FetchResult | str | None] = queue.Queue(maxsize=OUTBOX_LIMIT)
    sender = threading.Thread(target=_send_all, args=(outbox, pipe), name="crawl-sender", daemon=True)
    sender.start()
    try:
        from scrapy import signals
        from scrapy.crawler import CrawlerProcess

        from spiders import SPIDERS

        try:
            fetch, specs = orders.recv()
        except EOFError:
            fetch, specs = None, []
        if specs:
            expect(specs)
            _yield_to_parent()
            tune_garbage_collection()
            logging.getLogger("scrapy").setLevel(logging.ERROR)
            process = CrawlerProcess({**scrapy_settings(fetch), "LOG_INSTALL_ROOT_HANDLER": False})
            by_kind: dict[str, list[SourceSpec]] = {}
            for spec in specs:
                by_kind.setdefault(spec.kind, []).append(spec)

            outgoing = Outgoing(outbox)

            def scraped(item: FetchResult, response: Response, spider: Spider) -> None:
                outgoing.put(item)

            for kind, group in by_kind.items():
                crawler = process.create_crawler(SPIDERS[kind])
                crawler.signals.connect(scraped, signal=signals.item_scraped)
                process.crawl(crawler, sources=group)
            process.start()
            outgoing.flush()
            del process, outgoing
            release_memory()
        outbox.put(None)
    except Exception as e:  # noqa: BLE001 - report to the parent instead of dying silently
        outbox.put(f"the crawl could not run: {type(e).__name__}: {e}")
    sender.join()


class Outgoing:
    """Results on their way to the outbox, in the reactor's thread: held for up to `BATCH_SECONDS`
    or `BATCH_ITEMS` items, so that new sources' items are tagged in one batch
    (`tag_first_fetches`): 200 items at once cost 0.22 ms each to tag, 20 at once 0.27 ms (500:
    0.20 ms, for ~20 MB more of the crawl's peak memory).

    Tagged here, not in the sender thread: a CPU-bound second thread kept the reactor
    waiting for the GIL after every read (a first run of bench_fetch took 35 s instead of 26)."""

    def __init__(self, outbox: queue.Queue[FetchResult | str | None]) -> None:
        self.outbox = outbox
        self.waiting: list[FetchResult] = []
        self.items = 0
        self.timer: Any = None

    def put(self, result: FetchResult) -> None:
        self.waiting.append(result)
        self.items += len(result.items)
        if self.items >= BATCH_ITEMS:
            self.flush()
        elif self.timer is None:
            from twisted.internet import reactor
            self.timer = cast(Any, reactor).callLater(BATCH_SECONDS, self.flush)

    def flush(self) -> None:
        """Tag what waits and hand it on, in the order it came."""
        if self.timer is not None and self.timer.active():
            self.timer.cancel()
        self.timer = None
        batch, self.waiting, self.items = self.waiting, [], 0
        try:
            tag_first_fetches(batch)
        except Exception:  # noqa: BLE001 - the results go out all the same; the run tags what is untagged
            logging.getLogger("spiders.crawl").exception("tagging new sources' items in the crawl failed")
        for result in batch:
            self.outbox.put(result)


def _die_with(parent: int) -> None:
    """End this crawl process within a second of its parent's death, however the parent died.

    A parent killed with SIGKILL (the OOM killer, a worker's supervisor) cannot end its
    children, and an orphaned crawl would go on fetching for nobody, and for a second
    worker that took over the same shard, double the load on every host. An orphan is
    re-parented, so a changed parent pid is the sign. Polled rather than Linux's
    PR_SET_PDEATHSIG, which fires when the *thread* that started the child ends.
    """
    while os.getppid() == parent:
        time.sleep(ORPHAN_CHECK_SECONDS)
    os._exit(1)


def release_memory() -> None:
    """Give the crawl's memory back before waiting for the parent to read the last results.

    At the end of a first run the parent stores its last batches while this process, done
    crawling, would still hold the tagger, its word caches and the crawl's freed heap: the
    peak of the two processes together fell there (benchmarks/bench_fetch.py)."""
    forget()
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)     # glibc keeps freed heap pages otherwise


def _yield_to_parent() -> None:
    """Crawl processes give way to the parent: it tags and stores what they deliver, and
    when it falls behind on a busy machine, results pile up and the run ends late."""
    with contextlib.suppress(OSError):
        os.nice(CRAWL_NICENESS)


def _send_all(outbox: queue.Queue[FetchResult | str | None], pipe: Connection) -> None:
    try:
        while True:
            message = outbox.get()
            pipe.send(message)
            if message is None or isinstance(message, str):
                return
    except (BrokenPipeError, OSError):
        _drain(outbox)      # the parent went away: nothing left to tell, but the crawl must not block
    finally:
        pipe.close()


def _drain(outbox: queue.Queue[FetchResult | str | None]) -> None:
    """Take results off the outbox until the crawl's last message."""
    while True:
        message = outbox.get()
        if message is None or isinstance(message, str):
            return
