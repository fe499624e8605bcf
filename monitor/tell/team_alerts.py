"""Alerts of several teams from one fetch: each team's rules over its own sources, to its own targets.

Items are fetched and stored once for everybody; which of them alert whom is each team's
business. A team's rules (`settings.alerts` of teams/<slug>.yaml) see only the items of the
sources it subscribes to, under the names the team gave them (so a rule's `sources:` list
and the messages read as in the team's file), and the alerts are queued as the team's:
its target names are its own, and the outbox keeps them apart per team. Sending then goes
team by team, each with its own notify URLs, and each team's alerts name only the other
sources of the story that the team subscribes to.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from monitor.item import Item
from monitor.store import NewDelivery
from monitor.tag import team_model
from monitor.tell import alerts, rules

if TYPE_CHECKING:
    from pathlib import Path

    from classifiers.tagger import Tagger
    from monitor.config import Config
    from monitor.store import Store
    from monitor.teams.tags import Tagged
    from monitor.tell.deliver import Sender


@dataclass(frozen=True)
class TeamRoute:
    """One team as the alerts need it: id, configuration, and its sources (stored name -> its name)."""
    team_id: int
    slug: str
    config: Config
    sources: dict[str, str]
    tagger: Tagger | None = None        # the team's own model (`monitor train --team`), if it has one


def team_routes(store: Store, teams: Sequence[tuple[str, Config]], home: Path | None = None) -> list[TeamRoute]:
    """(slug, config) of the teams (as loaded from feeds.yaml and teams/*.yaml) -> their routes;
    a team not in the database yet (not applied) is left out. With `home` (the data directory),
    a team that trained its own model routes its alerts by that model's tags."""
    out = []
    for slug, config in teams:
        team = store.team_by_slug(slug)
        if team is not None:
            tagger = team_model.load(store, home, slug) if home is not None else None
            out.append(TeamRoute(team.id, slug, config, store.team_sources(team.id), tagger))
    return out


def team_tags(items: Sequence[Item], teams: Sequence[TeamRoute]) -> dict[int, dict[int, Tagged]]:
    """For each team with its own model: position in `items` (of the team's sources) -> the tags and
    scores its model gives the item. What the team's alerts go by, and what it sees (`keep_team_tags`)."""
    from monitor.teams.tags import model_tags
    out: dict[int, dict[int, Tagged]] = {}
    for team in teams:
        if team.tagger is None:
            continue
        positions = [n for n, it in enumerate(items) if it.source in team.sources]
        if not positions:
            continue
        local = [dataclasses.replace(items[n], source=team.sources[items[n].source]) for n in positions]
        tags = model_tags(team.tagger, local, {s.name: s.category for s in team.config.sources})
        out[team.team_id] = {positions[k]: found for k, found in tags.items()}
    return out


def route_teams(items: Sequence[Item], teams: Sequence[TeamRoute],
                tagged: dict[int, dict[int, Tagged]] | None = None, now: datetime | None = None) -> list[NewDelivery]:
    """The alerts every team's rules ask for; `index` is the item's position in `items`. `tagged`
    (from `team_tags`): each team's own model's tags, computed here when not given. `now`: as in
    `rules.route`, items dated long before it are not alerted."""
    if tagged is None:
        tagged = team_tags(items, teams)
    deliveries: list[NewDelivery] = []
    for team in teams:
        positions = [n for n, it in enumerate(items) if it.source in team.sources]
        if not positions or not team.config.settings.alerts:
            continue
        own = tagged.get(team.team_id, {})
        local = [dataclasses.replace(items[n], source=team.sources[items[n].source], tags=list(own[n][0]),
                                     scores=dict(own[n][1])) if n in own
                 else dataclasses.replace(items[n], source=team.sources[items[n].source]) for n in positions]
        for found in rules.route(local, team.config, team_id=team.team_id, now=now):
            deliveries.append(dataclasses.replace(found, index=positions[found.index]))
    return deliveries


def keep_team_tags(store: Store, items: Sequence[Item], tagged: dict[int, dict[int, Tagged]]) -> None:
    """Store each team's own model's tags of the items that were stored (they have an id now), so the
    team's archive, API, feed and digest show them (monitor.store.team_view)."""
    for team_id, tags in tagged.items():
        stored = {iid: found[0] for n, found in tags.items() if (iid := items[n].id) is not None}
        if stored:
            store.put_team_tags(team_id, stored)


def deliver_teams(store: Store, teams: Sequence[TeamRoute], sender: Sender, now: datetime | None = None,
                  force: bool = False) -> alerts.DeliveryReport:
    """Send every team's due alerts with its own targets; one report for the run's summary."""
    total = alerts.DeliveryReport()
    for team in teams:
        report = alerts.deliver_due(store, team.config, sender, now=now, force=force, team_id=team.team_id)
        prefix = f"[{team.slug}] " if len(teams) > 1 else ""
        total.sent += report.sent
        for field in ("failed", "counts", "pending", "repeated"):
            getattr(total, field).update({prefix + k: v for k, v in getattr(report, field).items()})
        total.lines += [prefix + line for line in report.lines]
    return total
