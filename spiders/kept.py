"""One crawl process for all of a worker's jobs, started once and kept.

`monitor run` starts a Scrapy child per run (spiders/crawl.py): Twisted's reactor can run
only once per process. A worker runs dozens of shard jobs a window, and a fresh child
per job cost it 1.5 to 2 s of CPU (imports, Scrapy's set-up) and as long again before the
first answer came back: measured, a third of one worker's time. So a worker's child
starts its reactor once and keeps it running; each job sends its sources and settings
down a pipe, and the child crawls them with fresh crawlers (settings may change between
jobs) in the same reactor, streams the results back and ends the job's crawl with `None`.

The guards of the per-run child hold here too: the child ends within a second of its
parent's death (`_die_with`), never runs ahead of the parent by more than OUTBOX_LIMIT
results, and reports a failure of the crawl itself in words. A job the parent abandons
halfway (an error while storing) ends the child: its results would otherwise arrive in
the next job. The next job starts a new one.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator
from multiprocessing import Pipe
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING

from monitor.gc_tuning import tune_garbage_collection
from monitor.watch.contract import FetchResult, SourceSpec
from spiders.child import ChildProcess
from spiders.crawl import (
    CHILD_GRACE_SECONDS,
    OUTBOX_LIMIT,
    CrawlError,
    Outgoing,
    _die_with,
    _yield_to_parent,
    scrapy_settings,
    unanswered,
)
from spiders.new_sources import expect

if TYPE_CHECKING:
    from monitor.config import FetchSettings

log = logging.getLogger("monitor.work")
_STOP = "stop"       # the child's last message on its pipe, after the last job's `None`


class KeptCrawl:
    """The worker's crawl process: `results()` once per job, `close()` when the worker stops."""

    def __init__(self) -> None:
        self._process: ChildProcess | None = None
        self._orders: Connection | None = None
        self._results: Connection | None = None

    def start(self) -> None:
        """Start the child now (its imports then overlap whatever the worker does next)."""
        if self._process is not None and self._process.is_alive():
            return
        self.close()
        orders_in, self._orders = Pipe(duplex=False)
        self._results, results_out = Pipe(duplex=False)
        self._process = ChildProcess("kept", orders_in, results_out)
        orders_in.close()
        results_out.close()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def results(self, specs: list[SourceSpec], fetch: FetchSettings) -> Iterator[FetchResult]:
        """Each source's FetchResult as the child has it; exactly one per source."""
        self.start()
        assert self._orders is not None and self._results is not None
        seen: set[str] = set()
        finished = False
        try:
            try:
                self._orders.send((fetch, specs))
            except (BrokenPipeError, OSError) as e:
                raise CrawlError(f"the crawl process is gone: {e}") from e
            while True:
                try:
                    message = self._results.recv()
                except (EOFError, OSError) as e:
                    raise CrawlError("the crawl process ended in the middle of a crawl") from e
                if message is None:
                    finished = True
                    break
                if isinstance(message, str):
                    raise CrawlError(message)
                seen.add(message.source)
                yield message
        finally:
            if not finished:        # abandoned or failed: what the child still sends belongs to no job
                self.close()
        yield from unanswered(specs, seen)

    def close(self) -> None:
        """End the child: a closed order pipe stops its reactor; a child that does not stop is killed."""
        process, self._process = self._process, None
        for end in (self._orders, self._results):
            if end is not None:
                end.close()
        self._orders = self._results = None
        if process is None:
            return
        process.join(1)
        if process.is_alive():
            process.kill()
            process.join(CHILD_GRACE_SECONDS)


def _serve(orders: Connection, pipe: Connection, parent: int) -> None:
    """Runs in the child: the reactor in this thread, orders read in another, results sent by a third."""
    threading.Thread(target=_die_with, args=(parent,), name="crawl-orphan-check", daemon=True).start()
    outbox: queue.Queue[FetchResult | str | None] = queue.Queue(maxsize=OUTBOX_LIMIT)
    sender = threading.Thread(target=_send_all, args=(outbox, pipe), name="crawl-sender", daemon=True)
    sender.start()
    try:
        _crawl_forever(orders, outbox)
    except Exception as e:  # noqa: BLE001 - report to the parent instead of dying silently
        outbox.put(f"the crawl could not run: {type(e).__name__}: {e}")
    outbox.put(_STOP)
    sender.join(CHILD_GRACE_SECONDS)


def _crawl_forever(orders: Connection, outbox: queue.Queue[FetchResult | str | None]) -> None:
    from scrapy import signals
    from scrapy.crawler import Crawler, CrawlerProcess
    from scrapy.settings import Settings
    from scrapy.utils.reactor import install_reactor

    from spiders import SPIDERS

    try:
        first: tuple[FetchSettings, list[SourceSpec]] | None = orders.recv()
    except EOFError:
        return
    assert first is not None
    _yield_to_parent()
    logging.getLogger("scrapy").setLevel(logging.ERROR)
    process = CrawlerProcess({**scrapy_settings(first[0]), "LOG_INSTALL_ROOT_HANDLER": False})
    chosen = Settings(scrapy_settings(first[0]))
    install_reactor(chosen["TWISTED_REACTOR"], chosen["ASYNCIO_EVENT_LOOP"])    # once, for every job's crawlers

    outgoing = Outgoing(outbox)

    def scraped(item: FetchResult, response: object, spider: object) -> None:
        outgoing.put(item)

    def ended(_: object) -> None:
        outgoing.flush()
        outbox.put(None)

    def crawl(fetch: FetchSettings, specs: list[SourceSpec]) -> None:
        """Start one job's crawlers in the running reactor; `None` down the pipe when all have ended."""
        try:
            expect(specs)
            by_kind: dict[str, list[SourceSpec]] = {}
            for spec in specs:
                by_kind.setdefault(spec.kind, []).append(spec)
            settings = {**scrapy_settings(fetch), "LOG_INSTALL_ROOT_HANDLER": False}
            for kind, group in by_kind.items():
                crawler = Crawler(SPIDERS[kind], settings)
                crawler.signals.connect(scraped, signal=signals.item_scraped)
                process.crawl(crawler, sources=group)
        except Exception as e:  # noqa: BLE001 - this job fails in words; the child serves the next
            outbox.put(f"the crawl could not run: {type(e).__name__}: {e}")
            return
        process.join().addBoth(ended)

    def listen() -> None:
        """Orders until the parent closes the pipe; each handed to the reactor's thread."""
        from twisted.internet import reactor
        while True:
            try:
                fetch, specs = orders.recv()
            except (EOFError, OSError):
                break
            reactor.callFromThread(crawl, fetch, specs)
        reactor.callFromThread(process._stop_reactor)

    crawl(*first)
    tune_garbage_collection()
    threading.Thread(target=listen, name="crawl-orders", daemon=True).start()
    process.start(stop_after_crawl=False, install_signal_handlers=False)


def _send_all(outbox: queue.Queue[FetchResult | str | None], pipe: Connection) -> None:
    """Results to the parent until `_STOP`; when the parent is gone, keep emptying the outbox so
    the crawl never blocks on it."""
    broken = False
    try:
        while True:
            message = outbox.get()
            if message == _STOP:
                return
            if not broken:
                try:
                    pipe.send(message)
                except (BrokenPipeError, OSError):
                    broken = True
    finally:
        pipe.close()
