"""The job engine: procrastinate over the same PostgreSQL database as the archive.

One periodic task, the tick, runs every minute on exactly one worker (procrastinate
defers a periodic job once per timestamp, whoever's deferrer gets there first: the
"one leader" of the schedule, without an election of our own). The tick plans the
current fetch window (a crawl job per due shard, at most one waiting per shard by its
queueing lock), queues the digest when its time has come, and hands stalled jobs (their
worker stopped sending heartbeats: killed, frozen, cut off) back to the queue. Crawl
jobs, deliveries and the digest then go to whichever worker is free.

Sync tasks run in the worker's threads; one job at a time per worker process (a crawl
already keeps a whole core busy in its Scrapy child).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from monitor.errors import DatabaseError
from monitor.store.jobs_schema import conninfo
from monitor.work import jobs

if TYPE_CHECKING:
    import procrastinate

log = logging.getLogger("monitor.work")
TICK = "* * * * *"
STALLED_AFTER = 30.0          # seconds without a heartbeat before a worker's jobs are handed out again


def build(url: str, ctx: jobs.WorkContext) -> procrastinate.App:
    """The procrastinate app with Lagebild's tasks bound to `ctx`."""
    import procrastinate

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(url)),
                            worker_defaults={"concurrency": 1, "delete_jobs": "successful",
                                             "stalled_worker_timeout": STALLED_AFTER,
                                             "update_heartbeat_interval": STALLED_AFTER / 3})

    @app.task(name="lagebild.crawl_shard", queue="crawl")
    def crawl_shard(shard: int, window: str) -> None:
        jobs.crawl_shard(ctx, shard, window)

    @app.task(name="lagebild.deliver", queue="tell")
    def deliver() -> None:
        jobs.deliver(ctx)

    @app.task(name="lagebild.digest", queue="tell")
    def digest(at: int) -> None:
        for line in jobs.digest(ctx, datetime.fromtimestamp(at, UTC)):
            log.info("digest: %s", line)

    @app.periodic(cron=TICK, periodic_id="tick")
    @app.task(name="lagebild.tick", queue="plan", queueing_lock="lagebild.tick")
    async def tick(timestamp: int) -> None:
        await schedule(app, ctx, datetime.fromtimestamp(timestamp, UTC))

    app.lagebild_tasks = {"crawl_shard": crawl_shard, "deliver": deliver, "digest": digest}  # type: ignore[attr-defined]
    return app


async def schedule(app: procrastinate.App, ctx: jobs.WorkContext, now: datetime) -> int:
    """Queue what is due at `now`; the number of jobs queued."""
    from procrastinate.exceptions import AlreadyEnqueued

    tasks: dict[str, Any] = app.lagebild_tasks  # type: ignore[attr-defined]
    await _retry_stalled(app)
    queued = 0
    for shard, window in await asyncio.to_thread(jobs.plan, ctx, now):
        try:
            await tasks["crawl_shard"].configure(queueing_lock=f"shard:{shard}").defer_async(shard=shard,
                                                                                               window=window)
            queued += 1
        except AlreadyEnqueued:
            pass
    for name, kwargs in (("digest", {"at": int(now.timestamp())}), ("deliver", {})):
        try:
            await tasks[name].configure(queueing_lock=f"lagebild.{name}").defer_async(**kwargs)
            queued += 1
        except AlreadyEnqueued:
            pass
    return queued


async def _retry_stalled(app: procrastinate.App) -> None:
    """Jobs of workers that stopped sending heartbeats go back to the queue (the engine's own guard)."""
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER):
        try:
            await app.job_manager.retry_job(job)
        except Exception:  # noqa: BLE001 - e.g. the same shard is queued again already: nothing lost
            log.info("stalled job %s not retried: a newer one is queued", job.id)


def run(url: str, ctx: jobs.WorkContext, once: bool) -> None:
    """Run a worker until stopped (SIGTERM/SIGINT); `once`: plan now, work until the queues are empty."""
    from procrastinate.schema import SchemaManager

    from monitor.store.jobs_schema import ensure_job_schema

    ensure_job_schema(ctx.store.engine, SchemaManager.get_schema())
    ctx.crawl_process().start()         # its imports (Scrapy, Twisted: seconds) overlap the worker's start
    app = build(url, ctx)
    one_line_logs("procrastinate")
    # the pool says "error connecting" at every retry of an outage; the worker's own line says it once
    logging.getLogger("psycopg.pool").setLevel(logging.ERROR)

    async def main() -> None:
        async with app.open_async():
            if once:
                await schedule(app, ctx, datetime.now(UTC))
            try:
                await app.run_worker_async(wait=not once, name=ctx.holder)
            finally:
                ctx.close()

    from procrastinate.exceptions import ConnectorException
    try:
        asyncio.run(main())
    except ConnectorException as e:     # the database went away for longer than a reconnect
        cause = str(e.__cause__ or e).strip().splitlines()
        raise DatabaseError(f"the worker lost its database ({cause[-1] if cause else 'no reason given'}); it stops, "
                            "and a service manager starts it again (README, \"Several workers\")") from None


class _OneLine(logging.Formatter):
    """A record as one line, without its traceback: an outage made the engine log a screen of
    tracebacks per task, and a worker's log is read by people, not by debuggers."""

    def formatException(self, ei: Any) -> str:  # noqa: N802 - logging's name
        return ""

    def format(self, record: logging.LogRecord) -> str:
        return " ".join(super().format(record).split())


def one_line_logs(name: str, level: int = logging.WARNING) -> None:
    """Warnings and errors of logger `name` on standard error, one line each."""
    logger = logging.getLogger(name)
    if any(isinstance(h.formatter, _OneLine) for h in logger.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(_OneLine("%(name)s: %(message)s"))
    handler.setLevel(level)
    logger.addHandler(handler)
    logger.propagate = False
