"""Work for several processes on several machines over one PostgreSQL database (issue 16).

The job engine is procrastinate (PostgreSQL only, sync tasks, periodic jobs deduplicated
by the queue, heartbeats, stalled jobs retried), not a home-made scheduler. The unit of
work is a shard of whole hosts, crawled by the Scrapy child process `monitor run` uses;
per-host politeness therefore stays in one process. The engine is never the only guard:
shard leases with fencing (store/leases.py), claimed alerts and unique digest rows
(store/outbox.py) and unique item fingerprints make a duplicated or stale job harmless.

- shards.py:  which shard a source belongs to, and the fetch window of a moment;
- jobs.py:    what a job does (plan a window, crawl a shard, deliver, the digest);
- engine.py:  the procrastinate app: tasks, the periodic tick, running a worker;
- command.py: `monitor worker` and `monitor config apply`;
- shared.py:  configuration and other state every machine reads from the database.

SQLite on one machine needs none of this: `monitor run`, `digest` and `daemon` work as before.
"""
