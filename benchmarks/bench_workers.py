"""Workers benchmark: one `monitor run` against one and two `monitor worker --once` on PostgreSQL.

N loopback feeds over H hosts (127.0.0.2 …, benchmarks/feedserver.py in its own process),
a fresh database for each of the three runs, the same feeds.yaml:

  - `monitor run` (today's single process, crawl split over its own processes by host),
  - one `monitor worker --once` after `monitor config apply`,
  - two `monitor worker --once` at once (shards of whole hosts shared between them),

then, in-process, the claim step of a shard job at `--claim-sources` sources (100,000 by
default): claim the lease, read the shard's fetch state, give the lease back; p50 and p95
over every shard.

    python benchmarks/bench_workers.py                          # the issue's size: 20,000 feeds, 200 hosts
    python benchmarks/bench_workers.py --feeds 2000 --hosts 40 --claim-sources 20000   # a quick look

Needs the PostgreSQL server (LAGEBILD_TEST_PG, default postgres@127.0.0.1:5432, trust).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_fetch import feed_urls, free_port  # noqa: E402

ADMIN = os.environ.get("LAGEBILD_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def database() -> str:
    import psycopg
    name = f"lagebild_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return ADMIN.rsplit("/", 1)[0] + f"/{name}"


def drop(url: str) -> None:
    import psycopg
    with psycopg.connect(ADMIN.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def write_config(path: Path, urls: list[str]) -> None:
    lines = ["settings:", "  fetch:", "    concurrency: 64", "    per_host: 8", "    timeout: 60s", "notify: {}",
             "sources:"]
    for n, url in enumerate(urls):
        lines += [f"  - name: feed-{n}", f"    url: {url}", "    category: industry"]
    path.write_text("\n".join(lines) + "\n")


def monitor(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "monitor", *args], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def timed(env: dict, commands: list[list[str]]) -> float:
    started = time.perf_counter()
    procs = [monitor(env, *command) for command in commands]
    for proc in procs:
        _, err = proc.communicate(timeout=7200)
        if proc.returncode != 0:
            raise SystemExit(f"`monitor {' '.join(proc.args[3:])}` failed:\n{err[-3000:]}")
    return time.perf_counter() - started


def items_in(url: str) -> int:
    from monitor.store import ItemQuery, Store
    store = Store.open(url)
    try:
        return store.count_items(ItemQuery())
    finally:
        store.close()


def crawl(config: Path, tmp: Path, workers: int) -> tuple[float, int]:
    """Seconds and items stored: `monitor run` when `workers` is 0, else that many workers."""
    url = database()
    env = {**os.environ, "MONITOR_CONFIG": str(config), "MONITOR_HOME": str(tmp / f"home{workers}"),
           "MONITOR_DB": url, "NO_PROXY": "127.0.0.1,localhost", "PYTHONPATH": str(ROOT)}
    try:
        if workers == 0:
            seconds = timed(env, [["run", "--quiet"]])
        else:
            timed(env, [["config", "apply"]])
            seconds = timed(env, [["worker", "--once"]] * workers)
        return seconds, items_in(url)
    finally:
        drop(url)


def claim_latency(sources: int, hosts: int) -> tuple[float, float, float]:
    """p50 and p95 milliseconds of claiming a shard's lease (and giving it back), and the p50 of
    reading its sources' fetch state, over every shard."""
    from monitor.config import Source
    from monitor.store import Store
    from monitor.work.shards import by_shard

    url = database()
    store = Store.open(url)
    try:
        listed = [Source(name=f"feed-{n}", url=f"http://h{n % hosts}.example.org/feed/{n}.xml")
                  for n in range(sources)]
        store.sync_sources(listed)
        times, reads = [], []
        for shard, members in by_shard(listed).items():
            names = [s.name for s in members]
            started = time.perf_counter()
            epoch = store.claim_shard(shard, "bench", "w1", timedelta(seconds=30))
            claimed = time.perf_counter()
            assert epoch is not None
            store.fetch_state_of(names)
            read = time.perf_counter()
            store.finish_shard(shard, "bench", epoch, "w1")
            times.append((claimed - started + time.perf_counter() - read) * 1000)
            reads.append((read - claimed) * 1000)
        times.sort()
        return statistics.median(times), times[int(len(times) * 0.95) - 1], statistics.median(reads)
    finally:
        store.close()
        drop(url)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--feeds", type=int, default=20_000)
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--items", type=int, default=5)
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--claim-sources", type=int, default=100_000)
    args = parser.parse_args()
    port = free_port()
    farm = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "feedserver.py"), str(args.feeds),
                             str(args.items), str(args.delay), str(args.hosts), str(port)],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert farm.stdout is not None and farm.stdout.readline().strip() == "ready"
        with tempfile.TemporaryDirectory() as tmp:
            config = Path(tmp) / "feeds.yaml"
            write_config(config, feed_urls(args.feeds, args.hosts, port))
            print(f"{args.feeds} feeds of {args.items} items over {args.hosts} hosts, {args.delay * 1000:.0f} ms "
                  f"per answer, on {os.cpu_count()} cores")
            results = {}
            for label, workers in (("monitor run", 0), ("1 worker", 1), ("2 workers", 2)):
                seconds, items = crawl(config, Path(tmp), workers)
                results[label] = seconds
                print(f"  {label:<12} {seconds:7.1f} s  {args.feeds / seconds:7.1f} feeds/s  {items} items")
            print(f"  2 workers / 1 worker: {results['1 worker'] / results['2 workers']:.2f}x the throughput; "
                  f"2 workers take {results['2 workers'] / results['monitor run']:.2f}x the time of `monitor run`")
    finally:
        farm.kill()
        farm.wait()
    p50, p95, read = claim_latency(args.claim_sources, args.hosts)
    print(f"claim of a shard's lease at {args.claim_sources} sources: p50 {p50:.1f} ms, p95 {p95:.1f} ms; "
          f"reading its sources' fetch state: p50 {read:.1f} ms")


if __name__ == "__main__":
    main()
