"""What one team sees of the shared archive: the items of its subscribed sources, with its own tags.

Items are fetched and stored once for everybody; a team sees those whose source it
subscribes to (`monitor.teams.scope`), and every item-returning read of the store takes
the team and goes through `visible` here. A read without a team (`team_id=None`) is the
whole archive, as before teams existed: commands and tests that know no team.

Tags, in three layers, each read-time and for one team only:
1. `item_tags`: the installation's model, the same for every team;
2. `team_tags` (migration 0011): the tags the team's own model (`monitor train --team`) gave
   the item, written for the team's recent items when it trains and for new items as they
   are stored; where a row exists the team sees it instead of `item_tags`;
3. the team's corrections: an item the team corrected carries the tags of the team's newest
   correction of it, whatever either model said.
Lists, filters and counts all apply them. A read without a team shows the default team's
layers (before teams, every correction was the one team's), so an installation with one
team behaves exactly as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Exists, Select, String, and_, cast, delete, func, not_, or_, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.store.rows import CHUNK
from monitor.store.schema import DEFAULT_SLUG, CorrectionRow, ItemRow, ItemTagRow, TeamTagRow


def visible(team_id: int, source_id: Any = ItemRow.source_id) -> ColumnElement[bool]:
    """Items of the sources the team subscribes to (active subscriptions); `source_id` is the column
    to test where a statement reads items through an alias."""
    from monitor.teams.scope import visible_source_ids  # monitor.teams reads the store's schema: no cycle
    return source_id.in_(visible_source_ids(team_id))


def visible_ids(team_id: int) -> Select[Any]:
    """The ids of the team's subscribed sources (active subscriptions), as a SELECT."""
    from monitor.teams.scope import visible_source_ids  # monitor.teams reads the store's schema: no cycle
    return visible_source_ids(team_id)


def hold(s: Session, team_id: int | None) -> None:
    """The second guard: on PostgreSQL, row-level security holds the rest of this transaction to
    the team's items (monitor.teams.scope.guard), whatever a query forgets. Once per session."""
    if team_id is None or s.info.get("held_team") == team_id:
        return
    from monitor.teams.scope import guard
    guard(s, team_id)
    s.info["held_team"] = team_id


def source_names(s: Session, team_id: int | None, source_ids: set[int]) -> dict[int, str]:
    """Source id -> the name the team gave it (its subscription): a shared source is called what
    each team calls it, never what another team named it. Empty without a team."""
    if team_id is None or not source_ids:
        return {}
    from monitor.store.schema import SubscriptionRow
    wanted = sorted(source_ids)
    out: dict[int, str] = {}
    for start in range(0, len(wanted), CHUNK):
        out.update(s.execute(select(SubscriptionRow.source_id, SubscriptionRow.name).where(
            SubscriptionRow.team_id == team_id, SubscriptionRow.source_id.in_(wanted[start:start + CHUNK]))).all())
    return out


def subscribed(s: Session, team_id: int, names: Sequence[str], categories: Sequence[str]) -> list[int]:
    """Ids of the team's sources with these names / categories as the team's subscriptions say them."""
    from monitor.store.schema import SubscriptionRow
    stmt = select(SubscriptionRow.source_id).where(SubscriptionRow.team_id == team_id,
                                                   SubscriptionRow.active.is_(True))
    if names:
        stmt = stmt.where(SubscriptionRow.name.in_(list(names)))
    if categories:
        stmt = stmt.where(SubscriptionRow.category.in_(list(categories)))
    return sorted(s.scalars(stmt))


def tag_team(s: Session, team_id: int | None) -> int | None:
    """The team whose corrections a read shows: the reading team, else the default team."""
    if team_id is not None:
        return team_id
    if "default_team" not in s.info:
        from monitor.store.schema import TeamRow
        s.info["default_team"] = s.scalar(select(TeamRow.id).where(TeamRow.slug == DEFAULT_SLUG))
    found = s.info["default_team"]
    return int(found) if found is not None else None


def corrects(s: Session, team: int | None) -> bool:
    """Whether the team corrected anything at all (most reads then need no overlay)."""
    return _team_has(s, "corrects", team, select(CorrectionRow.id).where(CorrectionRow.team_id == team))


def latest(team: int) -> Select[Any]:
    """Ids of the team's newest correction of each item it corrected."""
    return select(func.max(CorrectionRow.id)).where(CorrectionRow.team_id == team).group_by(CorrectionRow.item_id)


def _tags_text() -> ColumnElement[str]:
    return cast(CorrectionRow.tags, String)


def tagged(s: Session, team_id: int | None, tag: str | None, model: ColumnElement[bool]) -> ColumnElement[bool]:
    """`model` (the model's test for `tag`, or for any tag when None) with the team's corrections in force.

    The tags are a fixed vocabulary of plain words, so a correction's JSON list names a tag
    exactly when its text holds the quoted word: the same test on both databases."""
    team = tag_team(s, team_id)
    if team is None:
        return model
    if overlaid(s, team):           # the team's own model's tags instead of the installation's
        said = _overlay_text().like(f'%"{tag}"%') if tag else not_(_overlay_text().in_(["[]", ""]))
        if isinstance(model, Exists):   # a page: probes by primary key, so the date walk stops early
            own = select(TeamTagRow.item_id).where(TeamTagRow.team_id == team, TeamTagRow.item_id == ItemRow.id)
            model = or_(and_(model, ~own.exists()), own.where(said).exists())
        else:                           # counts and lists: one pass over the team's rows
            listed = select(TeamTagRow.item_id).where(TeamTagRow.team_id == team)
            model = or_(and_(model, ItemRow.id.not_in(listed)), ItemRow.id.in_(listed.where(said)))
    if not corrects(s, team):
        return model
    corrected = select(CorrectionRow.item_id).where(CorrectionRow.team_id == team)
    says = _tags_text().like(f'%"{tag}"%') if tag else not_(_tags_text().in_(["[]", ""]))
    chosen = select(CorrectionRow.item_id).where(CorrectionRow.id.in_(latest(team)), says)
    return or_(and_(model, ItemRow.id.not_in(corrected)), ItemRow.id.in_(chosen))


def corrected_tags(s: Session, team_id: int | None, ids: Sequence[int]) -> dict[int, list[str]]:
    """Item id -> the team's corrected tags, for those of `ids` the team corrected."""
    team = tag_team(s, team_id)
    if team is None or not corrects(s, team) or not ids:
        return {}
    return _tags_by_item(s, ids, lambda chunk: select(CorrectionRow.item_id, CorrectionRow.tags).where(
        CorrectionRow.id.in_(latest(team).where(CorrectionRow.item_id.in_(chunk)))))


def _tags_by_item(s: Session, ids: Sequence[int],
                  rows_of: Callable[[list[int]], Select[Any]]) -> dict[int, list[str]]:
    """Item id -> sorted tags, from the (item id, tags) rows `rows_of` selects for each chunk of `ids`."""
    out: dict[int, list[str]] = {}
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), CHUNK):
        out.update((iid, sorted(tags or [])) for iid, tags in s.execute(rows_of(wanted[start:start + CHUNK])).all())
    return out


def overlaid(s: Session, team: int | None) -> bool:
    """Whether the team's own model tagged anything (most teams have none: reads need no overlay)."""
    return _team_has(s, "overlaid", team, select(TeamTagRow.item_id).where(TeamTagRow.team_id == team))


def _team_has(s: Session, what: str, team: int | None, rows: Select[Any]) -> bool:
    """Whether `rows` (of one team) has any row; asked once per session (the answer sits in `s.info`)."""
    if team is None:
        return False
    key = (what, team)
    if key not in s.info:
        s.info[key] = s.scalar(rows.limit(1)) is not None
    return bool(s.info[key])


def _overlay_text() -> ColumnElement[str]:
    return cast(TeamTagRow.tags, String)


def overlay_tags(s: Session, team_id: int | None, ids: Sequence[int]) -> dict[int, list[str]]:
    """Item id -> the tags the team's own model gave it, for those of `ids` it tagged."""
    team = tag_team(s, team_id)
    if team is None or not overlaid(s, team) or not ids:
        return {}
    return _tags_by_item(s, ids, lambda chunk: select(TeamTagRow.item_id, TeamTagRow.tags).where(
        TeamTagRow.team_id == team, TeamTagRow.item_id.in_(chunk)))


class TeamTagStore:
    """Writes the team's own model's tags (`team_tags`), and reads what re-tagging needs."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def put_team_tags(self, team_id: int, tags: Mapping[int, Sequence[str]]) -> int:
        """Item id -> the tags the team's model gives it now, replacing what it gave before; rows written."""
        from monitor.store.schema import table_of
        wanted = sorted(tags)
        with self.sessions() as s, s.begin():
            for start in range(0, len(wanted), CHUNK):
                chunk = wanted[start:start + CHUNK]
                s.execute(delete(TeamTagRow).where(TeamTagRow.team_id == team_id, TeamTagRow.item_id.in_(chunk)))
                s.execute(table_of(TeamTagRow).insert(),
                          [{"team_id": team_id, "item_id": iid, "tags": sorted(set(tags[iid]))} for iid in chunk])
        return len(wanted)

    def team_categories(self, team_id: int) -> dict[str, str]:
        """The team's name of each source it follows -> the category it gave it (feed hints when tagging)."""
        from monitor.store.schema import SubscriptionRow
        with self.sessions() as s:
            return {name: category for name, category in s.execute(
                select(SubscriptionRow.name, SubscriptionRow.category).where(
                    SubscriptionRow.team_id == team_id, SubscriptionRow.active.is_(True))) if category}

    def team_item_ids_since(self, team_id: int, since: datetime) -> list[int]:
        """The ids of the team's items stored or published since `since` (what `train --team` re-tags)."""
        with self.sessions() as s:
            return list(s.scalars(select(ItemRow.id).where(visible(team_id), or_(
                ItemRow.sort_date >= since, ItemRow.fetched >= since)).order_by(ItemRow.id)))


def model_tagged(tag: str | None) -> ColumnElement[bool]:
    """The model's test, as an EXISTS probe (for callers outside the archive's filters)."""
    where = [ItemTagRow.item_id == ItemRow.id] + ([ItemTagRow.tag == tag] if tag else [])
    return select(ItemTagRow.item_id).where(*where).exists()
