"""`monitor daemon`: a cycle every `fetch.interval`, the digest daily at `digest.at`, until stopped.

Each cycle and each digest runs as a child process (`monitor run`, `monitor digest`):
Scrapy's reactor starts once per process, and a crash or leak in one cycle cannot
take the scheduler down with it. One child at a time: a cycle due while the previous
cycle still runs is skipped (and logged), a job due while the other kind runs waits
for it, so two writers never race on the same database.

Time: the digest time is a wall-clock time in `settings.timezone`, computed afresh
with zoneinfo for every day, so it stays at 07:30 across daylight-saving changes
(a time that does not exist that night runs an hour later; one that exists twice runs
once). After the machine slept past it, the digest runs once on waking, not once per
missed day. A digest that failed (exit status 1: a target did not accept it) is
tried again after 5, 10, 20 … minutes (at most one cycle) until the next day's. The clock,
the sleep and the process start are injectable so the tests run a simulated week in milliseconds.

Teams (a teams/ folder beside feeds.yaml): each team that names a digest target gets its
digest at its own `settings.digest.at` in its own `settings.timezone`, as a child
`monitor digest --team SLUG` (feeds.yaml's team: `monitor digest`, as before), with its own
retries. The children still run one at a time: two teams due at the same minute go one
after the other. The team files are read again at every cycle (`reload`), so a team added,
removed or given another digest time is scheduled without restarting the daemon.
"""

from __future__ import annotations

import signal
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from monitor.clock import utcnow
from monitor.config import Config
from monitor.teams.schedule import DigestTime, digest_time

POLL = 5.0            # seconds between looks at a running child
IDLE = 60.0           # longest sleep with nothing running: notices a wake-up from suspend soon
DIGEST_RETRY = timedelta(minutes=5)
DIGEST_RETRY_MAX = timedelta(hours=2)


def next_digest_time(after: datetime, at: time, tz: ZoneInfo) -> datetime:
    """The first wall-clock `at` in `tz` strictly after `after`, in UTC."""
    day = after.astimezone(tz).date()
    for offset in range(3):
        wall = datetime.combine(day + timedelta(days=offset), at).replace(tzinfo=tz)
        candidate = wall.astimezone(UTC)      # compare in UTC: same-tzinfo compares ignore DST
        if candidate > after.astimezone(UTC):
            return candidate
    raise AssertionError("unreachable: a day always has the time")


def digest_period(moment: datetime, at: time, tz: ZoneInfo) -> str:
    """The day whose digest is due at `moment`: the local date of the last `at` at or before it.

    Every process that sends the scheduled digest names it so (`begin_digest(period=…)`),
    and one digest per target and period goes out however many try, DST day or not."""
    previous = next_digest_time(moment - timedelta(days=2), at, tz)
    while True:
        following = next_digest_time(previous, at, tz)
        if following > moment:
            return previous.astimezone(tz).date().isoformat()
        previous = following


@dataclass
class Job:
    kind: str                      # run | digest
    proc: subprocess.Popen
    started: datetime


class Daemon:
    def __init__(self, argv_base: list[str], config: Config, *, log: Callable[[str], None],
                 now: Callable[[], datetime] | None = None, sleep: Callable[[float], object] | None = None,
                 spawn: Callable[[list[str]], subprocess.Popen] | None = None, grace: float = 30.0,
                 digests: list[DigestTime] | None = None, reload: Callable[[], list[DigestTime]] | None = None):
        self.argv_base = list(argv_base)
        self.interval = config.settings.fetch.interval
        self.at, self.tz = config.settings.digest.at, config.settings.tz
        # one digest per team (monitor.teams.schedule); without teams the one of feeds.yaml
        self.digests = {d.kind: d for d in (digests if digests is not None else [digest_time("default", config)])}
        self.reload = reload            # the teams' digest times read again (None: fixed, as without teams)
        self._log = log
        self._stop = threading.Event()
        self.now = now or utcnow
        self.sleep = sleep or self._stop.wait
        self.spawn = spawn or (lambda argv: subprocess.Popen(argv, start_new_session=True))
        self.grace = grace
        self.job: Job | None = None
        self.waiting: list[str] = []
        self.next_digests: dict[str, datetime] = {}
        self.digest_retries: dict[str, datetime] = {}     # a failed digest is tried again the same day
        self.digest_failures: dict[str, int] = {}

    # ------------------------------------------------------------------ the loop
    def run(self, until: datetime | None = None) -> int:
        """Schedule until stopped (signal, `stop()`, or the clock passing `until`); exit status 0."""
        started = self.now()
        self.next_cycle = started
        self.next_digests = {kind: next_digest_time(started, d.at, d.tz) for kind, d in self.digests.items()}
        if list(self.digests) == ["digest"]:
            d = self.digests["digest"]
            self.log(f"daemon started: `run` every {_human(self.interval)}, `digest` daily at "
                     f"{d.at:%H:%M} {d.tz.key} (next {self.local(self.next_digests['digest'])})")
        else:
            each = "; ".join(f"`{self.name(kind)}` daily at {d.at:%H:%M} {d.tz.key} (next "
                             f"{self.local(self.next_digests[kind])})" for kind, d in sorted(self.digests.items()))
            self.log(f"daemon started: `run` every {_human(self.interval)}; {each or 'no team sends a digest'}")
        while not self._stop.is_set():
            current = self.now()
            if until is not None and current >= until:
                break
            self.step(current)
            self.sleep(self.pause(self.now()))
        self.shutdown()
        return 0

    def step(self, current: datetime) -> None:
        self.reap()
        if current >= self.next_cycle:
            self.reschedule(current)
            self.due("run", current)
            self.next_cycle = _after(self.next_cycle, self.interval, current)
        for kind in sorted(self.digests):
            d = self.digests[kind]
            retry = self.digest_retries.get(kind)
            if current >= self.next_digests[kind]:
                self.due(kind, current)
                self.next_digests[kind] = next_digest_time(current, d.at, d.tz)
                self.digest_retries.pop(kind, None)
                self.digest_failures[kind] = 0
            elif retry is not None and current >= retry:
                del self.digest_retries[kind]
                self.due(kind, current)
        if self.job is None and self.waiting:
            self.start(self.waiting.pop(0))

    def due(self, kind: str, current: datetime) -> None:
        if self.job is None:
            self.start(kind)
        elif self.job.kind == kind:
            self.log(f"skipped `{self.name(kind)}`: the previous one (pid {self.job.proc.pid}) is still running "
                     f"since {self.local(self.job.started)}")
        elif kind not in self.waiting:
            self.waiting.append(kind)
            self.log(f"`{self.name(kind)}` is due and waits for the running `{self.name(self.job.kind)}` to finish")

    def pause(self, current: datetime) -> float:
        """Until the next job is due, but never so long that a finished child or a wake-up goes unnoticed."""
        due = min([self.next_cycle, *self.next_digests.values(), *self.digest_retries.values()])
        longest = POLL if self.job else IDLE
        return max(0.0, min((due - current).total_seconds(), longest))

    def reschedule(self, current: datetime) -> None:
        """Read the teams' digest times again: a new team is scheduled from now, a removed one is
        dropped, a changed time or zone takes effect at once. A file that does not load keeps the
        schedule as it was (the cycle's own `run` reports the error)."""
        if self.reload is None:
            return
        try:
            fresh = {d.kind: d for d in self.reload()}
        except Exception as e:  # noqa: BLE001 - a broken team file must not stop the scheduler
            self.log(f"team files not read again ({e}); keeping the digest times as they were")
            return
        for kind in sorted(set(self.digests) - set(fresh)):
            self.log(f"`{self.name(kind)}` is no longer scheduled")
            del self.digests[kind]
            self.next_digests.pop(kind, None)
            self.digest_retries.pop(kind, None)
            if kind in self.waiting:
                self.waiting.remove(kind)
        for kind, d in sorted(fresh.items()):
            if self.digests.get(kind) != d:
                self.digests[kind] = d
                self.next_digests[kind] = next_digest_time(current, d.at, d.tz)
                self.log(f"`{self.name(kind)}` daily at {d.at:%H:%M} {d.tz.key} (next "
                         f"{self.local(self.next_digests[kind])})")

    # the single-team names the tests and older callers know
    @property
    def next_digest(self) -> datetime | None:
        return min(self.next_digests.values(), default=None)

    @property
    def digest_retry(self) -> datetime | None:
        return min(self.digest_retries.values(), default=None)

    def args(self, kind: str) -> list[str]:
        """The `monitor` arguments of a job: `run`, `digest`, or `digest --team SLUG`."""
        found = self.digests.get(kind)
        return found.args if found is not None else [kind]

    def name(self, kind: str) -> str:
        return " ".join(self.args(kind))

    # ------------------------------------------------------------------ children
    def start(self, kind: str) -> None:
        argv = self.argv_base + self.args(kind)
        try:
            proc = self.spawn(argv)
        except OSError as e:
            self.log(f"could not start `{self.name(kind)}`: {e}")
            return
        self.job = Job(kind, proc, self.now())
        self.log(f"started `{self.name(kind)}` (pid {proc.pid})")

    def reap(self) -> None:
        if self.job is None:
            return
        code = self.job.proc.poll()
        if code is None:
            return
        took = _human(self.now() - self.job.started)
        self.log(f"`{self.name(self.job.kind)}` finished with exit status {code} after {took}")
        if self.job.kind in self.digests:
            self.after_digest(self.job.kind, code)
        self.job = None

    def after_digest(self, kind: str, code: int) -> None:
        """A target that failed keeps its items; try again in 5, 10, 20 … minutes rather than tomorrow,
        never waiting longer than one cycle (as alerts do). Each team's digest has its own retries."""
        if code == 0:
            self.digest_failures[kind] = 0
            return
        failures = self.digest_failures.get(kind, 0)
        wait = min(DIGEST_RETRY * 2 ** failures, DIGEST_RETRY_MAX, self.interval)
        self.digest_failures[kind] = failures + 1
        if self.now() + wait < self.next_digests[kind]:
            self.digest_retries[kind] = self.now() + wait
            whose = "the digest" if kind == "digest" else f"`{self.name(kind)}`"
            self.log(f"{whose} did not reach every target; trying again at {self.local(self.digest_retries[kind])}")

    def shutdown(self) -> None:
        """Stop the running child: SIGTERM, then SIGKILL after the grace period."""
        if self.job is None:
            self.log("daemon stopped")
            return
        proc = self.job.proc
        self.log(f"stopping: terminating `{self.name(self.job.kind)}` (pid {proc.pid})")
        proc.terminate()
        try:
            proc.wait(timeout=self.grace)
        except subprocess.TimeoutExpired:
            self.log(f"`{self.name(self.job.kind)}` did not stop within {self.grace:g} s; killing it")
            proc.kill()
            proc.wait(timeout=self.grace)
        self.job = None
        self.log("daemon stopped")

    # ------------------------------------------------------------------ helpers
    def stop(self, *_args: object) -> None:
        self._stop.set()

    def local(self, moment: datetime) -> str:
        return moment.astimezone(self.tz).strftime("%Y-%m-%d %H:%M:%S %Z")

    def log(self, message: str) -> None:
        self._log(f"{self.local(self.now())}  {message}")


def run_daemon(argv_base: list[str], config: Config, *, log: Callable[[str], None] = print,
               now: Callable[[], datetime] | None = None, sleep: Callable[[float], object] | None = None,
               spawn: Callable[[list[str]], subprocess.Popen] | None = None, until: datetime | None = None,
               grace: float = 30.0, digests: list[DigestTime] | None = None,
               reload: Callable[[], list[DigestTime]] | None = None) -> int:
    """Run the scheduler in this process; SIGTERM and SIGINT stop it cleanly (exit status 0).
    `digests`: each team's digest time (monitor.teams.schedule), read again by `reload` at every
    cycle; None: feeds.yaml's alone."""
    daemon = Daemon(argv_base, config, log=log, now=now, sleep=sleep, spawn=spawn, grace=grace, digests=digests,
                    reload=reload)
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            previous[sig] = signal.signal(sig, daemon.stop)
    try:
        return daemon.run(until=until)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _after(scheduled: datetime, interval: timedelta, current: datetime) -> datetime:
    """The next slot after `current`: missed slots (sleep, a long cycle) are not made up."""
    step = max(interval, timedelta(seconds=1))
    nxt = scheduled + step
    if nxt <= current:
        missed = (current - nxt) // step + 1
        nxt += step * missed
    return nxt


def _human(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s" if seconds % 60 else f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"
