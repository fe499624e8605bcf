"""Fetch benchmark: 2,000 realistic feeds of 20 items over 50 loopback addresses, 100 ms per answer.

The feeds (benchmarks/feedserver.py) look like a user's: items of about 700 bytes in
German and English from a large vocabulary, HTML in the summaries, some Atom and JSON
Feed. `monitor run` runs with the defaults a user gets (no `fetch:` settings, so
`per_host: 2` and the shipped concurrency). Measured in one run, against the baseline
of a plain sequential `feedparser.parse(url)` loop over the same feeds:
  - the first `monitor run` (every item new) and the second (every feed unchanged),
  - how many answers of the second run were 304,
  - peak memory of the `monitor run` process tree, and that no item was lost,
  - CPU per item of each stage, and of the whole run (every process).

    python benchmarks/bench_fetch.py                       # full: 2,000 feeds, full baseline
    python benchmarks/bench_fetch.py --baseline-feeds 200  # baseline on 200 feeds, scaled
    python benchmarks/bench_fetch.py --feeds 200 --baseline-feeds 50   # quick look

With --baseline-feeds smaller than --feeds, the baseline is measured on that many
feeds (every n-th, so all three formats are in it) and scaled linearly (it is a
sequential loop, so it scales); the output says so.

The stage costs are measured in this process on a sample of the feeds, calling the
same functions the run calls (read_feed, the text cleaning inside it, annotate, the
tagger, story clustering, the store on a fresh SQLite file); "fetch, transport and
start-up" is the whole run's CPU per item (from the kernel's account of the
`monitor run` process tree) less those stages. The machine's load average is printed
with the figures: on a shared machine, compare the ratios of one run.
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("parse", "sanitise", "annotate", "tag", "cluster", "store")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.2", 0))
        return int(s.getsockname()[1])


def feed_urls(feeds: int, hosts: int, port: int) -> list[str]:
    return [f"http://127.0.0.{2 + i % hosts}:{port}/feed/{i}.xml" for i in range(feeds)]


def write_config(path: Path, urls: list[str], processes: int | None = None) -> None:
    """Only the sources: every setting is the shipped default (unless `processes` is given, to compare)."""
    lines = ["notify: {}", "sources:"]
    if processes:
        lines = ["settings:", "  fetch:", f"    processes: {processes}", *lines]
    for n, url in enumerate(urls):
        lines += [f"  - name: feed-{n}", f"    url: {url}", "    category: industry"]
    path.write_text("\n".join(lines) + "\n")


def baseline(urls: list[str]) -> float:
    import feedparser
    started = time.perf_counter()
    for url in urls:
        parsed = feedparser.parse(url)
        assert parsed.entries or url.endswith(".xml"), url
    return time.perf_counter() - started


TICKS = os.sysconf("SC_CLK_TCK")


def tree_rss_mb(pid: int, peaks: dict[int, float] | None = None, files: dict[int, float] | None = None,
                cpu: dict[int, float] | None = None, now: dict[int, float] | None = None) -> float:
    """Resident memory of a process and its children, from /proc (`peaks`: each one's peak, by pid;
    `files`: each one's peak of file-backed pages, such as the SQLite database's memory map;
    `cpu`: each one's CPU seconds so far, which shows where the run's CPU goes)."""
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                status = {ln.split(":")[0]: int(ln.split()[1]) / 1024 for ln in f if ln.startswith(("VmRSS:", "RssFile:"))}
            rss = status["VmRSS"]
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo += [int(c) for c in f.read().split()]
        except (OSError, KeyError):
            continue
        total += rss
        if now is not None:
            now[p] = rss
        if cpu is not None:
            try:
                with open(f"/proc/{p}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                cpu[p] = (int(fields[11]) + int(fields[12])) / TICKS
            except (OSError, IndexError, ValueError):
                pass
        if peaks is not None:
            peaks[p] = max(peaks.get(p, 0.0), rss)
        if files is not None:
            files[p] = max(files.get(p, 0.0), status.get("RssFile", 0.0))
    return total


def timed_run(env: dict[str, str], profile: str | None = None) -> tuple[float, float, float, str]:
    """Wall time, peak memory of the tree, CPU seconds of the tree (parent and crawl processes);
    the output ends with a line of each process's peak. `profile`: the run's own process under
    cProfile, its statistics written there (slower: for where the time goes, not how much)."""
    peak, stop, peaks, files, cpu = [0.0], threading.Event(), dict[int, float](), dict[int, float](), dict[int, float]()
    started = time.perf_counter()
    profiler = ["-m", "cProfile", "-o", profile] if profile else []
    proc = subprocess.Popen([sys.executable, *profiler, "-m", "monitor", "run", "--quiet"], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    timeline = os.environ.get("BENCH_TIMELINE")       # a file for (seconds, MB/CPU seconds of each process) every 0.05 s
    samples: list[str] = []

    def sample() -> None:
        while not stop.wait(0.05):
            now: dict[int, float] = {}
            peak[0] = max(peak[0], tree_rss_mb(proc.pid, peaks, files, cpu, now))
            if timeline:
                samples.append(f"{time.perf_counter() - started:.2f} " + " ".join(
                    f"{mb:.0f}/{cpu.get(p, 0.0):.2f}" for p, mb in now.items()))
    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    assert proc.stdout is not None
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)    # usage includes the crawl processes it waited for
    elapsed = time.perf_counter() - started
    stop.set()
    if timeline:
        with open(timeline, "a") as f:
            f.write("\n".join(samples) + "\n\n")
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"monitor run failed:\n{out}")
    own, own_files, own_cpu = peaks.pop(proc.pid, 0.0), files.pop(proc.pid, 0.0), cpu.pop(proc.pid, 0.0)
    others = " + ".join(f"{mb:.0f}" for mb in peaks.values() if mb > 20)
    crawl_cpu = " + ".join(f"{cpu.get(p, 0.0):.1f}" for p, mb in peaks.items() if mb > 20)
    return elapsed, peak[0], usage.ru_utime + usage.ru_stime, (
        f"{out}peak by process: run {own:.0f} MB ({own_files:.0f} file-backed), crawl {others} MB; "
        f"CPU (sampled) run {own_cpu:.1f} s, crawl {crawl_cpu} s")


def fetch_json(port: int, path: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.2:{port}{path}", timeout=10) as resp:
        return dict(json.loads(resp.read()))


class Meter:
    """CPU seconds per stage, by wrapping the functions the run calls."""

    def __init__(self) -> None:
        self.cpu = dict.fromkeys(STAGES, 0.0)

    def wrap(self, owner: Any, name: str, stage: str) -> None:
        inner: Callable[..., Any] = getattr(owner, name)
        cpu = self.cpu

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return inner(*args, **kwargs)
            finally:
                cpu[stage] += time.process_time() - started
        setattr(owner, name, timed)

    def time(self, stage: str, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return call(*args, **kwargs)
        finally:
            self.cpu[stage] += time.process_time() - started


def stage_costs(urls: list[str], config_path: Path, tmp: str) -> tuple[dict[str, float], int]:
    """CPU milliseconds per item of each stage, on the feeds at `urls`, in this process."""
    sys.path.insert(0, str(ROOT))
    from monitor.config import load_config
    from monitor.store import Store
    from monitor.store.clusters import StoryClusters
    from monitor.tag.tagging import load_tagger, tag_items
    from monitor.tell import rules
    from monitor.watch.annotate import annotate
    from monitor.watch.contract import SourceSpec
    from spiders import feed

    config = load_config(config_path)
    store = Store.open(f"sqlite:///{tmp}/stages.db")
    store.sync_sources(config.sources)
    tagger = load_tagger(None)
    meter = Meter()
    for name in ("sanitize_html", "absolute_links", "html_to_text", "plain_text", "plain_title", "clean_title"):
        meter.wrap(feed, name, "sanitise")
    meter.wrap(StoryClusters, "assign", "cluster")
    bodies = []
    for n, url in enumerate(urls):
        with urllib.request.urlopen(url, timeout=30) as resp:
            bodies.append((SourceSpec(name=f"feed-{n}", url=url, kind="feed", category="industry"), resp.read(),
                           {"content-type": resp.headers.get("Content-Type", "")}))
    items = []
    for spec, body, headers in bodies:
        items += meter.time("parse", feed.parse_feed, body, spec, headers=headers, base_url=spec.url)
    meter.cpu["parse"] -= meter.cpu["sanitise"]
    meter.time("annotate", annotate, items)
    from monitor.clock import utcnow
    now = utcnow()
    for start in range(0, len(items), 2000):
        batch = items[start:start + 2000]
        fresh = meter.time("store", store.unseen, batch)
        meter.time("tag", tag_items, tagger, fresh)
        deliveries = meter.time("store", rules.route, fresh, config)
        meter.time("store", store.add_items, fresh, deliveries, now=now)
    meter.cpu["store"] -= meter.cpu["cluster"]
    store.close()
    return {k: v * 1000 / max(len(items), 1) for k, v in meter.cpu.items()}, len(items)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--feeds", type=int, default=2000)
    ap.add_argument("--items", type=int, default=20)
    ap.add_argument("--delay", type=float, default=0.1)
    ap.add_argument("--hosts", type=int, default=50)
    ap.add_argument("--baseline-feeds", type=int, default=None, help="measure the baseline on fewer feeds and scale")
    ap.add_argument("--processes", type=int, default=None, help="crawl processes instead of the default (to compare)")
    ap.add_argument("--stage-feeds", type=int, default=150,
                    help="feeds whose items the stage costs are measured on (0: no stage costs)")
    ap.add_argument("--profile", default=None, help="write a cProfile of the first run's own process to this file")
    args = ap.parse_args()
    port = free_port()
    farm = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "feedserver.py"), str(args.feeds),
                             str(args.items), str(args.delay), str(args.hosts), str(port)], stdout=subprocess.PIPE,
                            text=True)
    try:
        assert farm.stdout is not None and farm.stdout.readline().strip() == "ready"
        urls = feed_urls(args.feeds, args.hosts, port)
        step = max(1, len(urls) // args.baseline_feeds) if args.baseline_feeds else 1
        sample = urls[::step]
        load_before = os.getloadavg()
        base = baseline(sample) * len(urls) / len(sample)
        scaled = f" (measured on {len(sample)} feeds, scaled)" if len(sample) < len(urls) else ""
        sizes = fetch_json(port, "/__sizes")
        with tempfile.TemporaryDirectory() as tmp:
            config, db = Path(tmp) / "feeds.yaml", Path(tmp) / "bench.db"
            write_config(config, urls, args.processes)
            env = {**{k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")},
                   "MONITOR_CONFIG": str(config), "MONITOR_HOME": tmp, "MONITOR_DB": f"sqlite:///{db}"}
            first, peak1, cpu1, out1 = timed_run(env, args.profile)
            before = fetch_json(port, "/__stats")
            stored = sqlite3.connect(db).execute("select count(*) from items").fetchone()[0]
            second, peak2, cpu2, out2 = timed_run(env)
            after = fetch_json(port, "/__stats")
            stored2 = sqlite3.connect(db).execute("select count(*) from items").fetchone()[0]
            load_after = os.getloadavg()
            stages, staged = {}, 0
            if args.stage_feeds > 0:
                stage_urls = urls[:: max(1, len(urls) // args.stage_feeds)][: args.stage_feeds]
                stages, staged = stage_costs(stage_urls, config, tmp)
        answers = {k: after[k] - before[k] for k in after}
        share_304 = answers["304"] / max(sum(answers.values()), 1)
        expected = args.feeds * args.items
        per_item = cpu1 * 1000 / expected
        print(f"feeds {args.feeds} x {args.items} items ({sizes['bytes'] / expected:.0f} bytes per item; "
              f"{sizes['types']}) over {args.hosts} loopback addresses, {args.delay * 1000:.0f} ms each; "
              + ("shipped fetch settings" if not args.processes else f"{args.processes} crawl processes, else shipped"))
        print(f"load average (1, 5, 15 min) before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
              f"after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}; {os.cpu_count()} cores")
        print(f"baseline  sequential feedparser.parse(url): {base:8.1f} s{scaled}")
        print(f"monitor run, first  (all new):             {first:8.1f} s   {base / first:6.1f}x faster   "
              f"peak {peak1:.0f} MB   CPU {cpu1:.1f} s")
        print(f"monitor run, second (unchanged):           {second:8.1f} s   {base / second:6.1f}x faster   "
              f"peak {peak2:.0f} MB   CPU {cpu2:.1f} s")
        print(f"  first run {out1.splitlines()[-1]}; second run {out2.splitlines()[-1]}")
        print(f"second run answers: {answers}  -> {share_304:.1%} answered 304")
        print(f"items stored: {stored} of {expected} served ({expected - stored} lost); after second run {stored2}")
        print(f"CPU per item, first run, all processes: {per_item:.2f} ms"
              + (f"; by stage (on {staged} items, this process):" if stages else ""))
        if stages:
            rest = per_item - sum(stages.values())
            for stage, ms in [("fetch, transport, start-up", rest), *stages.items()]:
                print(f"  {stage:27s} {ms:6.3f} ms")
    finally:
        farm.terminate()
        farm.wait(10)


if __name__ == "__main__":
    main()
