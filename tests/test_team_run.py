"""`monitor run` and `monitor digest --team` with teams (issue 17): one fetch for everybody, but each
team's alert rules see only its own sources' items and send to its own targets, and each team's
digest holds only its items. Real feeds on a loopback server, real webhooks, a real SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.servers import FeedServer, Webhook, rss

ROOT = Path(__file__).resolve().parent.parent


def write(tmp: Path, web: FeedServer, hooks: dict[str, Webhook]) -> None:
    web.add("/shared.xml", rss("Shared", [{"title": "Kanalstatistik erweitert sharedmark", "link": "http://127.0.0.1/s/1"}]))
    web.add("/acme.xml", rss("Acme", [{"title": "Werbekonto gesperrt acmemark", "link": "http://127.0.0.1/a/1"}]))
    web.add("/initech.xml", rss("Initech", [{"title": "Hashtag-Suche entfernt initechmark", "link": "http://127.0.0.1/i/1"}]))
    (tmp / "feeds.yaml").write_text(
        "settings:\n  fetch:\n    retries: 0\n  alerts:\n    - notify: [chat]\n"
        f"notify:\n  chat: {hooks['default'].url}\n"
        f"sources:\n  - name: Gemeinsam\n    url: {web.url('/shared.xml')}\n", encoding="utf-8")
    (tmp / "teams").mkdir()
    for team in ("acme", "initech"):
        (tmp / "teams" / f"{team}.yaml").write_text(
            "settings:\n  alerts:\n    - notify: [chat]\n  digest:\n    notify: [chat]\n"
            f"notify:\n  chat: {hooks[team].url}\n"
            f"sources:\n  - name: {team} shared\n    url: {web.url('/shared.xml')}\n"
            f"  - name: {team} own\n    url: {web.url(f'/{team}.xml')}\n", encoding="utf-8")


def monitor(env: dict, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "monitor", *args], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_each_team_is_alerted_and_digested_about_its_own_sources_only(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(MONITOR_CONFIG=str(tmp_path / "feeds.yaml"), MONITOR_HOME=str(tmp_path / "home"),
               MONITOR_DB=f"sqlite:///{tmp_path / 'home' / 'monitor.db'}", PYTHONPATH=str(ROOT),
               NO_PROXY="127.0.0.1,localhost")
    hooks = {name: Webhook() for name in ("default", "acme", "initech")}
    try:
        with FeedServer() as web:
            write(tmp_path, web, hooks)
            monitor(env, "run", "-q")
        said = {name: json.dumps(hook.accepted, ensure_ascii=False) for name, hook in hooks.items()}
        assert "sharedmark" in said["default"] and "acmemark" not in said["default"] \
            and "initechmark" not in said["default"]
        assert "sharedmark" in said["acme"] and "acmemark" in said["acme"] and "initechmark" not in said["acme"]
        assert "initechmark" in said["initech"] and "acmemark" not in said["initech"]
        assert "acme own" in said["acme"] or "acmemark" in said["acme"]
        before = {name: len(hook.accepted) for name, hook in hooks.items()}
        monitor(env, "digest", "--team", "acme")
        assert len(hooks["initech"].accepted) == before["initech"] and len(hooks["default"].accepted) == before["default"]
        digest = json.dumps(hooks["acme"].accepted[before["acme"]:], ensure_ascii=False)
        assert "acmemark" in digest and "initechmark" not in digest
        dry = monitor(env, "digest", "--team", "initech", "--dry-run").stdout
        assert "initechmark" in dry and "acmemark" not in dry
        plain = monitor(env, "digest", "--dry-run").stdout         # feeds.yaml's team: the shared source only
        assert "sharedmark" in plain and "acmemark" not in plain and "initechmark" not in plain
        listed = monitor(env, "items", "--team", "acme", "--format", "json").stdout
        assert {r["source"] for r in json.loads(listed)} == {"acme shared", "acme own"}
    finally:
        for hook in hooks.values():
            hook.close()
