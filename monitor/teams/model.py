"""Teams as plain values, and looking them up.

A `Team` is what the rest of the code passes around (the web session's current team, the
`--team SLUG` of a command); the rows stay in the store. The team `default` always exists:
it is the plain feeds.yaml's team, and everything written before teams existed is its.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.store.schema import DEFAULT_SLUG, DEFAULT_TEAM_ID, ROLES, TeamMemberRow, TeamRow

__all__ = ["DEFAULT_SLUG", "DEFAULT_TEAM_ID", "ROLES", "Team", "UnknownTeam", "default_team", "get_team",
           "list_teams", "teams_of"]


class UnknownTeam(LookupError):
    """No team has that slug."""


@dataclass(frozen=True)
class Team:
    id: int
    slug: str
    name: str
    language: str | None = None
    timezone: str | None = None


def _team(row: TeamRow) -> Team:
    return Team(row.id, row.slug, row.name, row.language, row.timezone)


def get_team(session: Session, slug: str) -> Team:
    """The team with that slug; UnknownTeam (its message names the known ones) when there is none."""
    row = session.scalar(select(TeamRow).where(TeamRow.slug == slug))
    if row is None:
        known = ", ".join(session.scalars(select(TeamRow.slug).order_by(TeamRow.slug))) or "none"
        raise UnknownTeam(f"there is no team {slug!r} (teams: {known})")
    return _team(row)


def default_team(session: Session) -> Team:
    """The team `default` (id 1), the plain feeds.yaml's team."""
    return get_team(session, DEFAULT_SLUG)


def list_teams(session: Session) -> list[Team]:
    return [_team(r) for r in session.scalars(select(TeamRow).order_by(TeamRow.slug))]


def teams_of(session: Session, person: str) -> list[tuple[Team, str]]:
    """The teams a person belongs to, each with their role there, by slug."""
    rows = session.execute(select(TeamRow, TeamMemberRow.role).join(TeamMemberRow, TeamMemberRow.team_id == TeamRow.id)
                           .where(TeamMemberRow.person == person).order_by(TeamRow.slug)).all()
    return [(_team(row), role) for row, role in rows]
