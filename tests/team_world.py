"""Teams, subscriptions and people for tests, written straight into a store's tables.

The tests of what a team sees need teams that share some sources and not others; building
them through these few functions keeps the tests independent of how the configuration
(teams/*.yaml, `monitor config apply`) spells them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from sqlalchemy import select

from monitor.config import Source
from monitor.store import Store
from monitor.store.schema import SourceRow, SubscriptionRow
from tests.servers import FeedServer, Webhook, rss


def teams(store: Store, slugs: Iterable[str]) -> dict[str, int]:
    """Create the teams (by slug); slug -> id."""
    out = {}
    for slug in slugs:
        team = store.team_by_slug(slug) or store.add_team(slug, slug.title())
        assert team is not None
        out[slug] = team.id
    return out


def subscribe(store: Store, wanted: Mapping[str, list[str]]) -> None:
    """Each team subscribes to its list of sources, as its configuration would (a source named by
    several teams is one source: same address, one fetch)."""
    for slug, names in wanted.items():
        team = store.team_by_slug(slug)
        assert team is not None, slug
        store.sync_sources([Source(name=n, url=f"https://{n.replace(' ', '-').lower()}.example/feed") for n in names],
                           team_id=team.id, slug=slug)


def person(store: Store, name: str, password_hash: str, roles: Mapping[str, str]) -> None:
    """A person with a password, in the named teams with the given roles."""
    for slug, role in roles.items():
        team = store.team_by_slug(slug)
        assert team is not None, slug
        store.add_member(team.id, name, role, password_hash)


def rename(store: Store, slug: str, source: str, name: str) -> None:
    """The team calls `source` by `name` (its subscription's own name)."""
    team = store.team_by_slug(slug)
    assert team is not None
    with store.session() as s, s.begin():
        source_id = s.scalar(select(SourceRow.id).where(SourceRow.name == source))
        row = s.get(SubscriptionRow, (team.id, source_id))
        assert row is not None
        row.name = name


def serve_acme_and_initech(web: FeedServer) -> None:
    """One feed both teams follow and one of each team's own, each item with a word that names it."""
    web.add("/shared.xml", rss("Shared", [{"title": "Kanalstatistik erweitert sharedmark", "link": "http://127.0.0.1/s/1"}]))
    web.add("/acme.xml", rss("Acme", [{"title": "Werbekonto gesperrt acmemark", "link": "http://127.0.0.1/a/1"}]))
    web.add("/initech.xml", rss("Initech", [{"title": "Hashtag-Suche entfernt initechmark",
                                             "link": "http://127.0.0.1/i/1"}]))


# acme in Berlin, initech in New York: each team's digest time, zone and language (teams/*.yaml)
ZONED_TEAMS = {"acme": ("Europe/Berlin", "09:00", "en"), "initech": ("America/New_York", "07:00", "de")}


def write_zoned_teams(tmp: Path, url_of: Callable[[str], str], hooks: Mapping[str, Webhook]) -> None:
    """teams/acme.yaml and teams/initech.yaml (ZONED_TEAMS): each follows /shared.xml and its own
    /<team>.xml (`url_of` turns a path into an address) and sends its digest to its own webhook."""
    (tmp / "teams").mkdir()
    for team, (zone, at, language) in ZONED_TEAMS.items():
        (tmp / "teams" / f"{team}.yaml").write_text(
            f"settings:\n  timezone: {zone}\n  language: {language}\n"
            f"  digest:\n    at: '{at}'\n    notify: [chat]\n"
            f"notify:\n  chat: {hooks[team].url}\n"
            f"sources:\n  - name: {team} shared\n    url: {url_of('/shared.xml')}\n"
            f"  - name: {team} own\n    url: {url_of(f'/{team}.xml')}\n", encoding="utf-8")
