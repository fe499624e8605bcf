"""Items for machines: pages that follow a key instead of counting, and walks in batches.

A page is "the next `size` matches after this item" in a fixed order: newest first by
(sort date, id), or by (relevance score, sort date, id). The position travels as a
`Key` (the last item's values), never as an offset, so

- a page deep in the archive costs what the first page costs (no OFFSET to walk past),
- items stored between two requests neither repeat an item nor push one out of the
  next page: the key says where the walk stands, whatever was inserted before it.

A walk (`?all=1`, the exports, `monitor items --format json|csv`) reads every match in
ONE statement, `yield_per` rows at a time (a server-side cursor on PostgreSQL, stepping
on SQLite), so memory stays flat at any size and one snapshot answers the whole walk.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.orm import Session

from monitor.store import browse
from monitor.store.rows import RowWithSource, rows_by_ids
from monitor.store.schema import ItemRow, SourceRow

if TYPE_CHECKING:
    from monitor.store.items import ItemQuery

BATCH = 500          # rows a walk holds at a time


@dataclass(frozen=True)
class Key:
    """Where a page ended: its last item's sort date and id, and its relevance score in that order."""
    when: datetime
    id: int
    score: float | None = None


def page(s: Session, q: ItemQuery, after: Key | None, size: int) -> tuple[list[RowWithSource], Key | None]:
    """(ItemRow, source name) of up to `size` matches after `after` (the query's offset applies
    before the first page only), and the key of the last one when more match.

    Narrow columns first, one more than asked (is there a next page?), then the wide rows by id."""
    browse.tune(s)
    stmt, score = browse.ranked(s, q, ItemRow.id, ItemRow.sort_date)
    if stmt is None or size <= 0:
        return [], None
    if after is not None:
        stmt = stmt.where(beyond(after, score))
    stmt = browse.in_order(s, q, stmt, score)          # (id, sort date[, score])
    if after is None and q.offset:
        stmt = stmt.offset(q.offset)
    found = s.execute(stmt.limit(size + 1)).all()
    rows = rows_by_ids(s, [r[0] for r in found[:size]])
    if len(found) <= size:
        return rows, None
    last = found[size - 1]
    return rows, Key(when=last[1], id=last[0], score=None if score is None else float(last[2]))


def beyond(key: Key, score: ColumnElement[float] | None) -> ColumnElement[bool]:
    """Items after `key` in the order (score descending, then newest first).

    In date order the range test on sort_date comes first, so both databases start the
    walk down the date index at the key instead of at the newest item."""
    older = or_(ItemRow.sort_date < key.when, and_(ItemRow.sort_date == key.when, ItemRow.id < key.id))
    if score is None or key.score is None:
        return and_(ItemRow.sort_date <= key.when, older)
    return or_(score < key.score, and_(score == key.score, older))


def walk(s: Session, q: ItemQuery, batch: int) -> Iterator[list[RowWithSource]]:
    """(ItemRow, source name) of every match in the query's order (its offset and limit too),
    `batch` rows at a time, from one statement."""
    browse.tune(s)
    stmt = browse.ordered(s, q, ItemRow, SourceRow.name, form="all")
    if stmt is None:
        return
    stmt = stmt.join(SourceRow, SourceRow.id == ItemRow.source_id).offset(q.offset or None).limit(q.limit)
    result = s.execute(stmt, execution_options={"yield_per": batch})
    try:
        for rows in result.partitions():
            yield list(rows)
    finally:
        result.close()
