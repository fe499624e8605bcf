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
                 spawn: Callable[[list[str]], subprocess.Popen] | None = None, grace: float = 30.0):
        self.argv_base = list(argv_base)
        self.interval = config.settings.fetch.interval
        self.at, self.tz = config.settings.digest.at, config.settings.tz
        self._log = log
        self._stop = threading.Event()
        self.now = now or utcnow
        self.sleep = sleep or self._stop.wait
        self.spawn = spawn or (lambda argv: subprocess.Popen(argv, start_new_session=True))
        self.grace = grace
        self.job: Job | None = None
        self.waiting: list[str] = []
        self.digest_retry: datetime | None = None     # a failed digest is tried again the same day
        self.digest_failures = 0

    # ------------------------------------------------------------------ the loop
    def run(self, until: datetime | None = None) -> int:
        """Schedule until stopped (signal, `stop()`, or the clock passing `until`); exit status 0."""
        started = self.now()
        self.next_cycle = started
        self.next_digest = next_digest_time(started, self.at, self.tz)
        self.log(f"daemon started: `run` every {_human(self.interval)}, `digest` daily at "
                 f"{self.at:%H:%M} {self.tz.key} (next {self.local(self.next_digest)})")
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
            self.due("run", current)
            self.next_cycle = _after(self.next_cycle, self.interval, current)
        if current >= self.next_digest:
            self.due("digest", current)
            self.next_digest = next_digest_time(current, self.at, self.tz)
            self.digest_retry, self.digest_failures = None, 0
        elif self.digest_retry is not None and current >= self.digest_retry:
            self.digest_retry = None
            self.due("digest", current)
        if self.job is None and self.waiting:
            self.start(self.waiting.pop(0))

    def due(self, kind: str, current: datetime) -> None:
        if self.job is None:
            self.start(kind)
        elif self.job.kind == kind:
            self.log(f"skipped `{kind}`: the previous one (pid {self.job.proc.pid}) is still running "
                     f"since {self.local(self.job.started)}")
        elif kind not in self.waiting:
            self.waiting.append(kind)
            self.log(f"`{kind}` is due and waits for the running `{self.job.kind}` to finish")

    def pause(self, current: datetime) -> float:
        """Until the next job is due, but never so long that a finished child or a wake-up goes unnoticed."""
        due = min(self.next_cycle, self.next_digest, self.digest_retry or self.next_digest)
        longest = POLL if self.job else IDLE
        return max(0.0, min((due - current).total_seconds(), longest))

    # ------------------------------------------------------------------ children
    def start(self, kind: str) -> None:
        argv = self.argv_base + [kind]
        try:
            proc = self.spawn(argv)
        except OSError as e:
            self.log(f"could not start `{kind}`: {e}")
            return
        self.job = Job(kind, proc, self.now())
        self.log(f"started `{kind}` (pid {proc.pid})")

    def reap(self) -> None:
        if self.job is None:
            return
        code = self.job.proc.poll()
        if code is None:
            return
        took = _human(self.now() - self.job.started)
        self.log(f"`{self.job.kind}` finished with exit status {code} after {took}")
        if self.job.kind == "digest":
            self.after_digest(code)
        self.job = None

    def after_digest(self, code: int) -> None:
        """A target that failed keeps its items; try again in 5, 10, 20 … minutes rather than tomorrow,
        never waiting longer than one cycle (as alerts do)."""
        if code == 0:
            self.digest_failures = 0
            return
        wait = min(DIGEST_RETRY * 2 ** self.digest_failures, DIGEST_RETRY_MAX, self.interval)
        self.digest_failures += 1
        if self.now() + wait < self.next_digest:
            self.digest_retry = self.now() + wait
            self.log(f"the digest did not reach every target; trying again at {self.local(self.digest_retry)}")

    def shutdown(self) -> None:
        """Stop the running child: SIGTERM, then SIGKILL after the grace period."""
        if self.job is None:
            self.log("daemon stopped")
            return
        proc = self.job.proc
        self.log(f"stopping: terminating `{self.job.kind}` (pid {proc.pid})")
        proc.terminate()
        try:
            proc.wait(timeout=self.grace)
        except subprocess.TimeoutExpired:
            self.log(f"`{self.job.kind}` did not stop within {self.grace:g} s; killing it")
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
               grace: float = 30.0) -> int:
    """Run the scheduler in this process; SIGTERM and SIGINT stop it cleanly (exit status 0)."""
    daemon = Daemon(argv_base, config, log=log, now=now, sleep=sleep, spawn=spawn, grace=grace)
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
