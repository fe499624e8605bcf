"""The fetch plan of several teams: every source once, at the shortest interval asked for.

Each team's config names its sources its own way; the store knows them by fetch key, one
row each (monitor.store.subscriptions). The plan is one Config for the crawler (the
pipeline and the workers take it as they take a plain feeds.yaml): every source that any
team subscribes to, once, under its row's name, with the installation's fetch settings and
the shortest team interval as the tick. `windows` gives each source the shortest interval
of the teams subscribing to it: a source is due once per window of that interval (windows
counted from the epoch, as the workers count them), so whoever ticks, it is fetched once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from monitor.teams.identity import fetch_key
from monitor.work.shards import window_of

if TYPE_CHECKING:
    from pathlib import Path

    from monitor.config import Config, Source
    from monitor.store import Store
    from monitor.teams.config import TeamConfig


@dataclass(frozen=True)
class FetchPlan:
    config: Config                      # the default team's config with every team's sources, once
    windows: dict[str, timedelta]       # source row name -> shortest interval of its subscribers


def fetch_due(last_fetch: datetime | None, interval: timedelta | None, now: datetime) -> bool:
    """Not yet fetched in the current window of `interval` (always, without an interval)."""
    if interval is None or last_fetch is None:
        return True
    return window_of(last_fetch, interval) != window_of(now, interval)


def build_plan(teams: list[TeamConfig], names_by_key: dict[str, str]) -> FetchPlan:
    """`names_by_key` is the store's fetch_key -> row name (after the teams were applied); a source
    the store does not know yet is left out (it is added by the next apply)."""
    merged: dict[str, Source] = {}
    windows: dict[str, timedelta] = {}
    for team in teams:
        for src in team.config.sources:
            name = names_by_key.get(fetch_key(src))
            if name is None:
                continue
            known = merged.get(name)
            if known is None or (src.enabled and not known.enabled):
                merged[name] = src.model_copy(update={"name": name})
            if src.enabled:
                windows[name] = min(windows.get(name, team.interval), team.interval)
    base = teams[0].config
    tick = min((t.interval for t in teams), default=base.settings.fetch.interval)
    return FetchPlan(with_interval(base, tick).model_copy(update={"sources": list(merged.values())}), windows)


def with_interval(config: Config, interval: timedelta) -> Config:
    """`config` ticking every `interval` (the shortest any team asked for)."""
    fetch = config.settings.fetch.model_copy(update={"interval": interval})
    return config.model_copy(update={"settings": config.settings.model_copy(update={"fetch": fetch})})


def daemon_config(config: Config, feeds_path: Path, known_kinds: set[str] | None = None) -> Config:
    """For `monitor daemon` beside a teams/ folder: feeds.yaml ticking at the shortest team interval,
    so every team's sources are looked at as often as it asked (each `run` fetches only what is due)."""
    from monitor.teams.config import load_teams, team_files
    if not team_files(feeds_path):
        return config
    return with_interval(config, min(t.interval for t in load_teams(feeds_path, known_kinds)))


def teams_plan(store: Store, feeds_path: Path, known_kinds: set[str] | None = None) -> FetchPlan | None:
    """For `monitor run` beside a teams/ folder: load and apply every team (feeds.yaml is `default`),
    then the plan. None without a teams/ folder: a plain feeds.yaml runs exactly as before."""
    from monitor.teams.config import apply_teams, load_teams, retire_missing, team_files
    if not team_files(feeds_path):
        return None
    teams = load_teams(feeds_path, known_kinds)
    retire_missing(store, teams)
    apply_teams(store, teams)
    return build_plan(teams, store.names_by_key())
