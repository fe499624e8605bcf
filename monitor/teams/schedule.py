"""When each team's digest is due: its own `settings.digest.at` in its own `settings.timezone`.

An agency's teams sit in different countries and start their days at different hours, so
one installation sends each team's digest at that team's morning, not at feeds.yaml's.
The daemon (one machine) and the workers (PostgreSQL) both ask this module which team's
digest is due; the digest itself is then the team's alone (its targets, language, items).

A plain feeds.yaml without teams/ yields one schedule, the team `default` at
feeds.yaml's time, so the daemon behaves exactly as before teams.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from monitor.teams.model import DEFAULT_SLUG

if TYPE_CHECKING:
    from pathlib import Path

    from monitor.config import Config
    from monitor.teams.config import TeamConfig


@dataclass(frozen=True)
class DigestTime:
    """One team's daily digest time: a wall-clock time in the team's time zone."""
    slug: str
    at: time
    tz: ZoneInfo

    @property
    def kind(self) -> str:
        """The daemon's name for the job: `digest` for feeds.yaml's team (as before teams), else
        `digest:<slug>`."""
        return "digest" if self.slug == DEFAULT_SLUG else f"digest:{self.slug}"

    @property
    def args(self) -> list[str]:
        """The `monitor` arguments that send this team's digest."""
        return ["digest"] if self.slug == DEFAULT_SLUG else ["digest", "--team", self.slug]


def digest_time(slug: str, config: Config) -> DigestTime:
    return DigestTime(slug, config.settings.digest.at, config.settings.tz)


def digest_times(teams: Iterable[TeamConfig]) -> list[DigestTime]:
    """The teams that send a digest (those naming a digest target), each at its own time; a team
    without `settings.digest.notify` gets none (its file asked for none)."""
    return [digest_time(t.slug, t.config) for t in teams if t.config.settings.digest.notify]


def daemon_digests(feeds_path: Path, known_kinds: set[str] | None = None) -> list[TeamConfig] | None:
    """For `monitor daemon` beside a teams/ folder: every team's config (feeds.yaml is `default`);
    None without a teams/ folder (one digest, feeds.yaml's, as before)."""
    from monitor.teams.config import load_teams, team_files
    if not team_files(feeds_path):
        return None
    return load_teams(feeds_path, known_kinds)


def next_times(times: Iterable[DigestTime], after: datetime) -> dict[str, datetime]:
    """Each team's (by kind) next digest moment strictly after `after`, in UTC."""
    from monitor.daemon import next_digest_time
    return {d.kind: next_digest_time(after, d.at, d.tz) for d in times}


def due(times: Iterable[DigestTime], upcoming: dict[str, datetime], now: datetime) -> list[DigestTime]:
    """The teams whose next digest moment (`upcoming`, from `next_times`) has come, in slug order."""
    return sorted((d for d in times if upcoming.get(d.kind) is not None and now >= upcoming[d.kind]),
                  key=lambda d: d.slug)


def period_of(d: DigestTime, now: datetime) -> str:
    """The team's digest period at `now`: the local date of its last digest moment (one digest per
    team, target and period, whoever sends it)."""
    from monitor.daemon import digest_period
    return digest_period(now, d.at, d.tz)
