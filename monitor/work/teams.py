"""The applied teams as a worker sees them: each team's configuration and its alert route.

`monitor config apply` stores feeds.yaml and every teams/<slug>.yaml in the database; a
worker reads them again only when something was applied (or a team trained a model), not
per job: validating a team's 1,000 sources takes a while, loading a model longer. With one
team (a plain feeds.yaml) there are no routes, and the workers alert as they did before teams.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from monitor.teams.config import applied_checksum, applied_teams
from monitor.work.shared import CONFIG_KEY, applied_config

if TYPE_CHECKING:
    from monitor.teams.config import TeamConfig
    from monitor.tell.team_alerts import TeamRoute
    from monitor.work.jobs import WorkContext

_lock = threading.Lock()     # the crawl job's storing thread and the job's own thread both ask


def team_configs(ctx: WorkContext) -> list[TeamConfig]:
    """Every applied team (feeds.yaml's first, as `default`); [] when nothing was applied."""
    checksum = applied_checksum(ctx.store, CONFIG_KEY)
    if checksum is None:
        return []
    with _lock:
        known = ctx.team_cache.get("configs")
        if known is not None and known[0] == checksum:
            return list(known[1])
    base = applied_config(ctx.store, ctx.home, ctx.known_kinds or None) or ctx.fallback()   # feeds.yaml itself,
    teams = applied_teams(ctx.store, ctx.home, base, ctx.known_kinds or None)               # not the fetch plan
    with _lock:
        ctx.team_cache["configs"] = (checksum, teams)
    return teams


def team_routes(ctx: WorkContext) -> list[TeamRoute] | None:
    """Each team's alert rules over its own sources, to its own targets (and tagged by its own model
    where it trained one); None with one team that has no model of its own: the workers route
    feeds.yaml's rules as before."""
    teams = team_configs(ctx)
    from monitor.tag.team_model import model_key
    if len(teams) < 2 and not (teams and ctx.store.shared_checksum(model_key(teams[0].slug))):
        return None             # one team without a model of its own: as before teams
    key = (applied_checksum(ctx.store, CONFIG_KEY) or "") + "".join(
        ctx.store.shared_checksum(model_key(t.slug)) or "-" for t in teams)
    with _lock:
        known = ctx.team_cache.get("routes")
        if known is not None and known[0] == key:
            return list(known[1])
    from monitor.tell.team_alerts import team_routes as build
    routes = build(ctx.store, [(t.slug, t.config) for t in teams], ctx.home)
    with _lock:
        ctx.team_cache["routes"] = (key, routes)
    return routes
