"""Fetch benchmark: 2,000 feeds of 20 items over many loopback addresses, 100 ms per answer.

Measured in one run, against the baseline of a plain sequential `feedparser.parse(url)`
loop over the same feeds:
  - the first `monitor run` (every item new) and the second (every feed unchanged),
  - how many answers of the second run were 304,
  - peak memory of the `monitor run` process tree, and that no item was lost.

    python benchmarks/bench_fetch.py                       # full: 2,000 feeds, full baseline
    python benchmarks/bench_fetch.py --feeds 200 --baseline-feeds 50   # quick look

With --baseline-feeds smaller than --feeds, the baseline is measured on that many
feeds and scaled linearly (it is a sequential loop, so it scales exactly); the output
says so.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.2", 0))
        return s.getsockname()[1]


def feed_urls(feeds: int, hosts: int, port: int) -> list[str]:
    return [f"http://127.0.0.{2 + i % hosts}:{port}/feed/{i}.xml" for i in range(feeds)]


def write_config(path: Path, urls: list[str], concurrency: int) -> None:
    lines = ["settings:", "  fetch:", f"    concurrency: {concurrency}", "    per_host: 8", "    timeout: 60s",
             "notify: {}", "sources:"]
    for n, url in enumerate(urls):
        lines += [f"  - name: feed-{n}", f"    url: {url}", "    category: industry"]
    path.write_text("\n".join(lines) + "\n")


def baseline(urls: list[str]) -> float:
    import feedparser
    started = time.perf_counter()
    for url in urls:
        parsed = feedparser.parse(url)
        assert parsed.entries, url
    return time.perf_counter() - started


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, from /proc."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                total += next(int(ln.split()[1]) for ln in f if ln.startswith("VmRSS:"))
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo += [int(c) for c in f.read().split()]
        except (OSError, StopIteration):
            continue
    return total / 1024


def timed_run(env: dict) -> tuple[float, float, str]:
    peak, stop = [0.0], threading.Event()
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "monitor", "run", "--quiet"], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def sample():
        while not stop.wait(0.05):
            peak[0] = max(peak[0], tree_rss_mb(proc.pid))
    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    out, _ = proc.communicate(timeout=1800)
    elapsed = time.perf_counter() - started
    stop.set()
    if proc.returncode != 0:
        raise SystemExit(f"monitor run failed:\n{out}")
    return elapsed, peak[0], out


def stats(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.2:{port}/__stats", timeout=10) as resp:
        return json.loads(resp.read())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--feeds", type=int, default=2000)
    ap.add_argument("--items", type=int, default=20)
    ap.add_argument("--delay", type=float, default=0.1)
    ap.add_argument("--hosts", type=int, default=50)
    ap.add_argument("--concurrency", type=int, default=256)
    ap.add_argument("--baseline-feeds", type=int, default=None, help="measure the baseline on fewer feeds and scale")
    args = ap.parse_args()
    port = free_port()
    farm = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "feedserver.py"), str(args.feeds),
                             str(args.items), str(args.delay), str(args.hosts), str(port)], stdout=subprocess.PIPE,
                            text=True)
    try:
        assert farm.stdout.readline().strip() == "ready"
        urls = feed_urls(args.feeds, args.hosts, port)
        sample = urls[: args.baseline_feeds] if args.baseline_feeds else urls
        base = baseline(sample) * len(urls) / len(sample)
        scaled = f" (measured on {len(sample)} feeds, scaled)" if len(sample) < len(urls) else ""
        with tempfile.TemporaryDirectory() as tmp:
            config, db = Path(tmp) / "feeds.yaml", Path(tmp) / "bench.db"
            write_config(config, urls, args.concurrency)
            env = {**{k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")},
                   "MONITOR_CONFIG": str(config), "MONITOR_HOME": tmp, "MONITOR_DB": f"sqlite:///{db}"}
            first, peak1, _ = timed_run(env)
            before = stats(port)
            stored = sqlite3.connect(db).execute("select count(*) from items").fetchone()[0]
            second, peak2, _ = timed_run(env)
            after = stats(port)
            stored2 = sqlite3.connect(db).execute("select count(*) from items").fetchone()[0]
        answers = {k: after[k] - before[k] for k in after}
        share_304 = answers["304"] / max(sum(answers.values()), 1)
        expected = args.feeds * args.items
        print(f"feeds {args.feeds} x {args.items} items over {args.hosts} loopback addresses, {args.delay * 1000:.0f} ms each")
        print(f"baseline  sequential feedparser.parse(url): {base:8.1f} s{scaled}")
        print(f"monitor run, first  (all new):             {first:8.1f} s   {base / first:6.1f}x faster   peak {peak1:.0f} MB")
        print(f"monitor run, second (unchanged):           {second:8.1f} s   {base / second:6.1f}x faster   peak {peak2:.0f} MB")
        print(f"second run answers: {answers}  -> {share_304:.1%} answered 304")
        print(f"items stored: {stored} of {expected} served ({expected - stored} lost); after second run {stored2}")
    finally:
        farm.terminate()
        farm.wait(10)


if __name__ == "__main__":
    main()
