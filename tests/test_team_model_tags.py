"""A team's own model drives that team's tags (issue 17): after `monitor train --team north`, north sees
its model's tags in its items, filters, API, digest and alerts, for the items it already had and
for those `monitor run` stores later; south keeps the installation's tags; north's corrections
still come first.

Real feeds on a loopback server, real `monitor run` subprocesses over a real SQLite file, the
web archive on a real uvicorn server, a real webhook. The team model is trained by the real
`retrain_team` on a few examples of our own (seconds, not the minutes of the shipped data): in
them an invented word, "Zebrafunk", means a reach change, which the installation's model has
never heard of. The items name Instagram: one about no platform needs twice the reach threshold,
more than a model of 34 examples is sure of anything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from classifiers.training import Example
from monitor.config import Config, Settings, load_config
from monitor.item import Item
from monitor.store import ItemQuery, Store
from monitor.tell.deliver import Sender
from monitor.tell.digest import send_digest
from monitor.web import create_app
from tests import team_world
from tests.servers import FeedServer, Webhook, rss, running
from tests.test_team_web import sign_in

ROOT = Path(__file__).resolve().parent.parent
REACH = "algorithm_reach_change"
PASSWORD = "correct horse battery"


def few_examples() -> list[Example]:
    """Enough for every tag to have positives in each fold; the reach change says 'Zebrafunk'."""
    words = {"feature_rollout": ("Knopf", "Funktion"), "legal_change": ("Gericht", "Urteil"),
             REACH: ("Zebrafunk", "Reichweite")}
    out = [Example(title=f"Plattform meldet {a} und {b}, Folge {n}", summary=f"Mehr zu {a} und {b}.", lang="de",
                   tags=[tag]) for tag, (a, b) in words.items() for n in range(8)]
    out += [Example(title=f"Tipps für bessere Beiträge, Teil {n}", summary="Ein Ratgeber ohne Neuigkeit.",
                    lang="de", tags=[]) for n in range(10)]
    return out


def write(tmp: Path, web: FeedServer, hooks: dict[str, Webhook]) -> None:
    (tmp / "feeds.yaml").write_text(
        "settings:\n  fetch:\n    retries: 0\n    interval: 1s\n"
        f"sources:\n  - name: Gemeinsam\n    url: {web.url('/shared.xml')}\n", encoding="utf-8")
    (tmp / "teams").mkdir()
    for team in ("north", "south"):
        (tmp / "teams" / f"{team}.yaml").write_text(
            f"settings:\n  fetch:\n    interval: 1s\n  alerts:\n    - tags: [{REACH}]\n      notify: [chat]\n"
            f"  digest:\n    notify: [chat]\nnotify:\n  chat: {hooks[team].url}\n"
            f"sources:\n  - name: {team} Quelle\n    url: {web.url('/shared.xml')}\n", encoding="utf-8")


def entries(*titles: str) -> str:
    return rss("Gemeinsam", [{"title": t, "link": f"http://127.0.0.1/n/{n}"} for n, t in enumerate(titles)])


def tags_of(store: Store, team_id: int) -> dict[str, list[str]]:
    return {it.title: it.tags for it in store.query_items(ItemQuery(team_id=team_id))}


def titles(items: list[Item]) -> list[str]:
    return sorted(it.title for it in items)


def test_a_teams_model_gives_that_team_its_tags_now_and_for_new_items(tmp_path: Path, monkeypatch):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    db = f"sqlite:///{tmp_path / 'home' / 'monitor.db'}"
    env.update(MONITOR_CONFIG=str(tmp_path / "feeds.yaml"), MONITOR_HOME=str(tmp_path / "home"), MONITOR_DB=db,
               PYTHONPATH=str(ROOT), NO_PROXY="127.0.0.1,localhost")
    hooks = {team: Webhook() for team in ("north", "south")}

    def run() -> None:
        done = subprocess.run([sys.executable, "-m", "monitor", "run", "-q"], env=env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]

    try:
        with FeedServer() as web:
            write(tmp_path, web, hooks)
            first = ("Notizen zum Zebrafunk der Woche auf Instagram", "Tipps für bessere Beiträge")
            web.add("/shared.xml", entries(*first))
            run()
            store = Store.open(db)
            north, south = store.team("north").id, store.team("south").id
            assert tags_of(store, north) == tags_of(store, south) == {t: [] for t in first}   # the installation's
            assert not any(hook.accepted for hook in hooks.values())

            # `monitor train --team north`, on a few examples
            import monitor.tag.train as train
            monkeypatch.setattr(train, "load_examples", lambda *_files: few_examples())
            said = list(train.retrain_team(store, tmp_path / "home", north, "north"))
            assert any("Tagged the team's 2 items of the last 2 days" in line for line in said), said
            zebra = first[0]
            assert tags_of(store, north) == {zebra: [REACH], first[1]: []}
            assert tags_of(store, south) == {t: [] for t in first}              # south: unaffected
            assert titles(store.query_items(ItemQuery(tags=[REACH], team_id=north))) == [zebra]
            assert store.count_items(ItemQuery(tags=[REACH], team_id=north)) == 1
            assert store.query_items(ItemQuery(tags=[REACH], team_id=south)) == []
            assert store.count_items(ItemQuery(tagged_only=True, team_id=south)) == 0

            # the web archive and its API, signed in to each team
            hashed = PasswordHasher().hash(PASSWORD)
            team_world.person(store, "nora", hashed, {"north": "editor"})
            team_world.person(store, "sven", hashed, {"south": "editor"})
            app = create_app(Config(settings=Settings(), sources=[]), store, home=tmp_path / "home")
            for person, expected in (("nora", [zebra]), ("sven", [])):
                with running(app) as client:
                    sign_in(client, person, PASSWORD)
                    found = client.get(f"/api/items?tag={REACH}").json()
                    assert [it["title"] for it in found] == expected
                    every = {it["title"]: it["tags"] for it in client.get("/api/items").json()}
                    assert every[zebra] == ([REACH] if person == "nora" else [])
                    page = client.get(f"/?tag={REACH}").text
                    assert (zebra in page) == (person == "nora")

            # the digest: north's has the item under reach changes, south's does not
            for team, team_id in (("north", north), ("south", south)):
                config = load_config(tmp_path / "teams" / f"{team}.yaml")
                text: list[str] = []
                send_digest(store, config, Sender(), dry_run=True, team_id=team_id, echo=text.append)
                assert ("REICHWEITE & ALGORITHMUS" in text[0]) == (team == "north"), text[0]
                assert zebra in text[0]

            # new items stored by a later `monitor run` get north's model's tags, and its alerts go by them
            second = "Zweiter Zebrafunk-Bericht aus dem Instagram-Studio"
            web.add("/shared.xml", entries(*first, second))
            run()
            assert tags_of(store, north)[second] == [REACH]
            assert tags_of(store, south)[second] == []
            assert second in json.dumps(hooks["north"].accepted, ensure_ascii=False)
            assert hooks["south"].accepted == []

            # north's correction beats its model, for north alone; and it survives another run
            zebra_id = next(it.id for it in store.query_items(ItemQuery(team_id=north)) if it.title == zebra)
            assert zebra_id is not None
            store.correct_tags(zebra_id, ["feature_rollout"], "nora", team_id=north)
            assert tags_of(store, north)[zebra] == ["feature_rollout"]
            assert tags_of(store, south)[zebra] == []
            run()
            assert tags_of(store, north)[zebra] == ["feature_rollout"]
            store.close()
    finally:
        for hook in hooks.values():
            hook.close()


def test_the_overlay_and_corrections_in_filters_and_counts_on_both_databases(store: Store):
    """The store's reads (lists, tag filters, counts, 'tagged only') lay a team's model's tags over the
    installation's, and the team's corrections over both, for that team alone; on SQLite and PostgreSQL."""
    from datetime import UTC, datetime

    ids = team_world.teams(store, ("north", "south"))
    team_world.subscribe(store, {"north": ["Shared"], "south": ["Shared"]})
    now = datetime.now(UTC)
    items = [Item(source="Shared", title=f"Meldung {n}", url=f"https://x.example/{n}",
                  canonical_url=f"https://x.example/{n}", tags=tags, published=now)
             for n, tags in enumerate([["feature_rollout"], [], []])]
    store.add_items(items, now=now)
    a, b, c = (it.id for it in items)
    assert a is not None and b is not None and c is not None
    store.put_team_tags(ids["north"], {a: [], b: [REACH], c: [REACH]})      # north's model
    store.correct_tags(c, ["legal_change"], "nora", team_id=ids["north"])     # north's correction beats it

    def query(team: str, **filters) -> list[str]:
        return titles(store.query_items(ItemQuery(team_id=ids[team], **filters)))

    assert {it.title: it.tags for it in store.query_items(ItemQuery(team_id=ids["north"]))} == \
        {"Meldung 0": [], "Meldung 1": [REACH], "Meldung 2": ["legal_change"]}
    assert {it.title: it.tags for it in store.query_items(ItemQuery(team_id=ids["south"]))} == \
        {"Meldung 0": ["feature_rollout"], "Meldung 1": [], "Meldung 2": []}
    assert query("north", tags=[REACH]) == ["Meldung 1"]
    assert query("north", tags=["feature_rollout"]) == []
    assert query("north", tags=["legal_change"]) == ["Meldung 2"]
    assert query("south", tags=["feature_rollout"]) == ["Meldung 0"] and query("south", tags=[REACH]) == []
    assert store.count_items(ItemQuery(team_id=ids["north"], tagged_only=True)) == 2
    assert store.count_items(ItemQuery(team_id=ids["south"], tagged_only=True)) == 1
    assert store.count_items(ItemQuery(team_id=ids["north"], tags=[REACH])) == 1
    store.put_team_tags(ids["north"], {b: []})                                # the model retrained: replaced
    assert query("north", tags=[REACH]) == []


@pytest.mark.postgres
def test_workers_store_new_items_with_the_teams_model_tags(tmp_path: Path, postgres_url: str, monkeypatch):
    """The same on PostgreSQL with `monitor worker --once`: the worker loads north's model from the
    database, stores north's tags for the new items and alerts north by them; south is unaffected."""
    pytest.importorskip("procrastinate")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(MONITOR_CONFIG=str(tmp_path / "feeds.yaml"), MONITOR_HOME=str(tmp_path / "home"),
               MONITOR_DB=postgres_url, PYTHONPATH=str(ROOT), NO_PROXY="127.0.0.1,localhost")
    hooks = {team: Webhook() for team in ("north", "south")}

    def monitor(*args: str) -> None:
        done = subprocess.run([sys.executable, "-m", "monitor", *args], env=env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]

    try:
        with FeedServer() as web:
            write(tmp_path, web, hooks)
            zebra, tip = "Notizen zum Zebrafunk der Woche auf Instagram", "Tipps für bessere Beiträge"
            web.add("/shared.xml", entries(zebra, tip))
            monitor("config", "apply")
            store = Store.open(postgres_url)
            try:
                north, south = store.team("north").id, store.team("south").id
                import monitor.tag.train as train
                monkeypatch.setattr(train, "load_examples", lambda *_files: few_examples())
                list(train.retrain_team(store, tmp_path / "home", north, "north"))
                monitor("worker", "--once")
                assert tags_of(store, north) == {zebra: [REACH], tip: []}
                assert tags_of(store, south) == {zebra: [], tip: []}
                assert titles(store.query_items(ItemQuery(tags=[REACH], team_id=north))) == [zebra]
            finally:
                store.close()
        alerts = {t: [p for p in hook.accepted if not p["message"].startswith("LAGEBILD")] for t, hook in hooks.items()}
        assert [p["title"] for p in alerts["north"]] == [f"Reichweite & Algorithmus: {zebra}"]   # not the digests
        assert alerts["south"] == []
    finally:
        for hook in hooks.values():
            hook.close()


def test_a_plain_feeds_yaml_whose_team_trained_its_own_model_gets_its_tags_for_new_items(tmp_path: Path,
                                                                                          monkeypatch):
    """Without teams/, `monitor train --team default` makes feeds.yaml's team see its model's tags: for
    the items it had, and for those the next `monitor run` stores (and its alerts go by them)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    db = f"sqlite:///{tmp_path / 'home' / 'monitor.db'}"
    env.update(MONITOR_CONFIG=str(tmp_path / "feeds.yaml"), MONITOR_HOME=str(tmp_path / "home"), MONITOR_DB=db,
               PYTHONPATH=str(ROOT), NO_PROXY="127.0.0.1,localhost")
    hook = Webhook()

    def monitor(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "monitor", *args], env=env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    try:
        with FeedServer() as web:
            (tmp_path / "feeds.yaml").write_text(
                f"settings:\n  fetch:\n    retries: 0\n  alerts:\n    - tags: [{REACH}]\n      notify: [chat]\n"
                f"notify:\n  chat: {hook.url}\nsources:\n  - name: Gemeinsam\n    url: {web.url('/shared.xml')}\n",
                encoding="utf-8")
            zebra, later = "Notizen zum Zebrafunk der Woche auf Instagram", "Zweiter Zebrafunk-Bericht aus dem Instagram-Studio"
            web.add("/shared.xml", entries(zebra))
            monitor("run", "-q")
            store = Store.open(db)
            try:
                import monitor.tag.train as train
                monkeypatch.setattr(train, "load_examples", lambda *_files: few_examples())
                list(train.retrain_team(store, tmp_path / "home", store.team("default").id, "default"))
            finally:
                store.close()
            web.add("/shared.xml", entries(zebra, later))
            monitor("run", "-q")
        rows = {r["title"]: r["tags"] for r in json.loads(monitor("items", "--format", "json"))}
        assert rows == {zebra: [REACH], later: [REACH]}
        assert [p["title"] for p in hook.accepted] == [f"Reichweite & Algorithmus: {later}"]
    finally:
        hook.close()
