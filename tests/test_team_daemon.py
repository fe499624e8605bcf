"""`monitor daemon` with teams (issue 17): each team's digest at its own time in its own time zone,
to its own targets, in its language, with only its items, once a day.

The daemon runs in this process on a simulated clock (a day passes in seconds); every digest
it starts is the real `monitor digest --team SLUG` subprocess against a real SQLite file,
sending to real loopback webhooks, so what each team receives, and when, is what a team would
see. The items come from one real `monitor run` over a loopback feed server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from monitor.config import load_config
from monitor.daemon import run_daemon
from monitor.teams.config import load_teams
from monitor.teams.schedule import digest_times
from tests.servers import FeedServer, Webhook
from tests.team_world import serve_acme_and_initech, write_zoned_teams

ROOT = Path(__file__).resolve().parent.parent
BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")


def write(tmp: Path, web: FeedServer, hooks: dict[str, Webhook]) -> None:
    serve_acme_and_initech(web)
    (tmp / "feeds.yaml").write_text(
        "settings:\n  timezone: Europe/Berlin\n  fetch:\n    retries: 0\n    interval: 6h\n"
        "  digest:\n    at: '07:30'\n    notify: [chat]\n"
        f"notify:\n  chat: {hooks['default'].url}\n"
        f"sources:\n  - name: Gemeinsam\n    url: {web.url('/shared.xml')}\n", encoding="utf-8")
    write_zoned_teams(tmp, web.url, hooks)


class Clock:
    def __init__(self, start: datetime):
        self.t = start

    def now(self) -> datetime:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += timedelta(seconds=max(seconds, 0.01))


class Done:
    """A child that has already finished (the digest ran to its end before the daemon looks)."""

    def __init__(self, code: int, pid: int):
        self.code, self.pid = code, pid

    def poll(self) -> int:
        return self.code

    def wait(self, timeout: float | None = None) -> int:
        return self.code

    def terminate(self) -> None:
        pass

    kill = terminate


def test_each_team_gets_its_own_digest_at_its_own_time_with_only_its_items(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(MONITOR_HOME=str(tmp_path / "home"), MONITOR_DB=f"sqlite:///{tmp_path / 'home' / 'monitor.db'}",
               PYTHONPATH=str(ROOT), NO_PROXY="127.0.0.1,localhost")
    hooks = {name: Webhook() for name in ("default", "acme", "initech")}
    base = [sys.executable, "-m", "monitor", "--config", str(tmp_path / "feeds.yaml")]
    try:
        with FeedServer() as web:
            write(tmp_path, web, hooks)
            fetched = subprocess.run(base + ["run", "-q"], env=env, capture_output=True, text=True, timeout=300)
            assert fetched.returncode == 0, fetched.stderr[-3000:]
        alerts = {name: len(hook.accepted) for name, hook in hooks.items()}     # no alert rules: none

        clock = Clock(datetime(2026, 12, 4, 5, 0, tzinfo=UTC))          # 06:00 in Berlin, 00:00 in New York
        started: list[tuple[datetime, list[str], dict[str, int]]] = []

        def spawn(argv: list[str]) -> Done:
            if argv[len(base)] == "run":      # the cycles are `monitor run`'s own tests; here only digests
                return Done(0, 1)
            done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stdout + done.stderr[-3000:]
            started.append((clock.now(), argv[len(base):], {n: len(h.accepted) for n, h in hooks.items()}))
            return Done(done.returncode, 2)

        teams = load_teams(tmp_path / "feeds.yaml")
        logs: list[str] = []
        code = run_daemon(base, load_config(tmp_path / "feeds.yaml"), log=logs.append, now=clock.now,
                          sleep=clock.sleep, spawn=spawn, until=clock.now() + timedelta(days=2),
                          digests=digest_times(teams))
        assert code == 0

        # each team's digest at its own wall-clock time, in its own zone, once a day
        when = [(at.astimezone(tz).strftime("%d %H:%M"), args) for at, args, _ in started
                for tz in [NEW_YORK if args[-1] == "initech" else BERLIN]]
        assert when == [("04 07:30", ["digest"]), ("04 09:00", ["digest", "--team", "acme"]),
                        ("04 07:00", ["digest", "--team", "initech"]),
                        ("05 07:30", ["digest"]), ("05 09:00", ["digest", "--team", "acme"]),
                        ("05 07:00", ["digest", "--team", "initech"])], logs

        # one message per team, to its own target only, the first day; nothing new the second day
        assert started[0][2] == {**alerts, "default": alerts["default"] + 1}
        assert started[1][2] == {**alerts, "default": alerts["default"] + 1, "acme": alerts["acme"] + 1}
        assert started[2][2] == {n: alerts[n] + 1 for n in hooks}
        assert all(counts == started[2][2] for _, _, counts in started[3:])

        said = {name: json.dumps(hook.accepted[alerts[name]:], ensure_ascii=False) for name, hook in hooks.items()}
        assert "sharedmark" in said["default"] and "acmemark" not in said["default"] \
            and "initechmark" not in said["default"]
        assert "sharedmark" in said["acme"] and "acmemark" in said["acme"] and "initechmark" not in said["acme"]
        assert "sharedmark" in said["initech"] and "initechmark" in said["initech"] and "acmemark" not in said["initech"]
        assert "acme own" in said["acme"] and "initech own" in said["initech"]    # the team's own source names
        titles = {name: " ".join(m.get("title", "") for m in hook.accepted[alerts[name]:]) for name, hook in hooks.items()}
        assert any(w in titles["acme"] for w in ("item", "change", "feature", "page")), titles   # acme reads English
        assert any(w in titles["initech"] for w in ("Meldung", "nderung", "Funktion", "Reichweite", "Seite")), titles
        assert any("`digest --team initech` daily at 07:00 America/New_York" in line for line in logs)
    finally:
        for hook in hooks.values():
            hook.close()


def test_a_plain_feeds_yaml_keeps_one_digest_at_its_time(tmp_path: Path):
    """Without teams/ the daemon schedules exactly what it did before teams: `digest` at feeds.yaml's time."""
    from monitor.teams.schedule import daemon_digests
    (tmp_path / "feeds.yaml").write_text("settings:\n  digest:\n    at: '06:45'\n", encoding="utf-8")
    assert daemon_digests(tmp_path / "feeds.yaml") is None
    clock, argvs, logs = Clock(datetime(2026, 12, 4, 5, 0, tzinfo=UTC)), [], []

    def spawn(argv: list[str]) -> Done:
        argvs.append((clock.now(), argv))
        return Done(0, 3)

    run_daemon(["monitor"], load_config(tmp_path / "feeds.yaml"), log=logs.append, now=clock.now, sleep=clock.sleep,
               spawn=spawn, until=clock.now() + timedelta(days=1))
    digests = [(at.astimezone(BERLIN).strftime("%d %H:%M"), argv) for at, argv in argvs if argv[-1] == "digest"]
    assert digests == [("04 06:45", ["monitor", "digest"])]
    assert "`digest` daily at 06:45 Europe/Berlin" in logs[0]


def test_a_team_added_or_given_another_time_is_scheduled_without_a_restart():
    """The daemon reads the team files again at every cycle: a new team's digest and a changed time
    take effect the same day; a team whose file is gone gets no more digests."""
    from datetime import time as wall

    from monitor.config import Config
    from monitor.teams.schedule import DigestTime

    files = {"acme": DigestTime("acme", wall(9, 0), BERLIN), "globex": DigestTime("globex", wall(18, 0), BERLIN)}
    clock, started, logs = Clock(datetime(2026, 12, 4, 5, 0, tzinfo=UTC)), [], []

    def spawn(argv: list[str]) -> Done:
        if argv[-1] != "run":
            started.append((clock.now().astimezone(BERLIN).strftime("%d %H:%M"), argv[-1]))
        if clock.now() >= datetime(2026, 12, 4, 6, 0, tzinfo=UTC) and "initech" not in files:
            files["initech"] = DigestTime("initech", wall(7, 0), NEW_YORK)          # a new file
            files["acme"] = DigestTime("acme", wall(10, 15), BERLIN)                  # acme moved its time
            del files["globex"]                                                     # globex's file removed
        return Done(0, 4)

    cfg = Config.model_validate({"settings": {"fetch": {"interval": "1h"}}})
    run_daemon(["monitor"], cfg, log=logs.append, now=clock.now, sleep=clock.sleep, spawn=spawn,
               until=clock.now() + timedelta(days=1), digests=list(files.values()),
               reload=lambda: list(files.values()))
    assert started == [("04 10:15", "acme"), ("04 13:00", "initech")]        # 13:00 in Berlin: 07:00 in New York
    assert any("`digest --team globex` is no longer scheduled" in line for line in logs)


def test_monitor_daemon_schedules_every_team_and_refuses_a_team_digest_that_goes_nowhere(tmp_path: Path, monkeypatch):
    """The command's wiring: every team with digest targets is scheduled at its time, a team without
    them is not, and a team whose digest target has no URL stops the daemon at start (exit 2)."""
    from click.testing import CliRunner

    import monitor.daemon
    from monitor.cli import cli

    (tmp_path / "feeds.yaml").write_text("settings:\n  digest:\n    notify: [mail]\nnotify:\n  mail: json://127.0.0.1:9/\n"
                                         "sources: []\n", encoding="utf-8")
    (tmp_path / "teams").mkdir()
    (tmp_path / "teams" / "acme.yaml").write_text(
        "settings:\n  timezone: America/New_York\n  digest:\n    at: '06:15'\n    notify: [chat]\n"
        "notify:\n  chat: ${ACME_CHAT_URL}\nsources: []\n", encoding="utf-8")
    (tmp_path / "teams" / "quiet.yaml").write_text("sources: []\n", encoding="utf-8")
    seen: dict = {}

    def fake(argv, config, **kwargs):
        seen.update(kwargs, argv=argv)
        return 0

    monkeypatch.setattr(monitor.daemon, "run_daemon", fake)
    monkeypatch.setenv("MONITOR_HOME", str(tmp_path / "home"))
    args = ["daemon", "--config", str(tmp_path / "feeds.yaml"), "--db", f"sqlite:///{tmp_path / 'm.db'}"]
    monkeypatch.delenv("ACME_CHAT_URL", raising=False)
    refused = CliRunner().invoke(cli, args)
    assert refused.exit_code == 2 and "acme.yaml" in refused.output and "ACME_CHAT_URL" in refused.output
    monkeypatch.setenv("ACME_CHAT_URL", "json://127.0.0.1:9/acme")
    done = CliRunner().invoke(cli, args)
    assert done.exit_code == 0, done.output
    times = {d.kind: (d.at.strftime("%H:%M"), d.tz.key) for d in seen["digests"]}
    assert times == {"digest": ("07:30", "Europe/Berlin"), "digest:acme": ("06:15", "America/New_York")}
    assert {d.kind for d in seen["reload"]()} == set(times)
