"""The workers' alerts with teams (issue 17): each team's rules over its own sources (as it names
them), sent to its own targets, never for an item of a source the team does not follow.

Real feeds on a loopback server, `monitor config apply` and two `monitor worker --once`
against a throwaway PostgreSQL database, real webhooks per team.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.servers import FeedServer, Webhook
from tests.team_world import serve_acme_and_initech
from tests.test_workers import finish, start

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX")]
pytest.importorskip("procrastinate")
ROOT = Path(__file__).resolve().parent.parent


def write(tmp: Path, web: FeedServer, hooks: dict[str, Webhook]) -> None:
    serve_acme_and_initech(web)
    (tmp / "feeds.yaml").write_text(
        "settings:\n  fetch:\n    retries: 0\n  alerts:\n    - notify: [chat]\n"
        f"notify:\n  chat: {hooks['default'].url}\n"
        f"sources:\n  - name: Gemeinsam\n    url: {web.url('/shared.xml')}\n", encoding="utf-8")
    (tmp / "teams").mkdir()
    rules = {"acme": "    - notify: [chat]\n",                                  # everything it follows
             "initech": "    - name: Nur die Branche\n      sources: [initech shared]\n      notify: [chat]\n"}
    for team in ("acme", "initech"):
        (tmp / "teams" / f"{team}.yaml").write_text(
            f"settings:\n  alerts:\n{rules[team]}notify:\n  chat: {hooks[team].url}\n"
            f"sources:\n  - name: {team} shared\n    url: {web.url('/shared.xml')}\n"
            f"  - name: {team} own\n    url: {web.url(f'/{team}.xml')}\n", encoding="utf-8")


def marks(hook: Webhook) -> Counter:
    """How often each item's marker word is in an alert message (the item's title is in its entry)."""
    return Counter(w for post in hook.accepted for w in re.findall(r"[a-z]+mark\b", post.get("message", "")))


def test_two_workers_alert_each_team_by_its_own_rules_once(tmp_path, postgres_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(MONITOR_CONFIG=str(tmp_path / "feeds.yaml"), MONITOR_HOME=str(tmp_path / "home"),
               MONITOR_DB=postgres_url, PYTHONPATH=str(ROOT), NO_PROXY="127.0.0.1,localhost")
    hooks = {name: Webhook() for name in ("default", "acme", "initech")}
    try:
        with FeedServer() as web:
            write(tmp_path, web, hooks)
            applied = subprocess.run([sys.executable, "-m", "monitor", "config", "apply"], env=env,
                                     capture_output=True, text=True, timeout=300)
            assert applied.returncode == 0, applied.stderr
            logs = [tmp_path / f"worker{n}.log" for n in range(2)]
            finish([start(env, "-m", "monitor", "worker", "--once", log=log) for log in logs], logs, timeout=300)
            requests = Counter(path for path, _headers in web.requests)
        assert requests["/shared.xml"] == 1                      # one fetch for the three teams
        assert marks(hooks["default"]) == Counter({"sharedmark": 1})          # feeds.yaml follows the shared one
        assert marks(hooks["acme"]) == Counter({"sharedmark": 1, "acmemark": 1})
        assert marks(hooks["initech"]) == Counter({"sharedmark": 1})          # its rule names its shared source
        said = {name: json.dumps(hook.accepted, ensure_ascii=False) for name, hook in hooks.items()}
        assert "acme own" in said["acme"] and "Nur die Branche" in said["initech"]
        assert "acme" not in said["initech"] and "initech" not in said["acme"]
    finally:
        for hook in hooks.values():
            hook.close()
