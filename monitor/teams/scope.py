"""What a team may see: items of the sources it actively subscribes to, and nothing else.

EVERY query that returns items (or stories, trends, digests, alerts, exports built from
items) for a team goes through `visible_items`, so isolation is decided in one place. A
source shared by several teams has one row and its items one copy; the subscription is
what makes them visible to a team. A paused subscription (active false) hides them.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, select, text
from sqlalchemy.orm import Session

from monitor.store.schema import ItemRow, SubscriptionRow

S = TypeVar("S", bound=Select[Any])


def visible_source_ids(team_id: int) -> Select[int]:
    """The ids of the sources the team actively subscribes to, as a subquery-ready SELECT."""
    return (select(SubscriptionRow.source_id)
            .where(SubscriptionRow.team_id == team_id, SubscriptionRow.active.is_(True)))


def visible_items(stmt: S, team_id: int, source_id: Any = ItemRow.source_id) -> S:
    """`stmt` limited to items of the team's subscribed sources. `source_id` is the column to
    filter on when the statement reads items through an alias or another table's source_id."""
    return stmt.where(source_id.in_(visible_source_ids(team_id)))


def can_see_source(team_id: int, source_id: Any) -> Any:
    """A condition for statements that name a source (health pages, page versions)."""
    return source_id.in_(visible_source_ids(team_id))


def unguarded_role(session: Session) -> str | None:
    """The database role's name when row-level security does not hold it (a superuser, or a role
    with BYPASSRLS, such as the `postgres` of a fresh installation), else None; None on SQLite."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    row = session.execute(text("SELECT current_user, rolsuper OR rolbypassrls FROM pg_roles "
                               "WHERE rolname = current_user")).first()
    return str(row[0]) if row is not None and row[1] else None


def guard(session: Session, team_id: int) -> None:
    """Hold the rest of this transaction to `team_id`'s items on PostgreSQL, by row-level security
    (migration 0010): a second guard behind `visible_items`, for the web's and the API's
    transactions. A no-op on SQLite, which has no row-level security."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT set_config('lagebild.team', :team, true)"), {"team": str(team_id)})
