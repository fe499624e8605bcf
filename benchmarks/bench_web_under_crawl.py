"""The archive's speed on PostgreSQL at 100,000 items while a worker crawls into the same database.

    python benchmarks/bench_web_under_crawl.py                       # 100,000 items, 4,000 feeds crawled
    python benchmarks/bench_web_under_crawl.py --db /tmp/w100k.db    # keep the SQLite build, reuse it next time

1. The archive of benchmarks/bench_web.py (generated items over 300 sources, stored
   through `store.add_items` on SQLite, then copied into a new PostgreSQL database with
   their ids; VACUUM ANALYZE).
2. `monitor serve` on it (bench_web's server, a child process) and the archive, API and
   feed URLs of bench_web (the daily views included), each requested once to warm up.
3. Quiet: every URL `--repeat` times, one request at a time.
4. Under a crawl: `monitor config apply` (the loopback feeds beside the archive's own
   sources, which the team keeps reading but which are not due) and one `monitor worker --once` writing every feed's items into the
   same database, while the URLs are requested round after round until the worker ends.
   p50, p95 and max per kind and over all, and the slowest URLs; the goal is p95 <= 150 ms under
   the crawl.

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
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_fetch import feed_urls, free_port  # noqa: E402
from benchmarks.bench_web import build_sqlite, copy_store, make_sources, pct, pick_urls, server  # noqa: E402
from benchmarks.bench_workers import database, drop  # noqa: E402

TARGET_MS = 150
KINDS = ("page", "api", "feed")             # the routes with the p95 goal
SLOWEST = 8                                  # URLs listed by their p95 under each report


def write_config(path: Path, urls: list[str], archive_sources: int) -> None:
    """The loopback feeds, and the archive's own sources: the team reads their 100,000 items
    (`not_due` keeps the worker from fetching them)."""
    lines = ["settings:", "  fetch:", "    concurrency: 64", "    per_host: 8", "    timeout: 60s", "notify: {}",
             "sources:"]
    for n, url in enumerate(urls):
        lines += [f"  - name: crawled-{n}", f"    url: {url}", "    category: industry"]
    for src in make_sources(archive_sources):
        lines += [f"  - name: \"{src.name}\"", f"    url: {src.url}", f"    category: {src.category}"]
    path.write_text("\n".join(lines) + "\n")


def not_due(url: str, archive_sources: int) -> None:
    """The archive's own sources (made-up addresses) waiting a month, as after failures: subscribed and
    shown, not fetched. (With `enabled: false` the team would not see their items at all.)"""
    import psycopg
    names = [src.name for src in make_sources(archive_sources)]
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        conn.execute("UPDATE sources SET next_attempt = now() + interval '30 days' WHERE name = ANY(%s)", (names,))


def rounds(client, urls: list[tuple[str, str]], until: subprocess.Popen | None,
           repeat: int) -> dict[tuple[str, str], list[float]]:
    """Milliseconds per (kind, URL): every URL once a round, `repeat` rounds, or (with `until`) rounds
    until it ends."""
    times: dict[tuple[str, str], list[float]] = {pair: [] for pair in urls}
    done = 0
    while (until.poll() is None) if until is not None else done < repeat:
        client.cookies.clear()      # a fresh reader each round: the archive sends one back to a remembered view
        for kind, url in urls:
            started = time.perf_counter()
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url}: HTTP {response.status_code}")
            times[kind, url].append((time.perf_counter() - started) * 1000)
        done += 1
    return times


def report(label: str, times: dict[tuple[str, str], list[float]]) -> float:
    """p50, p95 and max per kind and over all, then the slowest URLs by their p95; returns the overall p95."""
    by_kind = {kind: [t for (k, _url), found in times.items() if k == kind for t in found] for kind in KINDS}
    every = [t for found in by_kind.values() for t in found]
    for kind, found in by_kind.items():
        print(f"  {label:<13} {kind:5s} {len(found):5d} requests  p50 {statistics.median(found):6.1f}  "
              f"p95 {pct(found, 95):6.1f}  max {max(found):7.1f} ms")
    overall = pct(every, 95)
    print(f"  {label:<13} all   {len(every):5d} requests  p50 {statistics.median(every):6.1f}  p95 {overall:6.1f}  "
          f"max {max(every):7.1f} ms  (goal p95 <= {TARGET_MS} ms)", flush=True)
    slowest = sorted(((pct(found, 95), statistics.median(found), url) for (_kind, url), found in times.items()),
                     reverse=True)[:SLOWEST]
    for p95, p50, url in slowest:
        print(f"  {'':<13}       p50 {p50:6.1f}  p95 {p95:6.1f} ms  {url[:90]}")
    return overall


def main() -> None:
    from monitor.store import Store

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--sources", type=int, default=300)
    parser.add_argument("--feeds", type=int, default=4000, help="loopback feeds the worker crawls")
    parser.add_argument("--hosts", type=int, default=40)
    parser.add_argument("--feed-items", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5, help="quiet rounds over every URL")
    parser.add_argument("--db", type=Path, help="keep the SQLite build in this file (reused when it has items)")
    args = parser.parse_args()

    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        built = build_sqlite(args.db or Path(tmp) / "archive.db", args.items, make_sources(args.sources), now)
        url = database()
        try:
            started = time.perf_counter()
            target = Store.open(url)
            copy_store(built, target)
            print(f"copied into PostgreSQL in {time.perf_counter() - started:.1f} s", flush=True)
            urls = [(kind, u) for kind, u in pick_urls(target, now) if kind in KINDS]
            target.close()
            built.close()
            measure(args, url, urls, Path(tmp))
        finally:
            drop(url)


def measure(args: argparse.Namespace, url: str, urls: list[tuple[str, str]], tmp: Path) -> None:
    import httpx

    port = free_port()
    farm = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "feedserver.py"), str(args.feeds),
                             str(args.feed_items), "0.05", str(args.hosts), str(port)], stdout=subprocess.PIPE,
                            text=True)
    try:
        assert farm.stdout is not None and farm.stdout.readline().strip() == "ready"
        config = tmp / "feeds.yaml"
        write_config(config, feed_urls(args.feeds, args.hosts, port), args.sources)
        env = {**os.environ, "MONITOR_CONFIG": str(config), "MONITOR_HOME": str(tmp / "home"), "MONITOR_DB": url,
               "NO_PROXY": "127.0.0.1,localhost", "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-m", "monitor", "config", "apply"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        not_due(url, args.sources)
        with server(url, args.sources, tmp / "web") as (base, _pid), httpx.Client(base_url=base, timeout=300) as client:
            rounds(client, urls, None, 1)                                   # warm-up
            print(f"{len(urls)} archive, API and feed URLs; {args.items} items on PostgreSQL; "
                  f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
            report("quiet", rounds(client, urls, None, args.repeat))
            started = time.perf_counter()
            with open(tmp / "worker.log", "w") as log:
                worker = subprocess.Popen([sys.executable, "-m", "monitor", "worker", "--once"], env=env,
                                          stdout=subprocess.DEVNULL, stderr=log)
                try:
                    under = rounds(client, urls, worker, 0)
                finally:
                    worker.wait(7200)
            if worker.returncode != 0:
                raise SystemExit("the worker failed:\n" + (tmp / "worker.log").read_text()[-3000:])
            print(f"  the worker stored {args.feeds * args.feed_items} items from {args.feeds} feeds in "
                  f"{time.perf_counter() - started:.1f} s (load average {os.getloadavg()[0]:.1f})")
            report("under a crawl", under)
    finally:
        farm.kill()
        farm.wait()


if __name__ == "__main__":
    main()
