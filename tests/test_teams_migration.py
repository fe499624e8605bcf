"""Migration 0010 (teams) on an archive that has data: nothing is lost, everything belongs to the
team `default`, and the next config sync gives the old sources their real fetch keys while
keeping their history. On SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import select, text

from monitor.config import Source
from monitor.store import Store
from monitor.store.database import _alembic_config, make_engine, migrate
from monitor.store.schema import DEFAULT_TEAM_ID, SourceRow, SubscriptionRow
from monitor.teams.identity import fetch_key
from monitor.teams.model import default_team, get_team

NOW = datetime(2026, 3, 1, 8, 0)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.db'}"
    return request.getfixturevalue("postgres_url")


def _upgrade(engine, revision: str) -> None:
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def _fill_0009(engine) -> None:
    """An archive as 0009 left it: two sources (one removed from the config), items, a correction,
    an alert, a digest with its items."""
    rows = [
        "INSERT INTO sources (id, name, url, kind, category, language, consecutive_failures, active, etag) VALUES "
        "(1, 'Radar', 'https://radar.example/feed', 'feed', 'industry', 'de', 0, true, '\"v1\"'), "
        "(2, 'Gone', 'https://gone.example/feed', 'feed', 'press', NULL, 0, false, NULL)",
        "INSERT INTO items (id, source_id, fingerprint, url, canonical_url, title, summary, content_html, kind, "
        "fetched, sort_date, platforms, scores, tags_origin, title_key, search_text) VALUES "
        "(10, 1, 'f10', 'https://radar.example/1', 'https://radar.example/1', 'Eins', '', '', 'entry', "
        ":now, :now, '[]', '{}', 'model', 'eins', 'Eins'), "
        "(11, 2, 'f11', 'https://gone.example/1', 'https://gone.example/1', 'Zwei', '', '', 'entry', "
        ":now, :now, '[]', '{}', 'model', 'zwei', 'Zwei')",
        "INSERT INTO corrections (id, item_id, tags, \"user\", created) VALUES (1, 10, '[\"algorithm\"]', 'ana', :now)",
        "INSERT INTO deliveries (id, target, item_id, reason, state, attempts, created) "
        "VALUES (1, 'team-mail', 10, 'rule', 'sent', 1, :now)",
        "INSERT INTO digests (id, target, state, created, attempts, item_count, period) "
        "VALUES (1, 'team-mail', 'sent', :now, 1, 2, '2026-03-01')",
        "INSERT INTO digest_items (digest_id, item_id) VALUES (1, 10), (1, 11)",
    ]
    with engine.begin() as conn:
        for sql in rows:
            conn.execute(text(sql), {"now": NOW} if ":now" in sql else {})


def test_an_old_archive_becomes_the_default_teams_with_nothing_lost(url):
    engine = make_engine(url)
    _upgrade(engine, "0009")
    _fill_0009(engine)
    migrate(engine)
    store = Store(engine)
    with store.session() as s:
        team = default_team(s)
        assert (team.id, team.slug) == (DEFAULT_TEAM_ID, "default")
        count = lambda table: s.scalar(text(f"SELECT count(*) FROM {table}"))  # noqa: E731
        # Nothing was dropped by rebuilding tables (SQLite cascades deletes when a referenced table is rebuilt).
        assert [count(t) for t in ("sources", "items", "corrections", "deliveries", "digests", "digest_items")] \
            == [2, 2, 1, 1, 1, 2]
        subs = {r.name: (r.source_id, r.category, r.language, r.active)
                for r in s.scalars(select(SubscriptionRow).where(SubscriptionRow.team_id == team.id))}
        assert subs == {"Radar": (1, "industry", "de", True), "Gone": (2, "press", None, False)}
        assert sorted(s.scalars(select(SourceRow.fetch_key))) == ["legacy:1", "legacy:2"]
        for table in ("corrections", "deliveries", "digests"):
            assert s.scalars(text(f"SELECT DISTINCT team_id FROM {table}")).all() == [DEFAULT_TEAM_ID]

    # The first sync after the upgrade keys the old source by what it fetches and keeps its row and items.
    radar = Source(name="Radar", url="https://radar.example/feed", category="industry", language="de")
    store.sync_sources([radar])
    with store.session() as s:
        row = s.get(SourceRow, 1)
        assert row is not None and row.fetch_key == fetch_key(radar) and row.active and row.etag == '"v1"'
        assert s.scalar(text("SELECT count(*) FROM items WHERE source_id = 1")) == 1
        assert s.scalar(text("SELECT count(*) FROM sources")) == 2
    store.close()


def test_deliveries_and_digests_are_unique_per_team_not_across_teams(url):
    store = Store.open(url)
    store.sync_sources([Source(name="Radar", url="https://radar.example/feed")])
    with store.session() as s, s.begin():
        s.execute(text("INSERT INTO teams (slug, name, created) VALUES ('acme', 'Acme', :now)"), {"now": NOW})
        acme = get_team(s, "acme").id
        s.execute(text("INSERT INTO items (id, source_id, fingerprint, url, canonical_url, title, summary, "
                       "content_html, kind, fetched, sort_date, platforms, scores, tags_origin, title_key, search_text) "
                       "VALUES (10, 1, 'f', 'u', 'u', 't', '', '', 'entry', :now, :now, '[]', '{}', 'model', 't', 't')"),
                  {"now": NOW})
        for team in (DEFAULT_TEAM_ID, acme):
            s.execute(text("INSERT INTO deliveries (team_id, target, item_id, reason, state, attempts, created) "
                           "VALUES (:team, 'mail', 10, '', 'pending', 0, :now)"), {"team": team, "now": NOW})
            s.execute(text("INSERT INTO digests (team_id, target, state, created, attempts, item_count, period) "
                           "VALUES (:team, 'mail', 'pending', :now, 0, 0, '2026-03-01')"), {"team": team, "now": NOW})
    with pytest.raises(Exception, match="(?i)unique"), store.session() as s, s.begin():
        s.execute(text("INSERT INTO digests (team_id, target, state, created, attempts, item_count, period) "
                       "VALUES (:team, 'mail', 'pending', :now, 0, 0, '2026-03-01')"), {"team": acme, "now": NOW})
    store.close()


def test_a_role_outside_admin_editor_viewer_is_refused(url):
    store = Store.open(url)
    with store.session() as s, s.begin():
        s.execute(text("INSERT INTO people (name, created) VALUES ('ana', :now)"), {"now": NOW})
        s.execute(text("INSERT INTO team_members (team_id, person, role) VALUES (1, 'ana', 'viewer')"))
    with pytest.raises(Exception, match="(?i)check|constraint"), store.session() as s, s.begin():
        s.execute(text("INSERT INTO team_members (team_id, person, role) VALUES (1, 'ana', 'owner')"))
    store.close()


def test_the_migration_goes_down_and_up_again(url):
    engine = make_engine(url)
    _upgrade(engine, "0009")
    _fill_0009(engine)
    migrate(engine)
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0009")
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM digest_items")) == 2
    migrate(engine)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM subscriptions")) == 2
    engine.dispose()


def test_utc_dates_survive(url):
    """The default team's creation date comes back aware, like every date in the store."""
    store = Store.open(url)
    with store.session() as s:
        created = s.scalar(text("SELECT created FROM teams"))
        assert created is not None
    from monitor.store.schema import TeamRow
    with store.session() as s:
        row = s.scalars(select(TeamRow)).one()
        assert row.created.tzinfo == UTC
    store.close()


def test_postgres_row_security_hides_other_teams_items_even_from_a_query_without_the_filter(postgres_url):
    """Connected as the deployment's own role (not a superuser, who bypasses row security)."""
    import uuid

    from monitor.teams.scope import guard
    store = Store.open(postgres_url)
    role = f"lagebild_rls_{uuid.uuid4().hex[:8]}"
    try:
        store.sync_sources([Source(name="Mine", url="https://mine.example/feed")])
        store.ensure_team("acme")
        acme = store.team("acme")
        store.sync_sources([Source(name="Theirs", url="https://theirs.example/feed")], team_id=acme.id, slug="acme")
        with store.session() as s, s.begin():
            for n, source in ((1, "Mine"), (2, "Theirs")):
                s.execute(text("INSERT INTO items (source_id, fingerprint, url, canonical_url, title, summary, "
                               "content_html, kind, fetched, sort_date, platforms, scores, tags_origin, title_key, "
                               "search_text) SELECT id, :f, 'u', 'u', :t, '', '', 'entry', :now, :now, '[]', '{}', "
                               "'model', 't', 't' FROM sources WHERE name = :t"), {"f": f"f{n}", "t": source, "now": NOW})
            s.execute(text(f'CREATE ROLE "{role}"'))
            s.execute(text(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"'))
        with store.session() as s, s.begin():
            s.execute(text(f'SET LOCAL ROLE "{role}"'))
            assert sorted(s.scalars(text("SELECT title FROM items"))) == ["Mine", "Theirs"]     # no team named
            guard(s, acme.id)
            assert s.scalars(text("SELECT title FROM items")).all() == ["Theirs"]
            guard(s, DEFAULT_TEAM_ID)
            assert s.scalars(text("SELECT title FROM items")).all() == ["Mine"]
    finally:
        with store.session() as s, s.begin():
            s.execute(text(f'DROP OWNED BY "{role}"'))
            s.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        store.close()


def test_processes_that_open_an_old_sqlite_archive_together_all_start(tmp_path):
    """A serve and a daemon started together after an upgrade: one migrates, the others wait and find
    the schema current (they read the old revision and ran its CREATE INDEX again)."""
    import subprocess
    import sys

    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}")
    _upgrade(engine, "0004")
    engine.dispose()
    opener = ("import sys; from monitor.store import Store; "
              "Store.open(sys.argv[1]).close(); print('opened')")
    runs = [subprocess.Popen([sys.executable, "-c", opener, f"sqlite:///{path}"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outcomes = [run.communicate(timeout=120) for run in runs]
    assert all(run.returncode == 0 for run in runs), [err[-400:] for _, err in outcomes]
    with make_engine(f"sqlite:///{path}").connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == \
            max(p.split("_")[0] for p in _versions())


def test_a_database_from_a_newer_version_is_named_so(url):
    engine = make_engine(url)
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    from monitor.errors import DatabaseError
    with pytest.raises(DatabaseError, match="written by a newer Lagebild"):
        migrate(engine)
    engine.dispose()


def _versions() -> list[str]:
    from monitor.store.database import MIGRATIONS
    return [p.name for p in (MIGRATIONS / "versions").glob("[0-9]*_*.py")]


def test_an_item_corrected_before_teams_shows_the_models_tags_to_other_teams(url):
    """Versions before teams wrote a person's tags into item_tags; after the upgrade the correction holds
    for the default team, and the next run gives every other team the model's tags again."""
    from classifiers import Tagger
    from monitor.tag.retag import restore_model_tags

    engine = make_engine(url)
    _upgrade(engine, "0009")
    _fill_0009(engine)
    with engine.begin() as conn:       # ana said: no tag at all (the model had said a new feature)
        conn.execute(text("INSERT INTO items (id, source_id, fingerprint, url, canonical_url, title, summary, "
                          "content_html, kind, fetched, sort_date, platforms, scores, tags_origin, title_key, "
                          "search_text) VALUES (12, 1, 'f12', 'https://radar.example/2', 'https://radar.example/2', "
                          ":title, :summary, '', 'entry', :now, :now, '[\"instagram\"]', "
                          "'{\"feature_rollout\": 0.93}', 'correction', 'k12', 'x')"),
                     {"now": NOW, "title": "Instagram führt neue Funktion ein: Reels lassen sich jetzt planen",
                      "summary": "Ab sofort können alle Profikonten Reels bis zu 75 Tage im Voraus planen."})
        conn.execute(text("INSERT INTO corrections (id, item_id, tags, \"user\", created) "
                          "VALUES (2, 12, '[]', 'ana', :now)"), {"now": NOW})
    migrate(engine)
    store = Store(engine)
    radar = Source(name="Radar", url="https://radar.example/feed")
    store.sync_sources([radar])
    acme = store.ensure_team("acme")
    store.sync_sources([radar], team_id=acme.id, slug="acme")
    assert store.corrected_before_teams() == [12]
    assert store.get_item(12, acme.id).tags == []           # the person's tags, read as the model's
    assert restore_model_tags(store, Tagger.load, None) == 1
    assert "feature_rollout" in store.get_item(12, acme.id).tags
    assert store.get_item(12, DEFAULT_TEAM_ID).tags == []   # ana's correction still holds for her team
    assert store.corrected_before_teams() == [] and restore_model_tags(store, Tagger.load, None) == 0
    store.close()
