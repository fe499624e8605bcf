"""Tag corrections per team (issue 17): a correction made by north changes the item's tags for north
alone (archive, API, `monitor items`, digest), never for south, and it survives later runs.

Real feeds on a loopback server, real `monitor run` subprocesses over a real SQLite file, the
correction made through the web archive's own form by a signed-in editor on a real uvicorn
server, the digest rendered as `monitor digest --team … --dry-run` prints it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from argon2 import PasswordHasher

from monitor.config import Config, Settings
from monitor.store import ItemQuery, Store
from monitor.web import create_app
from tests import team_world
from tests.servers import FeedServer, rss, running
from tests.test_team_web import csrf, sign_in

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
TIP = "Tipps für bessere Beiträge am Wochenende"
LEGAL = "legal_change"


def write(tmp: Path, web: FeedServer) -> None:
    (tmp / "feeds.yaml").write_text(
        "settings:\n  fetch:\n    retries: 0\n    interval: 1s\n"
        f"sources:\n  - name: Gemeinsam\n    url: {web.url('/shared.xml')}\n", encoding="utf-8")
    (tmp / "teams").mkdir()
    for team in ("north", "south"):
        (tmp / "teams" / f"{team}.yaml").write_text(
            "settings:\n  fetch:\n    interval: 1s\n  digest:\n    notify: [chat]\nnotify:\n  chat: json://127.0.0.1:9/\n"
            f"sources:\n  - name: {team} Quelle\n    url: {web.url('/shared.xml')}\n", encoding="utf-8")


def feed(*titles: str) -> str:
    return rss("Gemeinsam", [{"title": t, "link": f"http://127.0.0.1/c/{n}"} for n, t in enumerate(titles)])


def test_a_correction_by_one_team_holds_for_that_team_alone_and_survives_a_rerun(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    db = f"sqlite:///{tmp_path / 'home' / 'monitor.db'}"
    env.update(MONITOR_CONFIG=str(tmp_path / "feeds.yaml"), MONITOR_HOME=str(tmp_path / "home"), MONITOR_DB=db,
               PYTHONPATH=str(ROOT), NO_PROXY="127.0.0.1,localhost")

    def monitor(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "monitor", *args], env=env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    with FeedServer() as web:
        write(tmp_path, web)
        web.add("/shared.xml", feed(TIP))
        monitor("run", "-q")
        store = Store.open(db)
        try:
            north, south = store.team("north").id, store.team("south").id
            [item] = store.query_items(ItemQuery(team_id=north))
            assert item.title == TIP and item.tags == []                   # the model: a tip is no news
            hashed = PasswordHasher().hash(PASSWORD)
            team_world.person(store, "nora", hashed, {"north": "editor"})
            team_world.person(store, "sven", hashed, {"south": "editor"})
            app = create_app(Config(settings=Settings(), sources=[]), store, home=tmp_path / "home")

            with running(app) as client:               # north's editor corrects it through the archive's form
                sign_in(client, "nora", PASSWORD)
                answer = client.post(f"/items/{item.id}/tags", data={"csrf_token": csrf(client), "tag": LEGAL})
                assert answer.status_code == 303

            def seen_by(person: str) -> tuple[list[str], list[str], bool]:
                """(the item's tags in the API, the titles of ?tag=legal_change, whether the page lists it)."""
                with running(app) as client:
                    sign_in(client, person, PASSWORD)
                    [shown] = [it for it in client.get("/api/items").json() if it["id"] == item.id]
                    listed = [it["title"] for it in client.get(f"/api/items?tag={LEGAL}").json()]
                    page = client.get(f"/?tag={LEGAL}").text
                    return shown["tags"], listed, TIP in page

            def check() -> None:
                assert seen_by("nora") == ([LEGAL], [TIP], True)
                assert seen_by("sven") == ([], [], False)
                assert store.get_item(item.id, north).tags == [LEGAL]     # type: ignore[arg-type,union-attr]
                assert store.get_item(item.id, south).tags == []          # type: ignore[arg-type,union-attr]
                rows = {t: json.loads(monitor("items", "--team", t, "--format", "json")) for t in ("north", "south")}
                tip = {t: next(r for r in rows[t] if r["title"] == TIP) for t in rows}
                assert tip["north"]["tags"] == [LEGAL] and tip["south"]["tags"] == []
                digests = {t: monitor("digest", "--team", t, "--dry-run") for t in ("north", "south")}
                assert "Rechtsänderung" in digests["north"] and TIP in digests["north"]       # its subject counts it
                assert "Rechtsänderung" not in digests["south"] and TIP in digests["south"]

            check()
            # the feed comes again (with one more entry): the item is not stored anew, the correction holds
            web.add("/shared.xml", feed(TIP, "Noch ein Ratgeber für Bildformate"))
            before = len(web.requests)
            monitor("run", "-q")
            assert len(web.requests) > before                             # it was fetched again
            assert len(store.query_items(ItemQuery(team_id=north))) == 2
            check()
        finally:
            store.close()
