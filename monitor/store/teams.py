"""Teams, people and memberships in the store (migration 0010).

Plain data in and out: `monitor.teams.model.Team` values, (name, role) pairs. A person
is one row whoever's team they are in; what they may do is their role per team.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.clock import utcnow
from monitor.store.locks import transaction_lock
from monitor.store.schema import ROLES, PersonRow, SourceRow, SubscriptionRow, TeamMemberRow, TeamRow
from monitor.store.web_sessions import end_sessions_of
from monitor.teams import model  # used at call time: monitor.teams.model itself imports the store's rows

if TYPE_CHECKING:
    from monitor.teams.model import Team


@dataclass(frozen=True)
class Member:
    name: str
    role: str
    has_password: bool


class TeamStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def team(self, slug: str) -> Team:
        """The team with that slug; UnknownTeam naming the known slugs when there is none."""
        with self.sessions() as s:
            return model.get_team(s, slug)

    def teams(self) -> list[Team]:
        with self.sessions() as s:
            return model.list_teams(s)

    def ensure_team(self, slug: str, name: str | None = None, language: str | None = None,
                    timezone: str | None = None) -> Team:
        """The team `slug`, created if new; name, language and time zone updated when given."""
        with self.sessions() as s, s.begin():
            transaction_lock(s, "teams")
            row = s.scalar(select(TeamRow).where(TeamRow.slug == slug))
            if row is None:
                row = TeamRow(slug=slug, name=name or slug, created=utcnow())
                s.add(row)
            if name:
                row.name = name
            if language:
                row.language = language
            if timezone:
                row.timezone = timezone
            s.flush()
            return model.Team(row.id, row.slug, row.name, row.language, row.timezone)

    def put_person(self, name: str, password_hash: str | None = None) -> None:
        """Add a person, or set their password hash (None keeps the one they have)."""
        with self.sessions() as s, s.begin():
            _put_person(s, name, password_hash)

    def set_member(self, slug: str, person: str, role: str, password_hash: str | None = None) -> None:
        """`person` (created if new) joins team `slug` with `role`, or changes role there."""
        if role not in ROLES:
            raise ValueError(f"the role {role!r} is not one of {', '.join(ROLES)}")
        with self.sessions() as s, s.begin():
            team = model.get_team(s, slug)
            _put_person(s, person, password_hash)
            row = s.get(TeamMemberRow, (team.id, person))
            if row is None:
                s.add(TeamMemberRow(team_id=team.id, person=person, role=role))
            else:
                row.role = role

    def remove_member(self, slug: str, person: str) -> bool:
        """Take `person` out of team `slug` (they keep their other teams); False if not a member."""
        with self.sessions() as s, s.begin():
            team = model.get_team(s, slug)
            done = s.execute(delete(TeamMemberRow).where(TeamMemberRow.team_id == team.id,
                                                         TeamMemberRow.person == person))
            return bool(getattr(done, "rowcount", 0))

    def members(self, slug: str) -> list[Member]:
        with self.sessions() as s:
            team = model.get_team(s, slug)
            rows = s.execute(select(TeamMemberRow.person, TeamMemberRow.role, PersonRow.password_hash)
                             .join(PersonRow, PersonRow.name == TeamMemberRow.person)
                             .where(TeamMemberRow.team_id == team.id).order_by(TeamMemberRow.person)).all()
        return [Member(name, role, bool(hashed)) for name, role, hashed in rows]

    def memberships(self, person: str) -> list[tuple[Team, str]]:
        """The teams a person is in, with their role in each (the web's team switcher)."""
        with self.sessions() as s:
            return model.teams_of(s, person)

    def password_hash(self, person: str) -> str | None:
        with self.sessions() as s:
            row = s.get(PersonRow, person)
            return row.password_hash if row else None

    def team_summary(self) -> list[dict]:
        """Every team with its number of people and active subscriptions (`monitor team list`)."""
        with self.sessions() as s:
            people = dict(s.execute(select(TeamMemberRow.team_id, func.count()).group_by(TeamMemberRow.team_id)).all())
            subs = dict(s.execute(select(SubscriptionRow.team_id, func.count())
                                  .where(SubscriptionRow.active.is_(True)).group_by(SubscriptionRow.team_id)).all())
            return [{"slug": t.slug, "name": t.name, "language": t.language, "timezone": t.timezone,
                     "people": people.get(t.id, 0), "sources": subs.get(t.id, 0)} for t in model.list_teams(s)]

    def subscriptions(self, slug: str) -> dict[str, str]:
        """The team's active subscriptions: source row name -> the team's own name for it."""
        with self.sessions() as s:
            team = model.get_team(s, slug)
            rows = s.execute(select(SourceRow.name, SubscriptionRow.name)
                             .join(SubscriptionRow, SubscriptionRow.source_id == SourceRow.id)
                             .where(SubscriptionRow.team_id == team.id, SubscriptionRow.active.is_(True))).all()
        return dict(rows)


def _put_person(s: Session, name: str, password_hash: str | None) -> None:
    row = s.get(PersonRow, name)
    if row is None:
        s.add(PersonRow(name=name, password_hash=password_hash, created=utcnow()))
    elif password_hash and password_hash != row.password_hash:
        row.password_hash = password_hash
        end_sessions_of(s, name)          # a new password signs out every browser of the old one
    s.flush()


__all__ = ["Member", "TeamStore"]
