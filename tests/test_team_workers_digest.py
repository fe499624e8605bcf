"""The workers' digests with teams (issue 17): one digest per team, target and period, each at the
team's own time in its own time zone, in its language, with only its items.

Real PostgreSQL (a throwaway database), the configuration applied as `monitor config apply`
does, real loopback webhooks, and the digest job of `monitor worker` (`jobs.digest`) run by
two processes at once at each moment of a simulated day, as two workers taking the tick's
job would.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.item import Item
from monitor.store import Store
from monitor.teams.config import apply_files, load_files
from monitor.teams.identity import fetch_key
from tests.servers import Webhook
from tests.team_world import write_zoned_teams
from tests.test_workers import finish, start

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX")]
ROOT = Path(__file__).resolve().parent.parent

WORKER_DIGEST = """
import sys
from datetime import datetime
from pathlib import Path
from monitor.config import load_config
from monitor.store import Store
from monitor.tell.deliver import Sender
from monitor.work import jobs
config, db, when, home = Path(sys.argv[1]), sys.argv[2], datetime.fromisoformat(sys.argv[3]), Path(sys.argv[4])
store = Store.open(db)
ctx = jobs.WorkContext(store=store, home=home, sender=Sender(), tagger=lambda: None,
                       fallback=lambda: load_config(config))
print("\\n".join(jobs.digest(ctx, when)))
"""


def write(tmp: Path, hooks: dict[str, Webhook]) -> Path:
    feeds = tmp / "feeds.yaml"
    feeds.write_text("settings:\n  timezone: Europe/Berlin\n  language: de\n  digest:\n    at: '07:30'\n"
                     f"    notify: [chat]\nnotify:\n  chat: {hooks['default'].url}\n"
                     "sources:\n  - name: Gemeinsam\n    url: http://127.0.0.1:9/shared.xml\n", encoding="utf-8")
    write_zoned_teams(tmp, lambda path: f"http://127.0.0.1:9{path}", hooks)
    return feeds


def add_items(db: str, feeds: Path) -> None:
    """One item on the shared source and one on each team's own (stored under the rows' names)."""
    teams = load_files(feeds)
    store = Store.open(db)
    try:
        names = store.names_by_key()
        row = {src.name: names[fetch_key(src)] for t in teams for src in t.config.sources}
        now = datetime.now(UTC)
        store.add_items([Item(source=row[source], title=title, url=url, canonical_url=url,
                              summary=f"{title}.", published=now - timedelta(hours=1))
                         for source, title, url in [
                             ("Gemeinsam", "Kanalstatistik erweitert sharedmark", "http://127.0.0.1/s/1"),
                             ("acme own", "Werbekonto gesperrt acmemark", "http://127.0.0.1/a/1"),
                             ("initech own", "Hashtag-Suche entfernt initechmark", "http://127.0.0.1/i/1")]])
    finally:
        store.close()


def test_each_team_gets_one_digest_at_its_own_time_from_two_workers(tmp_path, postgres_url):
    hooks = {name: Webhook() for name in ("default", "acme", "initech")}
    feeds = write(tmp_path, hooks)
    store = Store.open(postgres_url)
    try:
        apply_files(store, load_files(feeds), complete=True)           # `monitor config apply`
    finally:
        store.close()
    script = tmp_path / "worker_digest.py"
    script.write_text(WORKER_DIGEST, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(PYTHONPATH=str(ROOT), NO_PROXY="127.0.0.1,localhost")

    def tick(when: str) -> dict[str, int]:
        """Two workers take the digest job at `when`; how many messages each team's target has then."""
        logs = [tmp_path / f"digest-{when[11:16].replace(':', '')}-{n}.log" for n in range(2)]
        finish([start(env, str(script), str(feeds), postgres_url, when, str(tmp_path / "home"), log=log)
                for log in logs], logs, timeout=120)
        return {name: len(hook.accepted) for name, hook in hooks.items()}

    try:
        # today (the items are real, stored now), in winter or summer time alike
        day = datetime.now(UTC).date().isoformat()
        # 05:00 UTC: every team had yesterday's digest (nothing in it): the day starts clean
        assert tick(f"{day}T05:00:00+00:00") == {"default": 0, "acme": 0, "initech": 0}
        add_items(postgres_url, feeds)
        # 07:31 (or 08:31 in summer) in Berlin: feeds.yaml's team (07:30), and only it
        assert tick(f"{day}T06:31:00+00:00") == {"default": 1, "acme": 0, "initech": 0}
        # 09:01 (10:01) in Berlin: acme's (09:00, Berlin)
        assert tick(f"{day}T08:01:00+00:00") == {"default": 1, "acme": 1, "initech": 0}
        # 07:01 (08:01) in New York: initech's (07:00, New York)
        assert tick(f"{day}T12:01:00+00:00") == {"default": 1, "acme": 1, "initech": 1}
        # later the same day: nobody gets a second one
        assert tick(f"{day}T16:00:00+00:00") == {"default": 1, "acme": 1, "initech": 1}

        said = {name: json.dumps(hook.accepted, ensure_ascii=False) for name, hook in hooks.items()}
        assert "sharedmark" in said["default"] and "acmemark" not in said["default"] \
            and "initechmark" not in said["default"]
        assert "sharedmark" in said["acme"] and "acmemark" in said["acme"] and "initechmark" not in said["acme"]
        assert "sharedmark" in said["initech"] and "initechmark" in said["initech"] and "acmemark" not in said["initech"]
        assert "acme own" in said["acme"] and "initech own" in said["initech"]
        acme_title, initech_title = hooks["acme"].accepted[0]["title"], hooks["initech"].accepted[0]["title"]
        assert any(w in acme_title for w in ("item", "change", "feature", "page")), acme_title     # English
        assert any(w in initech_title for w in ("Meldung", "nderung", "Funktion", "Reichweite", "Seite")), initech_title
    finally:
        for hook in hooks.values():
            hook.close()
    store = Store.open(postgres_url)
    try:          # the store's own record: one sent digest per team and target for the day
        for slug in ("acme", "initech"):
            assert store.sent_digests("chat", team_id=store.team(slug).id) == 1
        assert store.sent_digests("chat") == 1
    finally:
        store.close()
