"""Teams in the web archive (issue 17): signing in per team, switching teams, roles, the admin page,
and tag corrections that hold for one team only. A real uvicorn server over real SQLite and
PostgreSQL databases."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher

from monitor.config import Config, Settings, Source, User, WebSettings
from monitor.item import Item
from monitor.store import ItemQuery, Store
from monitor.watch.urls import canonical_url
from monitor.web import create_app
from tests import team_world
from tests.servers import running

NOW = datetime.now(UTC).replace(microsecond=0)
PASSWORD = "correct horse battery"
HASH = PasswordHasher().hash(PASSWORD)


def _item(source: str, n: int, tags: list[str]) -> Item:
    url = f"https://example.org/{source.replace(' ', '-')}/{n}"
    return Item(source=source, title=f"Meldung {n} aus {source}", url=url, canonical_url=canonical_url(url),
                summary="", published=NOW - timedelta(hours=n), lang="de", tags=tags,
                scores={t: 0.9 for t in tags}, platforms=["tiktok"])


@pytest.fixture(params=["sqlite_store", "postgres_store"], ids=["sqlite", "postgresql"])
def store(request) -> Store:
    """Teams north and south: a shared source and one private source each; people with roles."""
    st: Store = request.getfixturevalue(request.param)
    ids = team_world.teams(st, ("north", "south"))
    team_world.subscribe(st, {"north": ["Shared", "North only"], "south": ["Shared", "South only"]})
    st.add_items([_item("Shared", 1, ["feature_rollout"]), _item("North only", 2, []), _item("South only", 3, [])],
                 now=NOW)
    team_world.person(st, "vera", HASH, {"north": "viewer"})
    team_world.person(st, "eddi", HASH, {"north": "editor", "south": "viewer"})
    team_world.person(st, "ada", HASH, {"north": "admin"})
    st.team_ids = ids           # type: ignore[attr-defined]
    return st


def app_for(store: Store, tmp_path: Path, **settings) -> object:
    return create_app(Config(settings=Settings(**settings), sources=[]), store, home=tmp_path / "home")


def csrf(client, path: str = "/") -> str:
    page = client.get(path)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


def sign_in(client, name: str, password: str = PASSWORD) -> None:
    token = csrf(client, "/login")
    answer = client.post("/login", data={"csrf_token": token, "name": name, "password": password, "next": "/"})
    assert answer.status_code == 303, answer.text


def shared_id(store: Store) -> int:
    return next(it.id for it in store.query_items(ItemQuery()) if it.source == "Shared")  # type: ignore[misc]


def test_people_sign_in_to_their_team_and_see_its_items(store: Store, tmp_path: Path):
    with running(app_for(store, tmp_path)) as client:
        assert client.get("/", follow_redirects=False).status_code == 303     # login is on: people exist
        sign_in(client, "vera")
        page = client.get("/").text
        assert "North only" in page and "South only" not in page
        assert 'action="/team"' not in page            # one team: no switcher
        assert client.post("/login", data={"name": "vera", "password": "wrong"}).status_code == 403  # no CSRF


def test_a_person_in_two_teams_switches_between_them(store: Store, tmp_path: Path):
    with running(app_for(store, tmp_path)) as client:
        sign_in(client, "eddi")
        page = client.get("/").text
        assert 'action="/team"' in page and "North only" in page and "South only" not in page
        token = csrf(client)
        answer = client.post("/team", data={"csrf_token": token, "team": "south", "next": "/"})
        assert answer.status_code == 303
        page = client.get("/").text
        assert "South only" in page and "North only" not in page
        assert client.post("/team", data={"csrf_token": token, "team": "default"}).status_code == 403
        assert client.post("/team", data={"team": "north"}).status_code == 403          # no CSRF token


def test_a_viewer_cannot_correct_tags_an_editor_can_for_the_team_alone(store: Store, tmp_path: Path):
    item = shared_id(store)
    with running(app_for(store, tmp_path)) as client:
        sign_in(client, "vera")
        page = client.get(f"/items/{item}").text
        assert f'action="/items/{item}/tags"' not in page              # no form for a viewer
        token = csrf(client)
        refused = client.post(f"/items/{item}/tags", data={"csrf_token": token, "tag": "legal_change"})
        assert refused.status_code == 403
        assert client.post("/seen", data={"csrf_token": token, "next": "/"}).status_code == 403
    with running(app_for(store, tmp_path)) as client:
        sign_in(client, "eddi")
        token = csrf(client)
        done = client.post(f"/items/{item}/tags", data={"csrf_token": token, "tag": "legal_change"})
        assert done.status_code == 303
        assert client.get("/api/items?tag=legal_change").json()[0]["id"] == item
    north, south = store.team_ids["north"], store.team_ids["south"]   # type: ignore[attr-defined]
    assert store.get_item(item, north).tags == ["legal_change"]        # type: ignore[union-attr]
    assert store.get_item(item, south).tags == ["feature_rollout"]     # type: ignore[union-attr]
    assert [it.id for it in store.query_items(ItemQuery(tags=["legal_change"], team_id=south))] == []
    assert [it.id for it in store.query_items(ItemQuery(tags=["feature_rollout"], team_id=north))] == []
    assert [it.id for it in store.query_items(ItemQuery(tags=["feature_rollout"], team_id=south))] == [item]
    assert [c[1] for c in store.corrections(north)] == [["legal_change"]] and store.corrections(south) == []


def test_only_an_admin_opens_the_admin_page_and_adds_people_and_teams(store: Store, tmp_path: Path):
    with running(app_for(store, tmp_path)) as client:
        sign_in(client, "eddi")
        assert client.get("/admin").status_code == 403
        token = csrf(client)
        assert client.post("/admin/people", data={"csrf_token": token, "name": "x", "role": "admin",
                                                  "password": "long enough pw"}).status_code == 403
    with running(app_for(store, tmp_path)) as client:
        sign_in(client, "ada")
        page = client.get("/admin")
        assert page.status_code == 200 and "vera" in page.text and "eddi" in page.text
        token = csrf(client, "/admin")
        short = client.post("/admin/people", data={"csrf_token": token, "name": "neu", "role": "editor",
                                                   "password": "short"})
        assert short.status_code == 400
        added = client.post("/admin/people", data={"csrf_token": token, "name": "neu", "role": "editor",
                                                   "password": "a long new password"})
        assert added.status_code == 303
        # a client team's admin makes no teams (nor the team a later teams/<slug>.yaml is applied to),
        # and sees only her own
        assert 'action="/admin/teams"' not in page.text and "south" not in page.text
        assert client.post("/admin/teams", data={"csrf_token": token, "slug": "west"}).status_code == 403
        assert store.team_by_slug("west") is None
    with running(app_for(store, tmp_path)) as client:
        sign_in(client, "neu", "a long new password")
        assert "North only" in client.get("/").text
    team_world.person(store, "root", HASH, {"default": "admin"})
    with running(app_for(store, tmp_path)) as client:
        sign_in(client, "root")                      # the installation's own team makes teams and sees them all
        page = client.get("/admin").text
        assert 'action="/admin/teams"' in page and "south" in page and "north" in page
        token = csrf(client, "/admin")
        made = client.post("/admin/teams", data={"csrf_token": token, "slug": "west", "name": "Team West"})
        assert made.status_code == 303
        assert client.post("/admin/teams", data={"csrf_token": token, "slug": "West!"}).status_code == 400
        assert client.post("/admin/teams", data={"csrf_token": token, "slug": "west"}).status_code == 409
        assert 'action="/team"' in client.get("/").text            # root is now in two teams


def test_with_one_team_the_archive_looks_as_before(sqlite_store: Store, tmp_path: Path):
    sqlite_store.sync_sources([Source(name="Solo", url="https://solo.example/feed")])
    sqlite_store.add_items([_item("Solo", 1, [])], now=NOW)
    users = [User(name="anna", password_hash=HASH)]
    with running(app_for(sqlite_store, tmp_path, web=WebSettings(users=users))) as client:
        sign_in(client, "anna")
        page = client.get("/").text
        assert "Solo" in page and 'action="/team"' not in page and 'href="/admin"' not in page
        item = sqlite_store.query_items(ItemQuery())[0].id
        token = csrf(client)
        assert client.post(f"/items/{item}/tags", data={"csrf_token": token, "tag": "legal_change"}).status_code == 303
    assert sqlite_store.query_items(ItemQuery(tags=["legal_change"]))[0].id == item


def test_each_team_reads_the_archive_in_its_own_language(store: Store, tmp_path: Path):
    configs = {"south": Config(settings=Settings(language="en"), sources=[])}
    app = create_app(Config(settings=Settings(language="de"), sources=[]), store, home=tmp_path / "home",
                     team_configs=configs)
    with running(app) as client:
        sign_in(client, "eddi")
        assert "Abmelden" in client.get("/").text
        client.post("/team", data={"csrf_token": csrf(client), "team": "south", "next": "/"})
        page = client.get("/").text
        assert "Sign out" in page and 'lang="en"' in page


def test_the_admin_page_without_personal_accounts_says_how_to_make_the_first(sqlite_store: Store, tmp_path: Path):
    """Open, or behind one shared password, there is no admin to ask: the page says how to create one;
    a signed-in editor is told to ask the team's admins."""
    config = Config(settings=Settings(), sources=[])
    with running(create_app(config, sqlite_store, home=tmp_path / "open")) as client:
        page = client.get("/admin")
        assert page.status_code == 403 and "monitor user add" in page.text and "Fragen Sie" not in page.text
    with running(create_app(config, sqlite_store, home=tmp_path / "shared", password="the shared one")) as client:
        sign_in(client, "", "the shared one")
        page = client.get("/admin")
        assert page.status_code == 403 and "monitor user add" in page.text
    team_world.teams(sqlite_store, ("north",))
    team_world.person(sqlite_store, "eddi", HASH, {"north": "editor"})
    with running(app_for(sqlite_store, tmp_path)) as client:
        sign_in(client, "eddi")
        page = client.get("/admin")
        assert page.status_code == 403 and "Fragen Sie" in page.text and "monitor user add" not in page.text


def test_a_person_a_team_admin_names_like_a_feeds_yaml_user_gets_only_that_team(store: Store, tmp_path: Path):
    """ada (admin of north) creates "anna", the name of a feeds.yaml user not yet in the database, with a
    password ada chose: signed in with it, anna is in north alone, not in feeds.yaml's team as its admin."""
    config = Config(settings=Settings(web=WebSettings(users=[User(name="anna", password_hash=HASH)])), sources=[])
    with running(create_app(config, store, home=tmp_path / "home")) as client:
        sign_in(client, "ada")
        token = csrf(client, "/admin")
        made = client.post("/admin/people", data={"csrf_token": token, "name": "anna", "role": "viewer",
                                                  "password": "chosen by ada"})
        assert made.status_code == 303
    with running(create_app(config, store, home=tmp_path / "home")) as client:
        sign_in(client, "anna", "chosen by ada")
        page = client.get("/").text
        assert "North only" in page and 'action="/team"' not in page, "north alone: no team to switch to"
        assert client.get("/admin").status_code == 403
    with running(create_app(config, store, home=tmp_path / "home")) as client:
        sign_in(client, "anna")               # feeds.yaml's anna, with her own password
        assert 'action="/team"' in client.get("/").text      # feeds.yaml's team, and north (ada added her)


def test_the_shared_password_opens_feeds_yaml_team_alone(store: Store, tmp_path: Path):
    """A person of another team who has no password of their own, signing in with the shared password
    under their name, gets feeds.yaml's team only."""
    team_world.person(store, "carol", None, {"south": "editor"})       # type: ignore[arg-type]
    config = Config(settings=Settings(), sources=[])
    with running(create_app(config, store, home=tmp_path / "home", password="the shared password")) as client:
        sign_in(client, "carol", "the shared password")
        page = client.get("/").text
        assert "South only" not in page and 'action="/team"' not in page
        assert all(r["source"] != "South only" for r in client.get("/api/items?all=1").json())


def test_signing_out_or_a_new_password_ends_the_session_on_the_server(store: Store, tmp_path: Path):
    """A copy of a session cookie (a shared computer, a stolen laptop's profile) stops working once its
    owner signs out, and every session of a person ends when their password changes."""
    with running(app_for(store, tmp_path)) as client:
        sign_in(client, "eddi")
        item = shared_id(store)
        token = csrf(client)
        copied = httpx.Client(base_url=client.base_url, cookies=dict(client.cookies), timeout=15)
        assert copied.get("/api/items").status_code == 200
        assert client.post("/logout", data={"csrf_token": token}).status_code == 303
        assert copied.get("/api/items").status_code == 401
        assert copied.post(f"/items/{item}/tags", data={"csrf_token": token, "tag": "legal_change"},
                           follow_redirects=False).status_code in (303, 403)
        copied.close()
        assert store.corrections(store.team_ids["north"]) == []      # type: ignore[attr-defined]
        sign_in(client, "vera")
        other = httpx.Client(base_url=client.base_url, cookies=dict(client.cookies), timeout=15)
        store.set_member("north", "vera", "viewer", PasswordHasher().hash("a brand new password"))
        assert other.get("/api/items").status_code == 401, "the old password's sessions end"
        other.close()
        sign_in(client, "vera", "a brand new password")
        assert client.get("/api/items").status_code == 200
        store.set_member("north", "vera", "editor")                  # a new role keeps the sessions
        assert client.get("/api/items").status_code == 200
