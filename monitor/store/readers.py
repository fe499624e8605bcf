"""The archive's readers: their visits, what they have seen, and the view they chose.

A reader is a signed-in name, or one browser when login is off (the web layer names
it). Three things are kept per reader, in the database so that they follow the person
from one browser or machine to the next, and survive restarts and several workers:

- visits: a visit is a run of activity without a pause longer than the caller's gap
  (or one that a sign-in began). `previous_visit` is the last activity of the visit
  before the current one, so "new since my last visit" means what arrived after the
  person last looked, and stays the same while they read (it is not "since this request",
  which would always be empty);
- seen items: (reader, item) pairs, written when an item is opened or marked seen;
- preferences: the last chosen view (all | new | digest) and "tagged only".
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.clock import utcnow
from monitor.store import browse, team_view
from monitor.store.items import ItemQuery, _insert_ignore
from monitor.store.rows import CHUNK
from monitor.store.schema import DigestRow, ItemRow, ReaderRow, SeenRow, table_of


@dataclass(frozen=True)
class Visit:
    """The reader's current visit: when it began, and when the one before it ended (None: first visit)."""
    started: datetime
    previous: datetime | None


@dataclass(frozen=True)
class Preferences:
    view: str | None = None          # all | new | digest; None: never chosen
    tagged_only: bool = False


class ReaderStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    # ------------------------------------------------------------------ visits
    def visit(self, reader: str, gap: timedelta, *, fresh: bool = False, now: datetime | None = None) -> Visit:
        """Record activity of `reader` now and return their visit. A pause longer than `gap` since
        their last activity, or `fresh` (they just signed in), begins a new visit whose
        `previous` is that last activity."""
        now = now or utcnow()
        with self.sessions() as s, s.begin():
            row, created = _reader(s, reader, now)
            if not created and (fresh or now - row.last_active > gap):
                row.previous_visit, row.visit_started = row.last_active, now
            row.last_active = max(row.last_active, now)
            return Visit(started=row.visit_started, previous=row.previous_visit)

    def current_visit(self, reader: str) -> Visit | None:
        """The reader's visit as last recorded, without recording activity (for machines' reads)."""
        with self.sessions() as s:
            row = s.get(ReaderRow, reader)
            return None if row is None else Visit(started=row.visit_started, previous=row.previous_visit)

    # ------------------------------------------------------------------ preferences
    def preferences(self, reader: str) -> Preferences:
        with self.sessions() as s:
            row = s.get(ReaderRow, reader)
            return Preferences() if row is None else Preferences(view=row.view, tagged_only=row.tagged_only)

    def remember(self, reader: str, *, view: str | None = None, tagged_only: bool | None = None,
                 now: datetime | None = None) -> None:
        """Keep the reader's chosen view and/or "tagged only" (None leaves one as it is)."""
        with self.sessions() as s, s.begin():
            row, _ = _reader(s, reader, now or utcnow())
            if view is not None:
                row.view = view
            if tagged_only is not None:
                row.tagged_only = tagged_only

    # ------------------------------------------------------------------ seen
    def mark_seen(self, reader: str, item_ids: Collection[int], now: datetime | None = None) -> int:
        """Mark items as seen by `reader` (items already seen, or no longer stored, are skipped);
        returns how many were asked for."""
        now = now or utcnow()
        ids = sorted(set(item_ids))
        with self.sessions() as s, s.begin():
            _reader(s, reader, now)
            _insert_seen(s, reader, ids, now)
        return len(ids)

    def mark_query_seen(self, reader: str, query: ItemQuery, now: datetime | None = None) -> int:
        """Mark every item matching `query` (its offset and limit too) as seen; returns how many matched."""
        now = now or utcnow()
        with self.sessions() as s, s.begin():
            _reader(s, reader, now)
            ids = browse.item_ids(s, query)
            _insert_seen(s, reader, ids, now)
        return len(ids)

    def seen_among(self, reader: str, item_ids: Collection[int]) -> set[int]:
        """Which of these items `reader` has seen (probes of the primary key)."""
        ids = sorted(set(item_ids))
        found: set[int] = set()
        with self.sessions() as s:
            for start in range(0, len(ids), CHUNK):
                found.update(s.scalars(select(SeenRow.item_id).where(
                    SeenRow.reader == reader, SeenRow.item_id.in_(ids[start:start + CHUNK]))))
        return found

    # ------------------------------------------------------------------ views
    def last_digest_at(self, targets: Collection[str] = (), team_id: int | None = None) -> datetime | None:
        """When a digest of the team (None: the default team) last went out to one of `targets` (any
        target when none are named)."""
        stmt = select(func.max(DigestRow.sent_at)).where(DigestRow.state == "sent")
        if targets:
            stmt = stmt.where(DigestRow.target.in_(sorted(targets)))
        with self.sessions() as s:
            return s.scalar(stmt.where(DigestRow.team_id == team_view.tag_team(s, team_id)))

    def view_counts(self, queries: dict[str, ItemQuery],
                    known: Mapping[str, browse.Counted | None] | None = None) -> dict[str, browse.Counted]:
        """Items and stories matching each named query, in one transaction (the archive's view tabs);
        with `known`, those counts plus what was stored since (browse.counts_since)."""
        known = known or {}
        with self.sessions() as s:
            return {name: browse.counts_since(s, q, known.get(name)) for name, q in queries.items()}


def _reader(s: Session, name: str, now: datetime) -> tuple[ReaderRow, bool]:
    """The reader's row (locked for this transaction on PostgreSQL), and whether it was created now
    (insert-or-nothing, so two requests of a new reader cannot collide)."""
    table = table_of(ReaderRow)
    created = s.execute(_insert_ignore(s, table).values(
        name=name, visit_started=now, last_active=now, previous_visit=None, view=None, tagged_only=False)
        .returning(table.c.name)).scalar() is not None
    row = s.get(ReaderRow, name, with_for_update=s.get_bind().dialect.name == "postgresql")
    if row is None:      # never: inserted above or already there
        raise KeyError(name)
    return row, created


def _insert_seen(s: Session, reader: str, ids: list[int], now: datetime) -> None:
    """Seen rows for those of `ids` still stored (an item may have gone since the page showed it)."""
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        stored = s.scalars(select(ItemRow.id).where(ItemRow.id.in_(chunk))).all()
        if stored:
            s.execute(_insert_ignore(s, table_of(SeenRow)),
                      [{"reader": reader, "item_id": i, "seen_at": now} for i in stored])
