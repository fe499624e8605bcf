"""Isolation of teams (issue 17): three teams share common sources and each has private ones; no
output a team can reach shows an item of a source it does not subscribe to.

Checked on real SQLite files and the real PostgreSQL: the archive page, an item page and its
story cluster ("also reported by"), search, `/api/items` (its pages and `?all=1`), `/feed.xml`,
the CSV and JSON exports, `/trends` and `/trends/items`, the digest, the alerts, and
`monitor items --team`. Every item's title carries a marker naming whose source it came from,
so a leak shows as a foreign marker anywhere in an answer's text; and every check also
asserts that the team's own items are there, so an empty answer cannot pass.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner

from monitor.config import Config, DigestSettings, Settings, Source, WebSettings
from monitor.item import Item
from monitor.store import Store
from monitor.tell import alerts, team_alerts
from monitor.tell.deliver import Sender
from monitor.tell.digest import send_digest
from monitor.watch.urls import canonical_url
from monitor.web import create_app
from tests import team_world
from tests.servers import Webhook, running

NOW = datetime.now(UTC).replace(microsecond=0)
TEAMS = ("alpha", "beta", "gamma")
PASSWORD = "correct horse battery"
ALPHA_LABEL = "Wettbewerber von Kunde Alpha"
MARK = re.compile(r"\b(shared|alpha|beta|gamma)mark\d+")


@dataclass
class World:
    store: Store
    ids: dict[str, int]                      # team slug -> team id
    private: dict[str, list[str]]            # team slug -> its private source names
    shared: list[str]
    items: dict[str, list[int]]              # "shared" / slug -> item ids from those sources
    story: dict[str, int]                    # slug -> the private item that joined the shared story
    shared_story: int                        # the shared item of that story


def item(source: str, owner: str, n: int, *, hours: float, title: str | None = None, summary: str = "") -> Item:
    url = f"https://{owner}.example/{source.replace(' ', '-')}/{n}"
    return Item(source=source, title=title or f"{owner}mark{n} Neuigkeit {n} von {source}", url=url,
                canonical_url=canonical_url(url), summary=summary or f"{owner}mark{n} Zusammenfassung",
                published=NOW - timedelta(hours=hours), lang="de", tags=["feature_rollout"] if n % 2 else [],
                scores={"feature_rollout": 0.9 if n % 2 else 0.1}, platforms=["instagram"])


def build(store: Store, shared: int = 12, private: int = 5, per_source: int = 2) -> World:
    """Three teams; `shared` sources all three subscribe to, `private` sources each; items in all of
    them; one story reported by a shared source and by every team's private source; and a term
    ("zylofant") rising across alpha's private sources alone."""
    shared_names = [f"Shared {n}" for n in range(shared)]
    private_names = {slug: [f"{slug.title()} Private {n}" for n in range(private)] for slug in TEAMS}
    ids = team_world.teams(store, TEAMS)
    team_world.subscribe(store, {slug: shared_names + private_names[slug] for slug in TEAMS})
    # alpha calls a shared source by a name of its own: the others must never see that name.
    team_world.rename(store, "alpha", shared_names[2], ALPHA_LABEL)
    batch: list[Item] = []
    owners: list[str] = []
    counter = 0
    for name in shared_names:
        for _ in range(per_source):
            counter += 1
            batch.append(item(name, "shared", counter, hours=counter % 100 + 1))
            owners.append("shared")
    for slug in TEAMS:
        for name in private_names[slug]:
            for _ in range(per_source):
                counter += 1
                batch.append(item(name, slug, counter, hours=counter % 100 + 1))
                owners.append(slug)
    # One story: the same title from a shared source and from each team's private source.
    story_title = "Instagram stellt Broadcast-Kanäle für alle Konten bereit"
    batch.append(item(shared_names[0], "shared", 90001, hours=3, title=story_title + " sharedmark90001"))
    owners.append("shared")
    for k, slug in enumerate(TEAMS):
        batch.append(item(private_names[slug][0], slug, 90002 + k, hours=2 - k * 0.1,
                          title=story_title + f" {slug}mark{90002 + k}"))
        owners.append(slug)
    # A term rising across alpha's private sources only (three sources: enough for a trend).
    for k, name in enumerate(private_names["alpha"][:4]):
        for j in range(3):
            batch.append(item(name, "alpha", 95000 + 10 * k + j, hours=5 + j,
                              title=f"Zylofant-Funktion startet alphamark{95000 + 10 * k + j}",
                              summary="Zylofant Zylofant neue Funktion"))
            owners.append("alpha")
    added = store.add_items(batch, now=NOW)
    assert len(added) == len(batch)
    items: dict[str, list[int]] = {"shared": [], **{slug: [] for slug in TEAMS}}
    for it, owner in zip(batch, owners, strict=True):
        assert it.id is not None
        items[owner].append(it.id)
    by_title = {it.title: it for it in batch}
    story = {slug: by_title[story_title + f" {slug}mark{90002 + k}"].id for k, slug in enumerate(TEAMS)}
    shared_story = by_title[story_title + " sharedmark90001"]
    clusters = {by_title[story_title + f" {slug}mark{90002 + k}"].cluster for k, slug in enumerate(TEAMS)}
    assert clusters == {shared_story.cluster}, "the story's reports must share one cluster for this test to mean anything"
    private_names["alpha"].append(ALPHA_LABEL)         # the name checks below look for it too
    return World(store, ids, private_names, shared_names, items, story, shared_story.id)  # type: ignore[arg-type]


def marks(text: str) -> set[str]:
    """The owners named by the markers in `text` (shared, alpha, beta, gamma)."""
    return {m.group(1) for m in MARK.finditer(text)}


def assert_only(text: str, slug: str, what: str) -> None:
    found = marks(text)
    foreign = found - {"shared", slug}
    assert not foreign, f"{what} of team {slug} shows items of {sorted(foreign)}"
    assert slug in found or "shared" in found, f"{what} of team {slug} shows nothing: the check would be empty"


@pytest.fixture(params=["sqlite_store", "postgres_store"], ids=["sqlite", "postgresql"])
def world(request) -> World:
    return build(request.getfixturevalue(request.param))


def config_for(slug: str, world: World, *, notify: dict[str, str] | None = None, alert: bool = False) -> Config:
    names = world.shared + world.private[slug]
    sources = [Source(name=n, url=f"https://{n.replace(' ', '-').lower()}.example/feed", category="platform",
                      language="de") for n in names]
    settings = Settings(language="de", digest=DigestSettings(notify=list(notify or {})),
                        alerts=[{"notify": list(notify or {})}] if alert and notify else [],
                        web=WebSettings())
    return Config(settings=settings, notify=dict(notify or {}), sources=sources)


# ---------------------------------------------------------------------- the store and the commands

def test_every_store_read_for_a_team_holds_only_its_sources_items(world: World):
    from monitor.store import ItemQuery

    store = world.store
    for slug in TEAMS:
        team = world.ids[slug]
        allowed = set(world.items["shared"]) | set(world.items[slug])
        found = store.query_items(ItemQuery(team_id=team))
        assert {it.id for it in found} == allowed
        walked = [it.id for batch in store.walk_items(ItemQuery(team_id=team)) for it in batch]
        assert set(walked) == allowed
        others = [i for s in TEAMS if s != slug for i in world.items[s]]
        assert store.items_by_ids(others, team) == []
        assert store.get_item(others[0], team) is None
        assert store.get_item(world.items[slug][0], team) is not None
        reports = store.story_reports([store.get_item(world.shared_story).cluster], team)   # type: ignore[union-attr]
        assert {r.id for rs in reports.values() for r in rs} == {world.shared_story, world.story[slug]}
        total, stories = store.count_stories(ItemQuery(team_id=team))
        assert total == len(allowed)


def test_search_finds_another_teams_item_for_nobody_else(world: World):
    from monitor.store import ItemQuery

    alpha_only = "alphamark95000"
    assert world.store.query_items(ItemQuery(q=alpha_only, team_id=world.ids["alpha"]))
    for slug in ("beta", "gamma"):
        assert world.store.query_items(ItemQuery(q=alpha_only, team_id=world.ids[slug])) == []
        assert world.store.query_items(ItemQuery(q="Zylofant", team_id=world.ids[slug])) == []


def test_trends_rise_across_a_teams_own_sources_only(world: World):
    from monitor.trends.rising import compute_trends

    alpha = compute_trends(world.store, days=7, now=NOW + timedelta(minutes=1), team_id=world.ids["alpha"])
    assert any("zylofant" in t.term.lower() for t in alpha), [t.term for t in alpha]
    for slug in ("beta", "gamma"):
        trends = compute_trends(world.store, days=7, now=NOW + timedelta(minutes=1), team_id=world.ids[slug])
        assert not any("zylofant" in t.term.lower() for t in trends)
        ids = {i for t in trends for i in t.item_ids}
        assert ids <= set(world.items["shared"]) | set(world.items[slug])


def test_monitor_items_with_team_lists_the_teams_items_alone(world: World, tmp_path: Path, monkeypatch):
    from monitor.cli import cli

    monkeypatch.chdir(tmp_path)
    url = world.store.engine.url.render_as_string(hide_password=False)
    for slug in TEAMS:
        for fmt in ("json", "csv", "table"):
            result = CliRunner().invoke(cli, ["items", "--team", slug, "--format", fmt, "--db", url])
            assert result.exit_code == 0, result.output
            assert_only(result.output, slug, f"monitor items --format {fmt}")
        rows = json.loads(CliRunner().invoke(cli, ["items", "--team", slug, "--format", "json", "--db", url]).output)
        assert {r["id"] for r in rows} == set(world.items["shared"]) | set(world.items[slug])
    result = CliRunner().invoke(cli, ["items", "--team", "nobody", "--db", url])
    assert result.exit_code == 2 and "there is no team" in result.output


def test_the_digest_of_a_team_holds_its_items_and_names_its_sources_only(world: World, tmp_path: Path):
    for slug in TEAMS:
        out = tmp_path / f"digest-{slug}.html"
        report = send_digest(world.store, config_for(slug, world), Sender(), output=out, now=NOW,
                             team_id=world.ids[slug])
        assert report.exit_code == 0
        text = out.read_text(encoding="utf-8")
        assert_only(text, slug, "the digest")
        for other in TEAMS:
            if other != slug:
                assert not any(name in text for name in world.private[other]), f"{slug}'s digest names {other}'s source"


def test_digests_are_kept_per_team_target_and_period(world: World):
    hooks = {slug: Webhook() for slug in TEAMS}
    try:
        for slug in TEAMS:
            cfg = config_for(slug, world, notify={"team-chat": hooks[slug].url})
            report = send_digest(world.store, cfg, Sender(), now=NOW, team_id=world.ids[slug], period="2026-12-03")
            assert report.exit_code == 0, report.lines
            again = send_digest(world.store, cfg, Sender(), now=NOW, team_id=world.ids[slug], period="2026-12-03")
            assert again.sent == {}
        for slug in TEAMS:
            assert len(hooks[slug].accepted) >= 1
            assert_only(json.dumps(hooks[slug].accepted, ensure_ascii=False), slug, "the sent digest")
    finally:
        for hook in hooks.values():
            hook.close()


def test_alerts_go_to_the_teams_own_targets_with_its_items_only(world: World):
    store = world.store
    hooks = {slug: Webhook() for slug in TEAMS}
    try:
        fresh = []
        topics = {"shared": "Kanalstatistik erweitert", "alpha": "Werbekonto gesperrt",
                  "beta": "Livestream-Limit angehoben", "gamma": "Hashtag-Suche entfernt"}
        for slug in ("shared", *TEAMS):
            source = world.shared[1] if slug == "shared" else world.private[slug][1]
            n = 97000 + len(fresh)
            fresh.append(item(source, slug, n, hours=0.5, title=f"{topics[slug]} {slug}mark{n}"))
        # Every team names its alert target "team-chat": the same name, three different chats.
        configs = [(slug, config_for(slug, world, notify={"team-chat": hooks[slug].url}, alert=True))
                   for slug in TEAMS]
        routes = team_alerts.team_routes(store, configs)
        store.add_items(fresh, team_alerts.route_teams(fresh, routes), now=NOW)
        # A sender that knows no team (feeds.yaml's "team-chat") sends none of the teams' alerts.
        stranger = Webhook()
        try:
            plain = config_for("alpha", world, notify={"team-chat": stranger.url}, alert=True)
            assert alerts.deliver_due(store, plain, Sender(), now=NOW + timedelta(minutes=1)).sent == 0
            assert stranger.accepted == []
        finally:
            stranger.close()
        report = team_alerts.deliver_teams(store, routes, Sender(), now=NOW + timedelta(minutes=1))
        assert not report.failed and report.sent == 6, report.lines      # shared to three, one private each
        assert store.due_alerts(now=NOW + timedelta(minutes=2)) == {}
        for slug in TEAMS:
            text = json.dumps(hooks[slug].accepted, ensure_ascii=False)
            assert f"{slug}mark" in text and "sharedmark" in text
            assert_only(text, slug, "the alerts")
    finally:
        for hook in hooks.values():
            hook.close()


# ---------------------------------------------------------------------- the web

def people(world: World) -> None:
    hashed = PasswordHasher().hash(PASSWORD)
    for slug in TEAMS:
        team_world.person(world.store, f"{slug}-reader", hashed, {slug: "viewer"})


def sign_in(client, name: str) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)   # type: ignore[union-attr]
    answer = client.post("/login", data={"csrf_token": token, "name": name, "password": PASSWORD, "next": "/"})
    assert answer.status_code == 303 and answer.headers["location"] == "/", answer.text


def team_outputs(client, world: World, slug: str) -> dict[str, str]:
    """The text of every output a team's person can open."""

    def get(client, url: str) -> str:
        answer = client.get(url, follow_redirects=True)
        assert answer.status_code == 200, (url, answer.status_code)
        return answer.text

    out = {
        "archive": get(client, "/"),
        "archive tagged": get(client, "/?tag=feature_rollout"),
        "archive new": get(client, "/?view=new"),
        "search": get(client, "/?q=Broadcast-Kan%C3%A4le"),
        "api": get(client, "/api/items?limit=1000"),
        "api all": get(client, "/api/items?all=1"),
        "feed": get(client, "/feed.xml?limit=1000"),
        "csv": get(client, "/export.csv"),
        "json": get(client, "/export.json"),
        "shared story": get(client, f"/items/{world.shared_story}"),
        "trends": get(client, "/trends"),
        "sources": get(client, "/sources"),
    }
    links = re.findall(r'href="(/trends/items\?[^"]+)"', out["trends"])
    for n, link in enumerate(links[:10]):
        out[f"trend list {n}"] = get(client, link.replace("&amp;", "&"))
    return out


def test_no_page_api_feed_or_export_shows_another_teams_item(world: World, tmp_path: Path):
    people(world)
    app = create_app(Config(settings=Settings(), sources=[]), world.store, home=tmp_path / "home")
    for slug in TEAMS:
        with running(app) as client:
            sign_in(client, f"{slug}-reader")
            for what, text in team_outputs(client, world, slug).items():
                if what.startswith("trend list") or what in ("trends", "sources"):
                    foreign = marks(text) - {"shared", slug}
                    assert not foreign, f"{what} of {slug} shows {foreign}"
                else:
                    assert_only(text, slug, what)
                for other in TEAMS:
                    if other != slug:
                        assert not any(name in text for name in world.private[other]), \
                            f"{what} of {slug} names a private source of {other}"
            api = json.loads(client.get("/api/items?all=1").text)
            assert {r["id"] for r in api} == set(world.items["shared"]) | set(world.items[slug])
            renamed = {r["source"] for r in api if r["url"].startswith("https://shared.example/Shared-2/")}
            assert renamed == ({ALPHA_LABEL} if slug == "alpha" else {world.shared[2]})
            story = client.get(f"/items/{world.shared_story}").text
            assert f"/items/{world.story[slug]}" in story          # its own report of the story is listed
            for other in TEAMS:
                if other != slug:
                    assert client.get(f"/items/{world.story[other]}").status_code == 404
                    assert client.get(f"/items/{world.items[other][0]}").status_code == 404
            if slug == "alpha":
                assert "zylofant" in client.get("/trends").text.lower()
            assert world.private[slug][0] in client.get("/sources").text


def test_a_teams_feed_token_opens_that_teams_feed_alone(world: World, tmp_path: Path):
    people(world)
    tokens = {slug: f"feed-token-of-{slug}-0123456789" for slug in TEAMS}
    configs = {slug: Config(settings=Settings(web=WebSettings(rss_token=tokens[slug])), sources=[]) for slug in TEAMS}
    app = create_app(Config(settings=Settings(), sources=[]), world.store, home=tmp_path / "home", team_configs=configs)
    with running(app) as client:
        assert client.get("/feed.xml").status_code == 401
        assert client.get("/feed.xml?token=wrong").status_code == 401
        for slug in TEAMS:
            answer = client.get(f"/feed.xml?token={tokens[slug]}&limit=1000")
            assert answer.status_code == 200
            assert_only(answer.text, slug, "the feed read with the team's token")
            assert client.get(f"/api/items?token={tokens[slug]}").status_code == 401    # the token opens the feed only


@pytest.fixture(params=["sqlite_store", "postgres_store"], ids=["sqlite", "postgresql"])
def full_world(request) -> World:
    """The issue's size: 1,000 shared sources and 200 private ones for each of the three teams."""
    return build(request.getfixturevalue(request.param), shared=1000, private=200, per_source=1)


def test_at_full_size_no_team_reads_another_teams_item(full_world: World, tmp_path: Path):
    from monitor.store import ItemQuery

    world = full_world
    people(world)
    app = create_app(Config(settings=Settings(), sources=[]), world.store, home=tmp_path / "home")
    for slug in TEAMS:
        allowed = set(world.items["shared"]) | set(world.items[slug])
        assert {it.id for it in world.store.query_items(ItemQuery(team_id=world.ids[slug]))} == allowed
        found = world.store.query_items(ItemQuery(q="Neuigkeit", team_id=world.ids[slug]))
        assert {it.id for it in found} <= allowed and len(found) == 1000 + 200       # one item per source
        with running(app) as client:
            sign_in(client, f"{slug}-reader")
            api = client.get("/api/items?all=1").json()
            assert {r["id"] for r in api} == allowed
            assert_only(client.get("/feed.xml?limit=1000").text, slug, "the feed")
            assert_only(client.get("/", follow_redirects=True).text, slug, "the archive")


def test_on_postgresql_row_security_holds_a_teams_reads_even_if_the_filter_were_forgotten(postgres_store, monkeypatch):
    """Connected as the deployment's own role (a superuser bypasses row security), with the store's
    team filter switched off: the second guard alone keeps beta's reads to beta's items."""
    import uuid

    from sqlalchemy import text, true

    from monitor.store import ItemQuery
    from monitor.store.database import make_engine

    world = build(postgres_store, shared=4, private=2)
    role = f"lagebild_rls_{uuid.uuid4().hex[:8]}"
    with postgres_store.session() as s, s.begin():
        s.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        s.execute(text(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"'))
    url = postgres_store.engine.url.set(username=role)
    app_store = Store(make_engine(url.render_as_string(hide_password=False)))
    try:
        monkeypatch.setattr("monitor.store.team_view.visible", lambda team_id: true())
        beta = world.ids["beta"]
        seen = {it.id for it in app_store.query_items(ItemQuery(team_id=beta))}
        assert seen == set(world.items["shared"]) | set(world.items["beta"])
        assert app_store.get_item(world.items["alpha"][0], beta) is None
        assert {it.id for it in app_store.query_items(ItemQuery())} >= set(world.items["alpha"])   # no team: all
        # `monitor serve` says when the guard is off: the superuser of a fresh installation bypasses it
        from monitor.teams.scope import unguarded_role
        with postgres_store.session() as s:
            assert unguarded_role(s) == postgres_store.engine.url.username
        with app_store.session() as s:
            assert unguarded_role(s) is None
    finally:
        app_store.close()
        with postgres_store.session() as s, s.begin():
            s.execute(text(f'DROP OWNED BY "{role}"'))
            s.execute(text(f'DROP ROLE IF EXISTS "{role}"'))


def test_each_team_links_its_own_feed_and_no_source_secrets(world: World, tmp_path: Path):
    """The archive's feed link carries the reading team's own token (not feeds.yaml's, which opens the
    default team's feed), and a feed names its sources without the tokens of private feeds."""
    people(world)
    name = world.private["alpha"][0]
    default = Config(settings=Settings(web=WebSettings(rss_token="default-feed-token-0123456789")),
                     sources=[Source(name=name, url="https://default-feeds.example/x.xml?token=DEFAULT-SECRET")])
    alpha = Config(settings=Settings(web=WebSettings(rss_token="alpha-feed-token-0123456789")),
                   sources=[Source(name=name, url="https://reader:ALPHA-PW@alpha-feeds.example/a.xml?key=ALPHA-SECRET")])
    app = create_app(default, world.store, home=tmp_path / "home", team_configs={"alpha": alpha})
    with running(app) as client:
        sign_in(client, "alpha-reader")
        links = re.findall(r'href="(/feed\.xml[^"]*)"', client.get("/").text)
        assert links and all("token=alpha-feed-token-0123456789" in link for link in links), links
        feed = client.get("/feed.xml?token=alpha-feed-token-0123456789&limit=1000").text
        assert 'url="https://alpha-feeds.example/a.xml"' in feed
        assert "SECRET" not in feed and "ALPHA-PW" not in feed and "default-feeds" not in feed
    with running(app) as client:
        sign_in(client, "beta-reader")        # beta's file was not given to this process: no token to offer
        links = re.findall(r'href="(/feed\.xml[^"]*)"', client.get("/").text)
        assert links and not any("token=" in link for link in links), links
