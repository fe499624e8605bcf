"""The daemon: cycles never overlap, the digest keeps its wall-clock time across DST, signals stop it.

Most tests run a simulated clock (injected `now`, `sleep` and process start), so days
pass in milliseconds; one test runs the real thing as a subprocess and stops it with SIGTERM.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from datetime import time as wall
from pathlib import Path
from zoneinfo import ZoneInfo

from monitor.config import Config
from monitor.daemon import next_digest_time, run_daemon

BERLIN = ZoneInfo("Europe/Berlin")
UTC = UTC


class Clock:
    def __init__(self, start: datetime):
        self.t = start
        self.jumps: dict[datetime, timedelta] = {}     # simulated suspend: at this time, skip ahead

    def now(self) -> datetime:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += timedelta(seconds=max(seconds, 0.01))
        for at, gap in list(self.jumps.items()):
            if self.t >= at:
                self.t += gap
                del self.jumps[at]


class FakeProc:
    """A child that 'runs' for a while on the simulated clock."""

    def __init__(self, clock: Clock, argv: list[str], seconds: float, pid: int, code: int = 0):
        self.clock, self.argv, self.pid, self.code = clock, argv, pid, code
        self.start, self.end = clock.t, clock.t + timedelta(seconds=seconds)
        self.terminated = False

    def poll(self):
        return self.code if self.terminated or self.clock.t >= self.end else None

    def terminate(self):
        self.terminated = True

    def kill(self):
        self.terminated = True

    def wait(self, timeout=None):
        return 0


class Children:
    def __init__(self, clock: Clock, durations: dict[str, float], codes: dict[str, list[int]] | None = None):
        self.clock, self.durations, self.started = clock, durations, []
        self.codes = codes or {}

    def spawn(self, argv: list[str]) -> FakeProc:
        codes = self.codes.get(argv[-1]) or [0]
        code = codes.pop(0) if len(codes) > 1 else codes[0]
        proc = FakeProc(self.clock, argv, self.durations[argv[-1]], pid=1000 + len(self.started), code=code)
        self.started.append(proc)
        return proc

    def of(self, kind: str) -> list[FakeProc]:
        return [p for p in self.started if p.argv[-1] == kind]


def config(interval: str = "30m", at: str = "07:30") -> Config:
    return Config.model_validate({"settings": {"timezone": "Europe/Berlin", "fetch": {"interval": interval},
                                               "digest": {"at": at}}})


def simulate(start: datetime, until: datetime, durations: dict[str, float], cfg: Config, jumps=None, codes=None):
    clock, logs = Clock(start), []
    clock.jumps.update(jumps or {})
    children = Children(clock, durations, codes)
    code = run_daemon(["monitor"], cfg, log=logs.append, now=clock.now, sleep=clock.sleep,
                      spawn=children.spawn, until=until)
    return code, children, logs


# --------------------------------------------------------------------------- cycles

def test_a_cycle_is_never_overlapped_and_a_skipped_one_is_logged():
    start = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    code, children, logs = simulate(start, start + timedelta(hours=6), {"run": 45 * 60, "digest": 5}, config("30m"))
    runs = children.of("run")
    assert code == 0
    for a, b in zip(runs, runs[1:]):
        assert b.start >= a.end                                   # never two at once
    assert [r.start - start for r in runs] == [timedelta(hours=h) for h in range(6)]
    assert sum("skipped `run`" in line for line in logs) == 6
    assert all(re.match(r"^2026-11-20 \d\d:\d\d:\d\d CET  ", line) for line in logs)


def test_cycles_run_every_interval_when_they_are_quick():
    start = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    _, children, logs = simulate(start, start + timedelta(hours=2), {"run": 60, "digest": 5}, config("30m"))
    assert [r.start - start for r in children.of("run")] == [timedelta(minutes=m) for m in (0, 30, 60, 90)]
    assert any("finished with exit status 0 after 1 min" in line for line in logs)


def test_a_digest_due_during_a_cycle_waits_for_it():
    start = datetime(2026, 11, 20, 6, 20, tzinfo=UTC)        # 07:20 in Berlin; digest at 07:30
    _, children, logs = simulate(start, start + timedelta(hours=1), {"run": 20 * 60, "digest": 5},
                                 config("1h"))
    [run], [digest] = children.of("run"), children.of("digest")
    assert digest.start >= run.end and digest.start - run.end < timedelta(seconds=10)
    assert any("`digest` is due and waits for the running `run`" in line for line in logs)


# --------------------------------------------------------------------------- the digest's wall-clock time

def digest_times(start: datetime, days: int, jumps=None) -> list[datetime]:
    _, children, _ = simulate(start, start + timedelta(days=days), {"run": 1, "digest": 1}, config("6h"), jumps)
    return [p.start for p in children.of("digest")]


def test_the_digest_stays_at_0730_across_the_march_dst_change():
    times = digest_times(datetime(2026, 3, 27, 0, 0, tzinfo=UTC), 4)     # DST starts Sun 29 March
    assert [(t.astimezone(BERLIN).day, t.astimezone(BERLIN).strftime("%H:%M")) for t in times] == \
        [(27, "07:30"), (28, "07:30"), (29, "07:30"), (30, "07:30")]
    assert [t.hour for t in times] == [6, 6, 5, 5]                       # UTC moves, wall clock does not


def test_the_digest_stays_at_0730_across_the_october_dst_change():
    times = digest_times(datetime(2026, 10, 23, 12, 0, tzinfo=UTC), 4)   # DST ends Sun 25 October
    assert [t.astimezone(BERLIN).strftime("%d %H:%M") for t in times] == ["24 07:30", "25 07:30", "26 07:30",
                                                                          "27 07:30"]
    assert [t.hour for t in times] == [5, 6, 6, 6]


def test_after_sleeping_past_the_digest_time_it_runs_once_on_waking():
    start = datetime(2026, 11, 20, 5, 0, tzinfo=UTC)                     # 06:00 Berlin
    asleep = {datetime(2026, 11, 20, 6, 0, tzinfo=UTC): timedelta(hours=50)}   # wakes two days later
    times = digest_times(start, 4, jumps=asleep)
    local = [t.astimezone(BERLIN).strftime("%d %H:%M") for t in times]
    assert local[0].startswith("22 09:") and local[1:] == ["23 07:30"]


def test_next_digest_time_handles_times_that_do_not_exist_or_exist_twice():
    spring = next_digest_time(datetime(2026, 3, 29, 0, 0, tzinfo=UTC), wall(2, 30), BERLIN)
    assert spring.astimezone(BERLIN).strftime("%d %H:%M %Z") == "29 03:30 CEST"
    autumn = next_digest_time(datetime(2026, 10, 24, 23, 0, tzinfo=UTC), wall(2, 30), BERLIN)
    assert autumn == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)            # the first 02:30, once
    after = next_digest_time(autumn, wall(2, 30), BERLIN)
    assert after.astimezone(BERLIN).day == 26


def test_a_failed_digest_is_tried_again_the_same_day_with_growing_waits():
    start = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)                     # 07:00 Berlin; digest at 07:30
    _, children, logs = simulate(start, start + timedelta(hours=3), {"run": 1, "digest": 1}, config("6h"),
                                 codes={"digest": [1, 1, 0]})
    local = [p.start.astimezone(BERLIN).strftime("%H:%M") for p in children.of("digest")]
    assert local == ["07:30", "07:35", "07:45"]                          # then it went through: no more
    assert sum("trying again" in line for line in logs) == 2


# --------------------------------------------------------------------------- stopping

CHILD = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    Path(sys.argv[1]).write_text(str(os.getpid()))
    time.sleep(60)
""")

DAEMON = textwrap.dedent("""
    import sys
    from monitor.config import Config
    from monitor.daemon import run_daemon
    cfg = Config.model_validate({"settings": {"fetch": {"interval": "1h"}}})
    sys.exit(run_daemon([sys.executable, sys.argv[1], sys.argv[2]], cfg,
                        log=lambda line: print(line, flush=True), grace=5))
""")


def test_sigterm_stops_the_daemon_and_its_running_child(tmp_path: Path):
    child, marker = tmp_path / "child.py", tmp_path / "child.pid"
    child.write_text(CHILD)
    # the child gets argv_base + ["run"]: [python, child.py, marker, "run"]
    daemon = subprocess.Popen([sys.executable, "-c", DAEMON, str(child), str(marker)], stdout=subprocess.PIPE,
                              text=True, cwd=Path(__file__).resolve().parents[1])
    try:
        deadline = time.monotonic() + 20
        while not marker.exists() or not marker.read_text():
            assert time.monotonic() < deadline, "the daemon did not start its first cycle"
            assert daemon.poll() is None, daemon.stdout.read()
            time.sleep(0.05)
        child_pid = int(marker.read_text())
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=15) == 0
        output = daemon.stdout.read()
        assert "started `run`" in output and "terminating `run`" in output and "daemon stopped" in output
        try:
            os.kill(child_pid, 0)
            alive = True
        except ProcessLookupError:
            alive = False
        assert not alive
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait(timeout=5)
