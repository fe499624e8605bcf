"""Items to rows and back: the only place an `Item` meets the `items` table.

Writing, an item becomes a dict of column values (with its text folded once for the
search index, the title key and story tokens); reading, rows become `Item`s with their
effective tags, so no ORM row ever leaves monitor/store/.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

from sqlalchemy import Row, Select, select
from sqlalchemy.orm import Session

from monitor.item import Item
from monitor.store.schema import ItemRow, ItemTagRow, SourceRow
from monitor.store.search import normalize

CHUNK = 500          # ids per IN (...) list: well below every driver's parameter limit

_WORDS = re.compile(r"\w+")

# An item row with its source's name, as `with_source()` selects it.
RowWithSource: TypeAlias = "Row[ItemRow, str]"


def title_key(title: str, folded: bool = False) -> str:
    """Titles that differ only in case, accents, punctuation or spacing are the same title."""
    return " ".join(_WORDS.findall(title if folded else normalize(title)))[:200]


@dataclass
class Folded:
    """An item's text folded once (search index, title key and story tokens all need it)."""
    title: str
    summary: str
    key: str

    @classmethod
    def of(cls, item: Item) -> Folded:
        title = normalize(item.title)
        return cls(title, normalize(item.summary), title_key(title, folded=True))


def item_values(it: Item, source_id: int, now: datetime, folded: Folded) -> dict[str, Any]:
    """The `items` columns of a new item; its date for sorting is never in the future."""
    sort = it.sort_date(now)
    return {
        "source_id": source_id, "fingerprint": it.fingerprint, "guid": it.guid, "url": it.url,
        "canonical_url": it.canonical_url, "title": it.title, "summary": it.summary,
        "content_html": it.content_html, "kind": it.kind, "published": it.published, "fetched": now,
        "sort_date": sort, "lang": it.lang, "platforms": list(it.platforms), "scores": dict(it.scores),
        "categories": list(it.categories) or None,
        "tags_origin": "model", "search_text": f"{folded.title} {folded.summary}".strip(),
        "title_key": folded.key,
    }


def with_source() -> Select[ItemRow, str]:
    """SELECT item rows with the name of their source."""
    return select(ItemRow, SourceRow.name).join(SourceRow, SourceRow.id == ItemRow.source_id)


def load_items(s: Session, rows: Sequence[RowWithSource], team_id: int | None = None) -> list[Item]:
    """Rows to Items, with their effective tags for `team_id` (the model's, or the team's correction;
    see team_view.py) fetched in one query per chunk."""
    from monitor.store import team_view

    ids = [row.id for row, _ in rows]
    tags: dict[int, list[str]] = {}
    for start in range(0, len(ids), CHUNK):
        for iid, tag in s.execute(select(ItemTagRow.item_id, ItemTagRow.tag)
                                  .where(ItemTagRow.item_id.in_(ids[start:start + CHUNK]))):
            tags.setdefault(iid, []).append(tag)
    tags.update(team_view.overlay_tags(s, team_id, ids))       # the team's own model, where it has one
    tags.update(team_view.corrected_tags(s, team_id, ids))     # the team's corrections before both
    names = team_view.source_names(s, team_id, {row.source_id for row, _ in rows})
    return [Item(source=names.get(row.source_id, name), title=row.title, url=row.url, summary=row.summary,
                 content_html=row.content_html,
                 published=row.published, guid=row.guid, lang=row.lang, platforms=list(row.platforms or []),
                 tags=sorted(tags.get(row.id, [])), scores=dict(row.scores or {}), kind=row.kind,
                 canonical_url=row.canonical_url, id=row.id, fetched=row.fetched, cluster=row.cluster_id,
                 categories=list(row.categories or []))
            for row, name in rows]


def rows_by_ids(s: Session, ids: Sequence[int], team_id: int | None = None) -> list[RowWithSource]:
    """(ItemRow, source name) for `ids`, in that order; with `team_id`, only the items the team sees."""
    from monitor.store import team_view

    found: dict[int, RowWithSource] = {}
    seen = [team_view.visible(team_id)] if team_id is not None else []
    team_view.hold(s, team_id)
    for start in range(0, len(ids), CHUNK):
        for row in s.execute(with_source().where(ItemRow.id.in_(list(ids[start:start + CHUNK])), *seen)).all():
            found[row[0].id] = row
    return [found[i] for i in ids if i in found]


def items_by_ids(s: Session, ids: Sequence[int], team_id: int | None = None) -> list[Item]:
    """The items with these ids, in the order given (ids not stored, or not seen by the team, are left out)."""
    return load_items(s, rows_by_ids(s, list(dict.fromkeys(ids)), team_id), team_id)
