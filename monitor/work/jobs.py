"""What the workers' jobs do: plan a window, crawl a shard, deliver alerts, send the digest.

Plain functions over a `WorkContext`; the engine (engine.py) only decides who runs them
when. Each is safe to run twice or concurrently: a shard is crawled under its lease
(claim, renew, fenced write-back, `done_window`), items are stored once by fingerprint,
alerts are claimed before sending, a digest is one row per target and period.
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.clock import utcnow
from monitor.config import Config, Source
from monitor.item import Item
from monitor.pipeline import _store_new, due_specs
from monitor.tag.retag import restore_model_tags
from monitor.teams.config import applied_checksum
from monitor.watch.contract import FetchOutcome
from monitor.work.shards import by_shard, host_of, window_of
from monitor.work.shared import CONFIG_KEY, applied_plan
from monitor.work.teams import team_routes

if TYPE_CHECKING:
    from classifiers.tagger import Tagger
    from monitor.store import Store
    from monitor.tell.deliver import Sender
    from spiders.kept import KeptCrawl

log = logging.getLogger("monitor.work")
LEASE = timedelta(seconds=30)       # a dead worker's shard is free again after this long
BATCHES_PER_WINDOW = 32             # a crawl job takes about this share of all sources (see crawl_shard)
MIN_BATCH = 100                     # ... but never fewer sources than this: each job claims, reads and writes back


def worker_name() -> str:
    return f"{socket.gethostname()[:30]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


@dataclass
class WorkContext:
    """What every job needs, built once per worker process by the command."""
    store: Store
    home: Path
    sender: Sender
    tagger: Callable[[], Tagger]
    fallback: Callable[[], Config]          # the worker's own feeds.yaml, when nothing was applied
    known_kinds: set[str] = field(default_factory=set)
    holder: str = field(default_factory=worker_name)
    _applied: tuple[str, Config] | None = field(default=None, repr=False)
    windows: dict[str, timedelta] | None = None   # with teams: each source's interval (monitor.teams.plan)
    _shards: tuple[Config, dict[int, list[Source]]] | None = field(default=None, repr=False)
    _crawl: KeptCrawl | None = field(default=None, repr=False)
    team_cache: dict[str, tuple[str, Any]] = field(default_factory=dict, repr=False)   # monitor.work.teams

    def config(self) -> Config:
        """What was applied last (read again only when it changed: 100,000 sources take seconds
        to validate), else the worker's own file."""
        checksum = applied_checksum(self.store, CONFIG_KEY)
        if checksum is None:
            return self.fallback()
        if self._applied is None or self._applied[0] != checksum:
            found = applied_plan(self.store, self.home, self.known_kinds or None)
            if found is None:
                return self.fallback()
            self._applied, self.windows = (checksum, found[0]), found[1]
        return self._applied[1]

    def crawl_process(self) -> KeptCrawl:
        """The worker's crawl process, started with its first job and kept for every later one
        (spiders/kept.py: a process per job cost a third of the worker's time)."""
        if self._crawl is None:
            from spiders.kept import KeptCrawl
            self._crawl = KeptCrawl()
        return self._crawl

    def close(self) -> None:
        """End the crawl process."""
        if self._crawl is not None:
            self._crawl.close()
            self._crawl = None

    def shards(self, config: Config) -> dict[int, list[Source]]:
        """The config's sources by shard, worked out once per configuration."""
        if self._shards is None or self._shards[0] is not config:
            self._shards = (config, by_shard(config.sources))
        return self._shards[1]


def plan(ctx: WorkContext, now: datetime) -> list[tuple[int, str]]:
    """(shard, window) for every shard with due sources that is neither crawled nor done in this window."""
    config = ctx.config()
    window = window_of(now, config.settings.fetch.interval)
    states = ctx.store.shard_states()
    due = []
    for shard in sorted(ctx.shards(config)):
        state = states.get(shard)
        if state is None or not (state.held or state.done_window == window):
            due.append((shard, window))
    return due


def crawl_shard(ctx: WorkContext, shard: int, window: str) -> int:
    """Crawl `shard` for `window` under its lease, and more due shards with it; new items (0: skipped).

    A job takes further due shards (each claimed under its own lease, looked at from its own
    shard onwards so that jobs running at once take different ones) until it holds about a
    32nd of all sources: small jobs share a window evenly between workers (the last job of
    a window is the one the others wait for), and cost little now that the crawl process
    is kept across jobs (spiders/kept.py); at least 100 sources, so that a job's claims,
    reads and write-back stay a small share of it. And at least enough hosts to keep
    `concurrency` requests in flight within the per-host limit: a job of 625 feeds on six
    hosts (a 32nd of 20,000 on 200) kept 48 requests in flight where 128 are allowed, and
    in a window of unchanged feeds the workers waited on the network instead of working
    (bench_workers.py --window next). The jobs queued for the shards it took find them
    done and end at once.
    """
    config = ctx.config()
    groups = ctx.shards(config)
    budget = max(MIN_BATCH, -(-sum(len(g) for g in groups.values()) // BATCHES_PER_WINDOW))
    order = sorted(groups)
    start = order.index(shard) if shard in order else 0
    held: list[tuple[int, int]] = []
    size = 0
    per_host, wanted = config.settings.fetch.per_host, config.settings.fetch.concurrency
    hosts: Counter[str] = Counter()
    # Read every shard's state once and try to claim only those that look free: a window's 64 jobs
    # each tried all 64 shards before (4,096 locked transactions, most finding the shard done or
    # held). The claim itself decides, under the lease row's lock; this read only saves asking.
    states = ctx.store.shard_states()
    for candidate in order[start:] + order[:start]:
        if held and size + len(groups[candidate]) > budget and parallel(hosts, per_host) >= wanted:
            continue
        state = states.get(candidate)
        if state is not None and (state.held or state.done_window == window) and candidate != shard:
            continue
        epoch = ctx.store.claim_shard(candidate, ctx.holder, window, LEASE)
        if epoch is not None:
            held.append((candidate, epoch))
            size += len(groups[candidate])
            hosts.update(host_of(src.url) for src in groups[candidate])
    if not held:
        log.info("shard %s: done for %s or crawled by another worker", shard, window)
        return 0
    keeper = _LeaseKeeper(ctx.store, ctx.holder, held)
    keeper.start()
    finished = False
    try:
        new = _crawl(ctx, config, held)
        finished = True
        return new
    finally:
        keeper.stop()
        for number, epoch in held:
            ctx.store.finish_shard(number, ctx.holder, epoch, window if finished else None)


def parallel(hosts: Counter[str], per_host: int) -> int:
    """Requests a crawl of these hosts' sources (sources per host) can keep in flight."""
    return sum(min(count, per_host) for count in hosts.values())


def _crawl(ctx: WorkContext, config: Config, held: list[tuple[int, int]]) -> int:
    """fetch -> store new -> record health (fenced, per shard) -> deliver, as `run_cycle` does."""
    now = utcnow()
    groups = ctx.shards(config)
    sources = [src for number, _ in held for src in groups.get(number, [])]
    mine = config.model_copy(update={"sources": sources})
    specs, _waiting = due_specs(mine, ctx.store.fetch_state_of([src.name for src in sources]), now,
                                windows=ctx.windows)
    if not specs:                   # every source waits out a backoff: no process to start
        return 0
    outcomes: list[tuple[str, FetchOutcome]] = []
    batch: list[Item] = []
    storer = _Storer(ctx, mine, now)       # the job's sources only: tagging looks up each batch's categories
    try:
        for result in ctx.crawl_process().results(specs, config.settings.fetch):  # one process: one place per host
            outcomes.append((result.source, result.outcome))
            if result.outcome.ok:
                batch.extend(result.items)
            if len(batch) >= STORE_BATCH:
                storer.put(batch)
                batch = []
        storer.put(batch)
    finally:
        per_source = storer.finish()
    for name, outcome in outcomes:
        outcome.new_items = per_source.get(name, 0)
    ctx.store.stored(sum(per_source.values()))
    for number, epoch in held:
        names = {src.name for src in groups.get(number, [])}
        if not ctx.store.record_fetches_fenced(number, ctx.holder, epoch, [o for o in outcomes if o[0] in names],
                                               config.settings.fetch.interval, now):
            log.warning("shard %s: lease lost during the crawl; its fetch state was not written", number)
    deliver(ctx, config)
    return sum(per_source.values())


def deliver(ctx: WorkContext, config: Config | None = None) -> None:
    """Send the due alerts; each is claimed first, so several workers never send one twice. With
    teams, each team's alerts go to its own targets (monitor.work.teams)."""
    from monitor.tell import alerts
    routes = team_routes(ctx)
    if routes is not None:
        from monitor.tell.team_alerts import deliver_teams
        deliver_teams(ctx.store, routes, ctx.sender)
        return
    alerts.deliver_due(ctx.store, config or ctx.config(), ctx.sender)


def digest(ctx: WorkContext, now: datetime) -> list[str]:
    """The scheduled digests of the period `now` is in: each team's at its own time, to every target
    that has not had it (monitor.work.digests)."""
    from monitor.work.digests import send_due
    return send_due(ctx, now)


STORE_BATCH = 1000      # items per store: crawl and storing overlap from a job's first 200 feeds; each store also
                        # has a fixed cost (the lock, the story index catching up), so not fewer


class _Storer:
    """Stores a job's new items in a thread of its own, so that the crawl process keeps
    delivering while a batch is tagged, clustered and written (on one worker the two took
    turns: the child waited on a full pipe, then the parent on an empty one). At most two
    batches wait: memory stays bounded and a slow database slows the crawl down."""

    def __init__(self, ctx: WorkContext, config: Config, now: datetime) -> None:
        self.ctx, self.config, self.now = ctx, config, now
        self.per_source: Counter[str] = Counter()
        self.error: BaseException | None = None
        self._queue: queue.Queue[list[Item] | None] = queue.Queue(maxsize=2)
        self._thread = threading.Thread(target=self._run, name="store-items", daemon=True)
        self._thread.start()

    def put(self, batch: list[Item]) -> None:
        if self.error is not None:
            raise self.error
        if batch:
            self._queue.put(batch)

    def finish(self) -> Counter[str]:
        """Wait for what is queued; new items per source. Raises what storing raised."""
        self._queue.put(None)
        self._thread.join()
        if self.error is not None:
            raise self.error
        return self.per_source

    def _run(self) -> None:
        try:            # while the crawl starts; under the store lock only what came since is read
            self.ctx.store.preload_stories(self.now)
        except Exception:  # noqa: BLE001 - the first batch reads them under the lock instead
            log.exception("reading recent stories ahead of the first batch failed")
        try:
            restored = restore_model_tags(self.ctx.store, self.ctx.tagger, self.config)
            if restored:
                log.info("%d items corrected before teams carry the model's tags again for other teams", restored)
        except Exception:  # noqa: BLE001 - the next crawl tries again; storing must go on
            log.exception("giving items corrected before teams the model's tags again failed")
        while (batch := self._queue.get()) is not None:
            if self.error is not None:
                continue        # keep taking batches, so that `put` never waits on a thread that gave up
            try:
                added = _store_new(self.config, self.ctx.store, self.ctx.tagger, batch, self.now,
                                   team_routes(self.ctx))      # with teams: each team's alert rules
                self.per_source.update(it.source for it in added)
            except BaseException as e:  # noqa: BLE001 - raised again in the job's thread
                self.error = e


class _LeaseKeeper:
    """Renews the leases of a job's shards while its crawl runs, so a long crawl is not taken for a dead one."""

    def __init__(self, store: Store, holder: str, held: list[tuple[int, int]]) -> None:
        self.store, self.holder, self.held = store, holder, list(held)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="shard-leases", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(LEASE.total_seconds())

    def _run(self) -> None:
        while not self._stop.wait(LEASE.total_seconds() / 3):
            for shard, epoch in list(self.held):
                try:
                    if not self.store.renew_shard(shard, self.holder, epoch, LEASE):
                        log.warning("shard %s: lease lost", shard)
                        self.held.remove((shard, epoch))
                except Exception:  # noqa: BLE001 - a database blip: the next renewal may work
                    log.exception("shard %s: could not renew the lease", shard)
