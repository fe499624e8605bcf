"""Acting for one team (`--team SLUG`, monitor.teams.command.team_option) in items, digest, trends,
train and eval.

Without `--team` a command acts as before teams existed: the whole archive, feeds.yaml's
settings, the default team's digests and corrections. With it, the command reads only
the items of the sources the team subscribes to, with the team's corrections, and uses
the team's configuration (teams/<slug>.yaml beside feeds.yaml; feeds.yaml for `default`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from monitor.cli import App
    from monitor.config import Config

DEFAULT_SLUG = "default"        # monitor.teams.model.DEFAULT_SLUG (not imported: the CLI starts fast)


@dataclass(frozen=True)
class Acting:
    """Whom a command acts for: the team's id (None: no team named) and slug, and its configuration."""
    id: int | None
    slug: str
    config: Config | None


def acting(app: App, slug: str | None, *, need_config: bool = True) -> Acting:
    """The team named by `--team` (an unknown one is a config error, exit 2, naming the teams there are)."""
    config = app.config if need_config else app.optional_config()
    if not slug:
        return Acting(None, DEFAULT_SLUG, config)
    own = team_config(app, slug)     # first: a mistake in teams/<slug>.yaml is named, not "no such team"
    team = app.team(slug)
    return Acting(team.id, team.slug, own or config)


def team_config(app: App, slug: str) -> Config | None:
    """teams/<slug>.yaml beside feeds.yaml, loaded as the team's configuration (feeds.yaml for the
    default team); None when there is none."""
    if slug == DEFAULT_SLUG:
        return app.optional_config()
    from monitor.teams.config import SLUG, TEAMS_DIR, load_team
    from spiders import KINDS
    if not SLUG.match(slug):        # typed after --team: never a path of its own
        return None
    path = app.locations.config.parent / TEAMS_DIR / f"{slug}.yaml"
    return load_team(path, set(KINDS)).config if path.is_file() else None


def team_configs(app: App) -> dict[str, Config]:
    """Every team's configuration from teams/*.yaml beside feeds.yaml (the archive serves them all)."""
    from monitor.teams.config import load_team, team_files
    from spiders import KINDS
    return {team.slug: team.config for team in (load_team(p, set(KINDS)) for p in team_files(app.locations.config))}
