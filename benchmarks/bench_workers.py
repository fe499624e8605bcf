"""Workers benchmark: one `monitor run` against one and two workers (`--once` and long-running) on PostgreSQL.

N loopback feeds over H hosts (127.0.0.2 …, benchmarks/feedserver.py in its own process),
the same feeds.yaml (shipped fetch settings but `per_host: 8`, as 100 feeds share a host),
three modes:

  - `monitor run` (today's single process, crawl split over its own processes by host),
  - one `monitor worker --once` after `monitor config apply`,
  - two `monitor worker --once` at once (shards of whole hosts shared between them),

in two situations (`--window`):

  - `next` (the default): a database that has fetched every feed once (filled by one worker,
    untimed, then copied as a template for each run), all sources due again, and every 20th
    feed with one new item: the windows a running installation spends its days in, where
    fetching dominates;
  - `first`: a fresh database, every feed new (N x items new items): the first window of a
    new installation, where storing dominates (`--window first` or `both`);

and in the next window also long-running workers (`monitor worker`, as deploy/'s systemd units
and compose file run them), one and two, their second window timed alone: the first pays their
start-up and story index, once per start. The issue's throughput goal (two workers >= 1.6x one)
is read from these; `--once` workers pay ~7 s of start-up and story index inside every window,
so their ratio is printed beside it, and the goal of <= 1.1x the time of `monitor run` from
them (start-up included). `--steady` runs the long-running workers alone, `--no-steady` the
other modes alone.

Each mode `--rounds` times, interleaved (the order turned each round, so that a busy spell
of a shared machine does not fall on one mode); per run the wall time, the CPU seconds of
each monitor process with its crawl children (wait4) and of the PostgreSQL backends that
served it (sampled from /proc), and the medians and the issue's ratios at the end;

then, in-process, the claim step of a shard job at `--claim-sources` sources (100,000 by
default): claim the lease, read the shard's fetch state, give the lease back; p50 and p95
over every shard.

    python benchmarks/bench_workers.py                          # the issue's size: 20,000 feeds, 200 hosts
    python benchmarks/bench_workers.py --claim-sources 0 --no-steady   # `monitor run` and `--once` workers only
    python benchmarks/bench_workers.py --feeds 2000 --hosts 20 --rounds 2 --claim-sources 0   # a quick look
    python benchmarks/bench_workers.py --steady --claim-sources 0   # long-running workers only
    python benchmarks/bench_workers.py --window both            # the first window of a new installation too

Needs the PostgreSQL server (LAGEBILD_TEST_PG, default postgres@127.0.0.1:5432, trust).
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_fetch import feed_urls, fetch_json, free_port  # noqa: E402

ADMIN = os.environ.get("LAGEBILD_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def database(template: str | None = None) -> str:
    """A new database, empty or a copy of `template` (another one of these URLs)."""
    import psycopg
    name = f"lagebild_bench_{uuid.uuid4().hex[:8]}"
    copy = f' TEMPLATE "{template.rsplit("/", 1)[1]}"' if template else ""
    with psycopg.connect(ADMIN.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"{copy}')
    return ADMIN.rsplit("/", 1)[0] + f"/{name}"


def drop(url: str) -> None:
    import psycopg
    with psycopg.connect(ADMIN.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def write_config(path: Path, urls: list[str]) -> None:
    lines = ["settings:", "  fetch:", "    per_host: 8", "    timeout: 60s", "notify: {}", "sources:"]
    for n, url in enumerate(urls):
        lines += [f"  - name: feed-{n}", f"    url: {url}", "    category: industry"]
    path.write_text("\n".join(lines) + "\n")


def monitor(env: dict, *args: str, core: int | None = None) -> subprocess.Popen:
    """`monitor ARGS`, its errors into a file (a pipe nobody reads could fill and stall it); with
    `core`, it and its crawl process run on that core only (`taskset`: children inherit it)."""
    errors = tempfile.TemporaryFile("w+")     # noqa: SIM115 - closed by `timed` once the process ended
    pin = ["taskset", "-c", str(core)] if core is not None else []
    proc = subprocess.Popen([*pin, sys.executable, "-m", "monitor", *args], env=env, stdout=subprocess.DEVNULL,
                            stderr=errors, text=True)
    proc.errors = errors  # type: ignore[attr-defined]
    return proc


@dataclass
class Run:
    """One measured run: wall seconds, CPU seconds of each monitor process (with its crawl
    children) and of the PostgreSQL backends that served it, and the items it stored."""
    label: str
    wall: float
    cpu: list[float]
    database_cpu: float
    items: int = 0

    def line(self, feeds: int) -> str:
        per_process = ", ".join(f"{seconds:.1f}" for seconds in self.cpu)
        per_source = ", ".join(f"{seconds / feeds * 1000:.2f}" for seconds in self.cpu)
        return (f"  {self.label:<12} {self.wall:7.1f} s  {feeds / self.wall:7.1f} feeds/s  CPU {per_process} s "
                f"({per_source} ms per feed) + PostgreSQL {self.database_cpu:.1f} s  {self.items} items")


class BackendCpu:
    """CPU seconds of the PostgreSQL backends connected to one database, sampled from /proc
    (the server runs on this machine): the share of a run that `wait4` does not see."""

    def __init__(self, url: str) -> None:
        import psycopg
        self.name = url.rsplit("/", 1)[1]
        self.conn = psycopg.connect(ADMIN.replace("+psycopg", ""), autocommit=True)
        self.seen: dict[int, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> BackendCpu:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(10)
        self.conn.close()

    def _run(self) -> None:
        while not self.stop.wait(0.2):
            self.sample()

    def sample(self) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        for (pid,) in self.conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.name,)):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            self.seen[pid] = (int(fields[11]) + int(fields[12])) / tick

    @property
    def seconds(self) -> float:
        return sum(self.seen.values())


def timed(env: dict, commands: list[list[str]], pin: bool = False) -> tuple[float, list[float]]:
    """Wall seconds of running `commands` at once, and each one's CPU seconds (its children included);
    `pin`: each command on a core of its own, as if each had a one-core machine."""
    started = time.perf_counter()
    cores = sorted(os.sched_getaffinity(0))
    procs = [monitor(env, *command, core=cores[n % len(cores)] if pin else None) for n, command in enumerate(commands)]
    cpu: dict[int, float] = {}
    try:
        for proc in procs:
            _, status, usage = os.wait4(proc.pid, 0)
            cpu[proc.pid] = usage.ru_utime + usage.ru_stime
            proc.returncode = os.waitstatus_to_exitcode(status)
        for proc in procs:
            proc.errors.seek(0)  # type: ignore[attr-defined]
            if proc.returncode != 0:
                err = proc.errors.read()  # type: ignore[attr-defined]
                raise SystemExit(f"`monitor {' '.join(proc.args[3:])}` failed:\n{err[-3000:]}")
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
                proc.wait()
            proc.errors.close()  # type: ignore[attr-defined]
    return time.perf_counter() - started, [cpu[p.pid] for p in procs]


def items_in(url: str) -> int:
    from monitor.store import ItemQuery, Store
    store = Store.open(url)
    try:
        return store.count_items(ItemQuery())
    finally:
        store.close()


def environment(config: Path, tmp: Path, url: str) -> dict:
    return {**os.environ, "MONITOR_CONFIG": str(config), "MONITOR_HOME": str(tmp / f"home-{uuid.uuid4().hex[:6]}"),
            "MONITOR_DB": url, "NO_PROXY": "127.0.0.1,localhost", "PYTHONPATH": str(ROOT)}


def crawl(config: Path, tmp: Path, workers: int, label: str, template: str | None = None, pin: bool = False) -> Run:
    """One run: `monitor run` when `workers` is 0, else that many workers; in a fresh database, or
    (`template`) in a copy of a filled one whose sources are all due again."""
    url = database(template)
    env = environment(config, tmp, url)
    try:
        before = 0
        if template:
            import psycopg
            with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
                conn.execute("UPDATE sources SET last_fetch = last_fetch - interval '1 day'")
                conn.execute("UPDATE shard_leases SET done_window = NULL, holder = NULL, lease_until = NULL")
            before = items_in(url)
        elif workers:
            timed(env, [["config", "apply"]])
        with BackendCpu(url) as backends:
            # `pin`: workers each on a core of their own; `monitor run` keeps the whole machine
            wall, cpu = timed(env, [["run", "--quiet"]] if workers == 0 else [["worker", "--once"]] * workers,
                              pin=pin and workers > 0)
            backends.sample()
        return Run(label, wall, cpu, backends.seconds, items_in(url) - before)
    finally:
        drop(url)


def filled(config: Path, tmp: Path) -> str:
    """A database after one window: every feed fetched once by one worker (not timed)."""
    url = database()
    env = environment(config, tmp, url)
    timed(env, [["config", "apply"]])
    timed(env, [["worker", "--once"]])
    return url


def tree_cpu(pid: int) -> float:
    """CPU seconds so far of a process and its living children (a worker and its crawl process)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for child in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids = [int(k) for k in (task / "children").read_text().split()]
        except OSError:
            continue
        for kid in kids:
            found += [kid, *_children(kid)]
    return found


def steady(config: Path, tmp: Path, workers: int, template: str, port: int, pin: bool = False) -> Run:
    """Long-running workers (`monitor worker`, as under systemd) in a copy of the filled database:
    a first window (their start, story index, crawl processes), then a second one, timed alone:
    the windows such workers spend their days in. Each window's jobs are queued here, as the
    workers' own minute tick would (procrastinate keeps one job per shard either way)."""
    import asyncio

    import psycopg

    from monitor.config import load_config
    from monitor.store import Store
    from monitor.tell.deliver import Sender
    from monitor.work import engine
    from monitor.work.jobs import WorkContext
    from monitor.work.shards import by_shard, window_of

    url = database(template)
    env = environment(config, tmp, url)
    cores = sorted(os.sched_getaffinity(0))
    procs: list[subprocess.Popen] = []
    store = Store.open(url)
    loaded = load_config(config)
    shards = set(by_shard(loaded.sources))
    ctx = WorkContext(store=store, home=tmp / "bench-home", sender=Sender(), tagger=lambda: None,  # type: ignore[arg-type, return-value]
                      fallback=lambda: loaded)
    app = engine.build(url, ctx)

    def due_again() -> None:
        with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute("UPDATE sources SET last_fetch = last_fetch - interval '1 day'")
            conn.execute("UPDATE shard_leases SET done_window = NULL, holder = NULL, lease_until = NULL")

    def window(limit: float = 900) -> float:
        started = time.perf_counter()
        now = utcnow_()

        async def queue() -> None:
            async with app.open_async():
                await engine.schedule(app, ctx, now)
        asyncio.run(queue())
        done = window_of(now, loaded.settings.fetch.interval)
        while time.perf_counter() - started < limit:
            states = store.shard_states()
            if all(shard in states and states[shard].done_window == done for shard in shards):
                return time.perf_counter() - started
            for proc in procs:
                if proc.poll() is not None:
                    proc.errors.seek(0)  # type: ignore[attr-defined]
                    raise SystemExit(f"a worker ended: {proc.errors.read()[-3000:]}")  # type: ignore[attr-defined]
            time.sleep(0.1)
        raise SystemExit(f"the window did not end within {limit:.0f} s")

    try:
        due_again()
        procs = [monitor(env, "worker", core=cores[n % len(cores)] if pin else None) for n in range(workers)]
        window()                                        # the first: start-up, story index, crawl processes
        before_items = items_in(url)
        # one more item in every 20th feed than the first window saw (the server keeps its level across runs)
        fetch_json(port, f"/__bump?every=20&items={next(_LEVELS)}")
        due_again()
        cpu_before = [tree_cpu(p.pid) for p in procs]
        with BackendCpu(url) as backends:
            wall = window()
            backends.sample()
        cpu = [tree_cpu(p.pid) - was for p, was in zip(procs, cpu_before, strict=True)]
        return Run(f"{workers} worker{'s' if workers > 1 else ''}", wall, cpu, backends.seconds,
                   items_in(url) - before_items)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            proc.errors.close()  # type: ignore[attr-defined]
        ctx.close()
        store.close()
        drop(url)


_LEVELS = itertools.count(2)        # the items per bumped feed of each steady run's second window


def utcnow_() -> datetime:
    from monitor.clock import utcnow
    return utcnow()


MODES = (("monitor run", 0), ("1 worker", 1), ("2 workers", 2))


def compare(config: Path, tmp: Path, feeds: int, rounds: int, template: str | None = None,
            pin: bool = False) -> dict[str, list[Run]]:
    """Every mode once per round, the order turned by one each round, so that a busy spell of
    the (shared) machine does not fall on one mode only."""
    runs: dict[str, list[Run]] = {label: [] for label, _ in MODES}
    for number in range(rounds):
        order = MODES[number % len(MODES):] + MODES[:number % len(MODES)]
        print(f" round {number + 1} (load average {os.getloadavg()[0]:.1f}):", flush=True)
        for label, workers in order:
            run = crawl(config, tmp, workers, label, template, pin)
            runs[label].append(run)
            print(run.line(feeds), flush=True)
    return runs


def summary(runs: dict[str, list[Run]], feeds: int) -> None:
    """Medians over the rounds; the issue's two ratios."""
    wall = {label: statistics.median(r.wall for r in found) for label, found in runs.items()}
    for label, found in runs.items():
        cpu = statistics.median(sum(r.cpu) for r in found)
        database = statistics.median(r.database_cpu for r in found)
        print(f"  median {label:<12} {wall[label]:7.1f} s  CPU {cpu:.1f} s + PostgreSQL {database:.1f} s = "
              f"{(cpu + database) / feeds * 1000:.2f} ms per feed")
    print(f"  2 workers take {wall['2 workers'] / wall['monitor run']:.2f}x the time of `monitor run` (goal <= 1.1); "
          f"1 worker {wall['1 worker'] / wall['monitor run']:.2f}x; 2 `--once` workers / 1: "
          f"{wall['1 worker'] / wall['2 workers']:.2f}x (each pays its start-up and story index in the window; "
          f"the throughput goal is the long-running workers' below)")


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
    parser.add_argument("--rounds", type=int, default=1, help="each mode this many times, interleaved")
    parser.add_argument("--claim-sources", type=int, default=100_000, help="0: skip the claim latency")
    parser.add_argument("--window", choices=("first", "next", "both"), default="next",
                        help="a fresh database (first), one that fetched every feed before (next, the default: "
                             "the windows a running installation lives in), or both")
    halves = parser.add_mutually_exclusive_group()
    halves.add_argument("--steady", action="store_true",
                        help="the next window with long-running workers only (no `monitor run`, no `--once`)")
    halves.add_argument("--no-steady", action="store_true",
                        help="the next window with `--once` workers and `monitor run` only")
    parser.add_argument("--pin", action="store_true",
                        help="each worker (with its crawl process) on one core of its own, as workers on machines of "
                             "one core each; `monitor run` keeps every core")
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
            if args.window in ("first", "both"):
                print("first window: a fresh database, every item new", flush=True)
                summary(compare(config, Path(tmp), args.feeds, args.rounds, pin=args.pin), args.feeds)
            if args.window in ("next", "both"):
                template = filled(config, Path(tmp))
                try:
                    bumped = fetch_json(port, "/__bump?every=20")["bumped"]
                    print(f"next window: every feed fetched before, all due again, {bumped} with one new item",
                          flush=True)
                    if not args.steady:
                        print(" `monitor run` and `monitor worker --once` (start-up included)", flush=True)
                        summary(compare(config, Path(tmp), args.feeds, args.rounds, template, args.pin), args.feeds)
                    if not args.no_steady:
                        print(" long-running `monitor worker` (as deploy/ runs them): the second window timed",
                              flush=True)
                        runs: dict[str, list[Run]] = {"1 worker": [], "2 workers": []}
                        for number in range(args.rounds):
                            for workers in (1, 2) if number % 2 == 0 else (2, 1):
                                run = steady(config, Path(tmp), workers, template, port, args.pin)
                                runs[run.label].append(run)
                                print(run.line(args.feeds), flush=True)
                        wall = {label: statistics.median(r.wall for r in found) for label, found in runs.items()}
                        print(f"  steady state: 2 workers / 1 worker: {wall['1 worker'] / wall['2 workers']:.2f}x "
                              f"the throughput (goal >= 1.6)")
                finally:
                    drop(template)
    finally:
        farm.kill()
        farm.wait()
    if not args.claim_sources:
        return
    p50, p95, read = claim_latency(args.claim_sources, args.hosts)
    print(f"claim of a shard's lease at {args.claim_sources} sources: p50 {p50:.1f} ms, p95 {p95:.1f} ms; "
          f"reading its sources' fetch state: p50 {read:.1f} ms")


if __name__ == "__main__":
    main()
