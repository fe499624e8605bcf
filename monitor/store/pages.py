"""Watched pages in the store: every distinct text version of a page, oldest first.

A version is written only when the normalised text differs from the latest one, so
the table holds the page's history, not one row per fetch. `item_id` links a version
to the change item that reported it; monitor/watch/page_changes.py sets it once the item is
known to be stored, which lets a change survive a crash between the two writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session, sessionmaker

from monitor.clock import utcnow
from monitor.store.schema import ItemRow, PageVersionRow, SourceRow
from monitor.watch.page_diff import text_hash

NO_ITEM = 0      # item_id of a version that needs no change item (settle_version)


@dataclass
class PageVersion:
    id: int
    source: str
    fetched: datetime
    text_hash: str
    text: str
    item_id: int | None = None


class PageStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def latest_version(self, source_name: str) -> PageVersion | None:
        with self.sessions() as s:
            row = s.execute(_versions_of(source_name).order_by(PageVersionRow.id.desc()).limit(1)).first()
        return _version(source_name, row[0]) if row else None

    def previous_version(self, source_name: str, version_id: int) -> PageVersion | None:
        """The version stored just before `version_id` (None for the baseline)."""
        with self.sessions() as s:
            row = s.execute(_versions_of(source_name).where(PageVersionRow.id < version_id)
                            .order_by(PageVersionRow.id.desc()).limit(1)).first()
        return _version(source_name, row[0]) if row else None

    def recent_versions(self, source_name: str, limit: int = 20, before: int | None = None) -> list[PageVersion]:
        """The newest `limit` versions (only those stored before version id `before`, if given), newest first."""
        query = _versions_of(source_name)
        if before is not None:
            query = query.where(PageVersionRow.id < before)
        with self.sessions() as s:
            rows = s.scalars(query.order_by(PageVersionRow.id.desc()).limit(limit)).all()
        return [_version(source_name, r) for r in rows]

    def version_with_hash(self, source_name: str, digest: str) -> PageVersion | None:
        """The first stored version of this page whose text has this hash: was this text seen before?"""
        with self.sessions() as s:
            row = s.scalars(_versions_of(source_name).where(PageVersionRow.text_hash == digest)
                            .order_by(PageVersionRow.id).limit(1)).first()
        return _version(source_name, row) if row else None

    def versions(self, source_name: str) -> list[PageVersion]:
        with self.sessions() as s:
            rows = s.scalars(_versions_of(source_name).order_by(PageVersionRow.id)).all()
        return [_version(source_name, r) for r in rows]

    def add_version(self, source_name: str, text: str, now: datetime | None = None) -> PageVersion:
        """Store one version; the source must already be synced from the config."""
        with self.sessions() as s, s.begin():
            source_id = s.scalar(select(SourceRow.id).where(SourceRow.name == source_name))
            if source_id is None:
                raise KeyError(f"unknown source {source_name!r}; sync the sources first")
            row = PageVersionRow(source_id=source_id, fetched=now or utcnow(), text_hash=text_hash(text), text=text)
            s.add(row)
            s.flush()
            return _version(source_name, row)

    def settle_version(self, version_id: int) -> None:
        """Mark a version that reports nothing (a baseline, a variant's first text, a text whose
        changes were all seen before), so later fetches of the same text do not weigh it again."""
        self.link_version(version_id, NO_ITEM)

    def link_version(self, version_id: int, item_id: int) -> None:
        with self.sessions() as s, s.begin():
            s.execute(update(PageVersionRow).where(PageVersionRow.id == version_id).values(item_id=item_id))

    def stored_item_id(self, source_name: str, fingerprint: str) -> int | None:
        """The id of the item with this fingerprint in this source, if it was stored."""
        with self.sessions() as s:
            return s.scalar(select(ItemRow.id).join(SourceRow, SourceRow.id == ItemRow.source_id)
                            .where(SourceRow.name == source_name, ItemRow.fingerprint == fingerprint))


def _versions_of(source_name: str) -> Select[PageVersionRow]:
    return (select(PageVersionRow).join(SourceRow, SourceRow.id == PageVersionRow.source_id)
            .where(SourceRow.name == source_name))


def _version(source_name: str, row: PageVersionRow) -> PageVersion:
    return PageVersion(id=row.id, source=source_name, fetched=row.fetched, text_hash=row.text_hash,
                       text=row.text, item_id=row.item_id)
