"""Teams (issue 17): teams/<slug>.yaml beside feeds.yaml, one source row per fetched thing shared by
every team that subscribes to it, each team seeing its own subscriptions under its own names,
and people with roles from the files and the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from monitor.config import Selectors, Source
from monitor.errors import ConfigError
from monitor.store.schema import ItemRow, SourceRow
from monitor.teams.config import apply_teams, load_teams
from monitor.teams.identity import fetch_key, normalise_url
from monitor.teams.plan import build_plan
from monitor.teams.scope import visible_items

ROOT = Path(__file__).resolve().parent.parent
HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$0123456789abcdefghijklmnopqrstuvwxyzABCDE"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def team_yaml(sources: list[tuple[str, str]], extra: str = "", interval: str | None = None) -> str:
    fetch = f"  fetch:\n    interval: {interval}\n" if interval else ""
    listed = "".join(f"  - name: {name}\n    url: {url}\n" for name, url in sources)
    return f"settings:\n  language: en\n  timezone: Europe/London\n{fetch}{extra}sources:" + (f"\n{listed}" if listed else " []\n")


# --------------------------------------------------------------------------- identity

def test_the_same_feed_written_differently_is_one_source_and_other_options_are_another():
    plain = Source(name="a", url="https://news.example.com/feed?b=2&a=1")
    assert fetch_key(plain) == fetch_key(Source(name="Their name", url="https://News.Example.com:443/feed?a=1&b=2#top",
                                                 category="legal", language="de", platforms=["tiktok"]))
    assert fetch_key(plain) != fetch_key(Source(name="a", url="http://news.example.com/feed?a=1&b=2"))
    listpage = Source(name="l", url="https://x.example/news", kind="listpage", selectors=Selectors(item="article", title="h2"))
    other = listpage.model_copy(update={"selectors": Selectors(item="li", title="h3")})
    assert fetch_key(listpage) != fetch_key(other) != fetch_key(plain)
    assert normalise_url("http://Example.org:80") == "http://example.org/"
    assert normalise_url("https://example.org:8443/a/../b") == "https://example.org:8443/b"


# --------------------------------------------------------------------------- files

def test_a_plain_feeds_yaml_is_the_one_team_default(tmp_path):
    feeds = write(tmp_path / "feeds.yaml", team_yaml([("A", "https://a.example/feed")]))
    [team] = load_teams(feeds)
    assert team.slug == "default" and [s.name for s in team.config.sources] == ["A"]


@pytest.mark.parametrize("name, text, words", [
    ("default.yaml", team_yaml([]), "feeds.yaml's own team"),
    ("Big Team.yaml", team_yaml([]), "cannot be a team's short name"),
    ("acme.yaml", "settings:\n  database: sqlite:///x.db\nsources: []\n", "settings.database belongs in feeds.yaml"),
    ("acme.yaml", "settings:\n  fetch:\n    concurrency: 8\nsources: []\n", "settings.fetch.concurrency belongs in feeds.yaml"),
    ("acme.yaml", team_yaml([("A", "https://a.example/feed"), ("B", "https://A.example/feed#x")]),
     "'A' and 'B' fetch the same thing"),
    ("acme.yaml", "sources:\n  - name: A\n    url: https://a.example/feed\n    kind: nonsense\n", "unknown kind"),
    ("acme.yml", team_yaml([]), "rename it to acme.yaml"),
])
def test_a_wrong_team_file_is_refused_in_plain_words_naming_the_file(tmp_path, name, text, words):
    feeds = write(tmp_path / "feeds.yaml", team_yaml([]))
    bad = write(tmp_path / "teams" / name, text)
    with pytest.raises(ConfigError) as caught:
        load_teams(feeds, known_kinds={"feed", "page", "listpage"})
    assert str(bad) in str(caught.value) and words in str(caught.value)


# --------------------------------------------------------------------------- sharing and isolation

@pytest.fixture
def two_teams(tmp_path):
    feeds = write(tmp_path / "feeds.yaml", team_yaml([("Radar", "https://radar.example/feed"),
                                                      ("Own", "https://own.example/feed")], interval="2h"))
    write(tmp_path / "teams" / "acme.yaml", team_yaml(
        [("Branchenradar", "https://Radar.example:443/feed"), ("Acme only", "https://acme.example/feed")],
        extra="  web:\n    users:\n      - name: ana\n        password_hash: " + HASH + "\n        role: admin\n",
        interval="30m"))
    return feeds


def test_two_teams_share_one_source_and_each_sees_only_its_own(store, two_teams):
    teams = load_teams(two_teams)
    assert [t.slug for t in teams] == ["default", "acme"]
    apply_teams(store, teams)
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(SourceRow)) == 3       # Radar once for both teams
        ids = {r.name: r.id for r in s.scalars(select(SourceRow))}
    assert set(ids) == {"Radar", "Own", "Acme only"}      # the default team's name for the shared row
    acme, default = store.team("acme"), store.team("default")
    assert [r["name"] for r in store.list_sources(team_id=acme.id)] == ["Acme only", "Branchenradar"]
    assert [r["name"] for r in store.list_sources(team_id=default.id)] == ["Own", "Radar"]
    assert [(m.name, m.role) for m in store.members("acme")] == [("ana", "admin")]
    assert [(t.slug, role) for t, role in store.memberships("ana")] == [("acme", "admin")]

    with store.session() as s, s.begin():
        for n, name in enumerate(["Radar", "Own", "Acme only"]):
            s.add(ItemRow(source_id=ids[name], fingerprint=f"f{n}", url=f"https://x/{n}", canonical_url=f"https://x/{n}",
                          title=name, fetched=store_now(), sort_date=store_now()))
    with store.session() as s:
        seen = lambda team: sorted(s.scalars(visible_items(select(ItemRow.title), team.id)))  # noqa: E731
        assert seen(acme) == ["Acme only", "Radar"]
        assert seen(default) == ["Own", "Radar"]

    # The plan fetches each source once, at the shortest interval of its subscribers.
    plan = build_plan(teams, store.names_by_key())
    assert sorted(s.name for s in plan.config.sources) == ["Acme only", "Own", "Radar"]
    assert {n: w.total_seconds() / 60 for n, w in plan.windows.items()} == {"Radar": 30, "Own": 120, "Acme only": 30}


def test_a_team_that_drops_a_shared_source_stops_seeing_it_and_the_other_keeps_it(store, two_teams, tmp_path):
    apply_teams(store, load_teams(two_teams))
    write(tmp_path / "teams" / "acme.yaml", team_yaml([("Acme only", "https://acme.example/feed")]))
    apply_teams(store, load_teams(two_teams))
    assert [r["name"] for r in store.list_sources(team_id=store.team("acme").id)] == ["Acme only"]
    assert "Radar" in [r["name"] for r in store.list_sources()]          # still fetched for the default team
    write(tmp_path / "feeds.yaml", team_yaml([("Own", "https://own.example/feed")]))
    apply_teams(store, load_teams(two_teams))
    assert "Radar" not in [r["name"] for r in store.list_sources()]      # nobody subscribes: not fetched


def test_a_plain_feeds_yaml_keeps_its_source_and_history_when_its_url_changes(sqlite_store):
    sqlite_store.sync_sources([Source(name="Blog", url="https://old.example/feed")])
    sqlite_store.sync_sources([Source(name="Blog", url="https://new.example/feed")])
    [row] = sqlite_store.list_sources()
    assert (row["name"], row["url"]) == ("Blog", "https://new.example/feed")


def store_now():
    from monitor.clock import utcnow
    return utcnow()


# --------------------------------------------------------------------------- command line

def monitor(env: dict, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "monitor", *args], env=env, capture_output=True, text=True,
                          timeout=120, input=input)


def environment(tmp: Path, config: Path, db: str | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(MONITOR_CONFIG=str(config), MONITOR_HOME=str(tmp / "home"), PYTHONPATH=str(ROOT),
               MONITOR_DB=db or f"sqlite:///{tmp / 'home' / 'monitor.db'}", NO_PROXY="127.0.0.1,localhost")
    return env


def test_teams_and_people_from_the_command_line(tmp_path, two_teams):
    env = environment(tmp_path, two_teams)
    applied = monitor(env, "config", "apply")
    assert applied.returncode == 0, applied.stderr
    assert "applied" in applied.stdout and "(team acme): 2 sources (1 shared with other teams" in applied.stdout
    again = monitor(env, "config", "apply")
    assert "(team acme): 2 sources (1 shared with other teams, 0 new, 0 paused)" in again.stdout, again.stdout
    assert monitor(env, "team", "add", "globex", "--name", "Globex GmbH", "--language", "de").returncode == 0
    listed = monitor(env, "team", "list", "--format", "json")
    assert '"slug": "globex"' in listed.stdout and '"name": "Globex GmbH"' in listed.stdout
    added = monitor(env, "user", "add", "ben", "--team", "globex", "--role", "viewer", "--password-hash", HASH)
    assert added.returncode == 0, added.stderr
    assert monitor(env, "user", "add", "ana", "--team", "globex", "--no-password").returncode == 0
    people = monitor(env, "user", "list", "--team", "globex", "--format", "json").stdout
    assert '"name": "ana"' in people and '"role": "viewer"' in people
    unknown = monitor(env, "user", "add", "cy", "--team", "nope", "--no-password")
    assert unknown.returncode == 2 and "there is no team 'nope'" in unknown.stderr
    wrong_role = monitor(env, "user", "add", "cy", "--team", "globex", "--role", "owner", "--no-password")
    assert wrong_role.returncode == 2
    mine = monitor(env, "sources", "--team", "acme", "--format", "json")
    assert mine.returncode == 0, mine.stderr
    assert '"name": "Branchenradar"' in mine.stdout and '"Own"' not in mine.stdout
    assert monitor(env, "sources", "--team", "nope").returncode == 2
    bad_name = monitor(env, "user", "add", "ben\x1b[31m", "--team", "globex", "--no-password")
    assert bad_name.returncode == 2 and "one line of visible characters" in bad_name.stderr


def test_a_team_whose_file_has_a_mistake_is_told_the_mistake_not_that_it_does_not_exist(tmp_path, two_teams):
    env = environment(tmp_path, two_teams)
    broken = two_teams.parent / "teams" / "globex.yaml"
    broken.write_text("settings:\n  langauge: de\nsources: []\n", encoding="utf-8")
    done = monitor(env, "digest", "--team", "globex", "--dry-run")
    assert done.returncode == 2
    assert f"{broken}:2" in done.stderr and "langauge" in done.stderr and "team add" not in done.stderr


# --------------------------------------------------------------------------- windows

def test_a_source_is_due_once_per_window_of_its_shortest_interval():
    from datetime import UTC, datetime, timedelta

    from monitor.teams.plan import fetch_due
    half_hour = timedelta(minutes=30)
    fetched = datetime(2026, 12, 3, 9, 1, tzinfo=UTC)
    assert fetch_due(None, half_hour, fetched)                                  # never fetched
    assert not fetch_due(fetched, half_hour, fetched + timedelta(minutes=20))   # 09:21: same window 09:00-09:30
    assert fetch_due(fetched, half_hour, fetched + timedelta(minutes=29))       # 09:30: the next window
    assert fetch_due(fetched, None, fetched)                                    # no teams: every run


def test_the_daemon_ticks_at_the_shortest_team_interval(two_teams):
    from monitor.config import load_config
    from monitor.teams.plan import daemon_config
    config = load_config(two_teams)
    assert config.settings.fetch.interval.total_seconds() == 7200
    assert daemon_config(config, two_teams).settings.fetch.interval.total_seconds() == 1800


def test_two_sources_that_swap_names_in_the_config_keep_their_rows(sqlite_store):
    a, b = Source(name="A", url="https://a.example/feed"), Source(name="B", url="https://b.example/feed")
    sqlite_store.sync_sources([a, b])
    sqlite_store.sync_sources([a.model_copy(update={"name": "B"}), b.model_copy(update={"name": "A"})])
    assert {r["name"]: r["url"] for r in sqlite_store.list_sources(team_id=1)} == {
        "B": "https://a.example/feed", "A": "https://b.example/feed"}


def test_a_team_whose_file_is_gone_stops_seeing_its_sources(tmp_path, two_teams):
    env = environment(tmp_path, two_teams)
    assert monitor(env, "config", "apply").returncode == 0
    (tmp_path / "teams" / "acme.yaml").unlink()
    write(tmp_path / "teams" / "globex.yaml", team_yaml([("G", "https://g.example/feed")]))
    applied = monitor(env, "config", "apply")
    assert applied.returncode == 0, applied.stderr
    assert "team acme: no teams/acme.yaml any more; its 2 sources are paused" in applied.stdout
    assert monitor(env, "sources", "--team", "acme", "--format", "json").stdout.strip() == "[]"


def test_people_without_a_role_are_admins_of_feeds_yaml_and_editors_of_a_team_file(store, tmp_path):
    """The people of a one-team installation manage it, as they did before teams; a client team's
    file names its admins explicitly."""
    user = "  web:\n    users:\n      - name: {name}\n        password_hash: " + HASH + "\n"
    feeds = write(tmp_path / "feeds.yaml", team_yaml([("Radar", "https://radar.example/feed")],
                                                     extra=user.format(name="owner")))
    write(tmp_path / "teams" / "acme.yaml", team_yaml([("Radar", "https://radar.example/feed")],
                                                      extra=user.format(name="client")))
    apply_teams(store, load_teams(feeds))
    assert [(m.name, m.role) for m in store.members("default")] == [("owner", "admin")]
    assert [(m.name, m.role) for m in store.members("acme")] == [("client", "editor")]
