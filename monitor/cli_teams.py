"""`--team SLUG` for the commands that act for one team (items, digest, trends, train, eval).

Without `--team` a command acts as before teams existed: the whole archive, feeds.yaml's
settings, the default team's digests and corrections. With it, the command reads only
the items of the sources the team subscribes to, with the team's corrections, and uses
the team's configuration (teams/<slug>.yaml beside feeds.yaml; feeds.yaml for `default`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from monitor.errors import ConfigError

if TYPE_CHECKING:
    from monitor.cli import App
    from monitor.config import Config

DEFAULT_SLUG = "default"


@dataclass(frozen=True)
class Acting:
    """Whom a command acts for: the team's id (None: no team named) and slug, and its configuration."""
    id: int | None
    slug: str
    config: Config | None


def team_option(command: Callable) -> Callable:
    return click.option("--team", "team", metavar="SLUG",
                        help="act for this team alone (its sources, corrections and settings)")(command)


def acting(app: App, slug: str | None, *, need_config: bool = True) -> Acting:
    """The team named by `--team` (a ConfigError, exit 2, names the teams there are when it is unknown)."""
    config = app.config if need_config else app.optional_config()
    if not slug:
        return Acting(None, DEFAULT_SLUG, config)
    team = app.store.team_by_slug(slug)
    if team is None:
        known = ", ".join(t.slug for t in app.store.list_teams()) or "none"
        raise ConfigError(f"--team {slug}: there is no such team (teams: {known}); "
                          f"add it with teams/{slug}.yaml and `monitor config apply`")
    return Acting(team.id, team.slug, team_config(app, team.slug) or config)


def team_config(app: App, slug: str) -> Config | None:
    """teams/<slug>.yaml beside feeds.yaml, loaded as the team's configuration; None when there is none."""
    if slug == DEFAULT_SLUG:
        return app.optional_config()
    path = app.locations.config.parent / "teams" / f"{slug}.yaml"
    if not path.exists():
        return None
    from monitor.config import load_config
    from spiders import KINDS
    return load_config(path, known_kinds=set(KINDS))


def team_configs(app: App) -> dict[str, Config]:
    """Every team's configuration from teams/*.yaml beside feeds.yaml (the archive serves them all)."""
    folder = app.locations.config.parent / "teams"
    found = {}
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        config = team_config(app, path.stem)
        if config is not None:
            found[path.stem] = config
    return found
