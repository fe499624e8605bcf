"""teams/<slug>.yaml beside feeds.yaml: one file per team, each in the feeds.yaml schema.

    feeds.yaml            the installation (database, fetch settings) and the team `default`
    teams/acme.yaml       the team `acme`: its sources, notify, alerts, digest, language,
    teams/globex.yaml     timezone, platforms and people (settings.web.users, with a role)

A plain feeds.yaml without a teams/ folder is one team, `default`, exactly as before.
Secrets stay out of the files: `${VAR}` in a team's notify URLs is read from the
environment of the process that sends (name them per team, e.g. ACME_SLACK_URL).

What belongs to the installation is only read from feeds.yaml: a team file that sets
settings.database or fetch settings other than `interval` is refused with its file named,
so nobody believes a team file changed them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.config import Config, load_config
from monitor.errors import ConfigError
from monitor.locations import write_copy
from monitor.teams.identity import fetch_key
from monitor.teams.model import DEFAULT_SLUG

if TYPE_CHECKING:
    from monitor.config import Source
    from monitor.store import Store

TEAMS_DIR = "teams"
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
TEAM_KEY = "config:team:"      # shared_state key prefix of an applied team file (+ slug)


@dataclass(frozen=True)
class TeamConfig:
    """One team's configuration: its slug, the file it came from, and the file's Config."""
    slug: str
    config: Config
    path: Path

    @property
    def interval(self) -> timedelta:
        return self.config.settings.fetch.interval


def team_files(feeds_path: Path) -> list[Path]:
    """The teams/*.yaml beside feeds.yaml, by name. A teams/acme.yml (or a folder named acme.yaml)
    is refused in plain words: passed over, the team would never exist and nobody would know why."""
    folder = feeds_path.parent / TEAMS_DIR
    if not folder.is_dir():
        return []
    for odd in sorted(folder.glob("*.yml")) + sorted(p for p in folder.glob("*.yaml") if not p.is_file()):
        fix = f"rename it to {odd.with_suffix('.yaml').name}" if odd.suffix == ".yml" else "a team is one file"
        raise ConfigError(f"{odd}: team files are teams/<slug>.yaml; {fix}")
    return sorted(p for p in folder.glob("*.yaml") if p.is_file())


def slug_of(path: Path) -> str:
    """teams/acme.yaml -> acme; a file name that is no usable slug is refused in plain words."""
    slug = path.stem
    if slug == DEFAULT_SLUG:
        raise ConfigError(f"{path}: the team `default` is feeds.yaml's own team; rename the file "
                          "(the name of the file is the team's short name)")
    if not SLUG.match(slug):
        raise ConfigError(f"{path}: {slug!r} cannot be a team's short name; name the file with lowercase "
                          "letters, digits, - and _ (at most 60), e.g. teams/acme.yaml")
    return slug


def load_team(path: Path, known_kinds: set[str] | None = None, environ: dict[str, str] | None = None) -> TeamConfig:
    """One teams/<slug>.yaml, validated like feeds.yaml plus the team rules above."""
    slug = slug_of(path)
    config = load_config(path, known_kinds=known_kinds, environ=environ)
    settings = config.settings
    if settings.database is not None:
        raise ConfigError(f"{path}: settings.database belongs in feeds.yaml (all teams share one database); "
                          "remove it from the team file")
    other = sorted(settings.fetch.model_fields_set - {"interval"})
    if other:
        raise ConfigError(f"{path}: settings.fetch.{other[0]} belongs in feeds.yaml (one crawler fetches for "
                          "every team); a team file may set only settings.fetch.interval")
    _check_duplicates(config.sources, path)
    return TeamConfig(slug, config, path)


def load_teams(feeds_path: Path, known_kinds: set[str] | None = None,
               environ: dict[str, str] | None = None) -> list[TeamConfig]:
    """feeds.yaml as the team `default` (when it exists), then every teams/<slug>.yaml. A plain
    feeds.yaml yields one TeamConfig. Every file is validated before anything is returned."""
    teams = []
    if feeds_path.exists() or not team_files(feeds_path):
        config = load_config(feeds_path, known_kinds=known_kinds, environ=environ)
        _check_duplicates(config.sources, feeds_path)
        teams.append(TeamConfig(DEFAULT_SLUG, config, feeds_path))
    teams += [load_team(p, known_kinds, environ) for p in team_files(feeds_path)]
    return teams


def _check_duplicates(sources: Iterable[Source], path: Path) -> None:
    """Two sources of one team that fetch the same thing would be one subscription; say which."""
    seen: dict[str, str] = {}
    for src in sources:
        key = fetch_key(src)
        if key in seen:
            raise ConfigError(f"{path}: the sources {seen[key]!r} and {src.name!r} fetch the same thing "
                              "(same address, kind and options); keep one of them")
        seen[key] = src.name


@dataclass(frozen=True)
class Applied:
    """What `monitor config apply` did for one team."""
    slug: str
    path: Path
    sources: int
    added: int
    shared: int
    paused: int
    people: int


def apply_teams(store: Store, teams: list[TeamConfig]) -> list[Applied]:
    """Write validated team configs into the database: the team row, its subscriptions (a source
    configured by several teams is one row, fetched once), its people with their roles, and the
    file's text stays with `apply_files`). People are added or updated, never removed by a file:
    `monitor user remove` takes them out."""
    done = []
    for team in teams:
        settings = team.config.settings
        row = store.ensure_team(team.slug, language=settings.language, timezone=settings.timezone)
        report = store.sync_sources(list(team.config.sources), team_id=row.id, interval=team.interval,
                                    slug=team.slug, where=str(team.path))
        for user in settings.web.users:
            role = user.role or ("admin" if team.slug == DEFAULT_SLUG else "editor")
            store.set_member(team.slug, user.name, role, user.password_hash)
        done.append(Applied(team.slug, team.path, len(team.config.sources), report.added, report.shared,
                            report.removed, len(settings.web.users)))
    return done


def load_files(feeds_path: Path, files: Iterable[Path] = (), known_kinds: set[str] | None = None,
               environ: dict[str, str] | None = None) -> list[TeamConfig]:
    """What `monitor config apply [FILE ...]` applies: the named files (a file in a folder named
    teams/ is that team's, any other is feeds.yaml, the team `default`), or without files
    feeds.yaml and every teams/<slug>.yaml beside it. All are validated before any is applied."""
    chosen = list(files)
    if not chosen:
        return load_teams(feeds_path, known_kinds, environ)
    teams = []
    for path in chosen:
        if path.parent.name == TEAMS_DIR:
            teams.append(load_team(path, known_kinds, environ))
        else:
            config = load_config(path, known_kinds=known_kinds, environ=environ)
            _check_duplicates(config.sources, path)
            teams.append(TeamConfig(DEFAULT_SLUG, config, path))
    slugs = [t.slug for t in teams]
    twice = sorted({s for s in slugs if slugs.count(s) > 1})
    if twice:
        paths = ", ".join(str(t.path) for t in teams if t.slug == twice[0])
        raise ConfigError(f"the team {twice[0]!r} is given twice ({paths}); apply one file per team")
    return teams


def apply_files(store: Store, teams: list[TeamConfig], complete: bool = False) -> list[str]:
    """Apply validated files (see `load_files`) and say what each did, one line per file. Each
    file's text is kept in the database for the workers: feeds.yaml as before, a team's under
    `config:team:<slug>`. `complete`: these are all the files (no FILE was named), so a team
    whose file is gone has its subscriptions paused."""
    from monitor.work.shared import CONFIG_KEY
    lines = retire_missing(store, teams) if complete else []
    for team in teams:
        data = team.path.read_bytes()
        checksum = store.put_shared(CONFIG_KEY if team.slug == DEFAULT_SLUG else TEAM_KEY + team.slug, data)
        [done] = apply_teams(store, [team])
        if team.slug != DEFAULT_SLUG:
            _list_team(store, team.slug)
        if team.slug == DEFAULT_SLUG:
            lines.append(f"applied {team.path}: {done.sources} sources, {len(team.config.notify)} targets "
                         f"(sha256 {checksum[:12]})")
        else:
            lines.append(f"applied {team.path} (team {team.slug}): {done.sources} sources ({done.shared} shared "
                         f"with other teams, {done.added} new, {done.paused} paused), {len(team.config.notify)} "
                         f"targets, {done.people} people (sha256 {checksum[:12]})")
    return lines


TEAMS_KEY = "config:teams"     # the slugs of the applied team files, one a line (the workers' list)


def _list_team(store: Store, slug: str) -> None:
    found = store.get_shared(TEAMS_KEY)
    slugs = set(found[0].decode().split()) if found else set()
    if slug not in slugs:
        store.put_shared(TEAMS_KEY, "\n".join(sorted(slugs | {slug})).encode())


def applied_checksum(store: Store, config_key: str) -> str | None:
    """Changes whenever feeds.yaml or any applied team file does (None: nothing applied): a worker
    reads the configuration again only then."""
    base = store.shared_checksum(config_key)
    if base is None:
        return None
    found = store.get_shared(TEAMS_KEY)
    if not found:
        return base
    return base + "".join(store.shared_checksum(TEAM_KEY + slug) or "-" for slug in found[0].decode().split())


def applied_teams(store: Store, home: Path, base: Config, known_kinds: set[str] | None = None) -> list[TeamConfig]:
    """The applied team files besides feeds.yaml (`base`, already loaded), each read through a copy in
    the data directory named teams/<slug>.yaml under the file's checksum, so errors name a file a
    person can open, and each validated with this machine's environment (`${VAR}` secrets)."""
    teams = [TeamConfig(DEFAULT_SLUG, base, base.path or home / "feeds.yaml")]
    found = store.get_shared(TEAMS_KEY)
    for slug in found[0].decode().split() if found else []:
        team = store.get_shared(TEAM_KEY + slug)
        if team is None:
            continue
        text, checksum = team
        copy = home / f"applied-{checksum[:12]}" / TEAMS_DIR / f"{slug}.yaml"
        if not copy.exists():
            write_copy(copy, text)
        teams.append(load_team(copy, known_kinds))
    return teams


def retire_missing(store: Store, teams: list[TeamConfig]) -> list[str]:
    """Pause the subscriptions of every team whose teams/<slug>.yaml is no longer there (its people,
    alerts history and corrections stay; a file put back subscribes it again)."""
    present = {t.slug for t in teams} | {DEFAULT_SLUG}
    lines = []
    for team in store.teams():
        if team.slug in present:
            continue
        report = store.sync_sources([], team_id=team.id, slug=team.slug)
        found = store.get_shared(TEAMS_KEY)
        listed = set(found[0].decode().split()) if found else set()
        if team.slug in listed:
            store.put_shared(TEAMS_KEY, "\n".join(sorted(listed - {team.slug})).encode())
        if report.removed:
            lines.append(f"team {team.slug}: no {TEAMS_DIR}/{team.slug}.yaml any more; its {report.removed} "
                         "sources are paused")
    return lines
