"""Items in the store: idempotent adding, story clusters, filtered queries, corrections."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Select, bindparam, delete, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from monitor.item import Item
from monitor.clock import utcnow
from monitor.store.schema import CorrectionRow, DeliveryRow, ItemPlatformRow, ItemRow, ItemTagRow, SourceRow
from monitor.store import browse
from monitor.store.search import normalize
from monitor.stories.clusters import StoryIndex, tokens

CLUSTER_WINDOW = timedelta(days=14)
STORY_WINDOW = timedelta(days=3)     # near-duplicates: reports of one event come within days


def title_key(title: str, folded: bool = False) -> str:
    """Titles that differ only in case, accents, punctuation or spacing are the same title."""
    return " ".join(_WORDS.findall(title if folded else normalize(title)))[:200]


_WORDS = re.compile(r"\w+")


@dataclass
class _Folded:
    """An item's text folded once (search index, title key and story tokens all need it)."""
    title: str
    summary: str
    key: str

    @classmethod
    def of(cls, item: Item) -> "_Folded":
        title = normalize(item.title)
        return cls(title, normalize(item.summary), title_key(title, folded=True))


@dataclass
class ItemQuery:
    """Filters shared by `monitor items`, `/`, `/api/items` and `/feed.xml`; all combine."""
    tags: list[str] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    lang: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    q: str | None = None
    order: str = "newest"          # newest | relevance
    limit: int | None = None
    offset: int = 0
    # Items naming one of these platforms, or no platform at all (settings.hide_other_platforms).
    platform_scope: list[str] | None = None


@dataclass
class NewDelivery:
    """An alert the pipeline wants sent: item (by position in the batch), target, why."""
    index: int
    target: str
    reason: str


def item_json(item: Item) -> dict:
    """The contract's Item object."""
    return {
        "id": item.id, "title": item.title, "url": item.url, "summary": item.summary, "source": item.source,
        "published": item.published.isoformat() if item.published else None,
        "fetched": item.fetched.isoformat() if item.fetched else None,
        "lang": item.lang, "tags": list(item.tags), "scores": dict(item.scores),
        "platforms": list(item.platforms), "cluster": item.cluster,
    }


class ItemStore:
    # ------------------------------------------------------------------ writing
    def unseen(self, items: Sequence[Item]) -> list[Item]:
        """The items not stored yet (by source and fingerprint), first of each duplicate in the batch.

        Looked up by fingerprint in chunks across all sources (one query per 500 items, not
        one per source: a run can bring thousands of sources).
        """
        with self.session() as s:
            ids = dict(s.execute(select(SourceRow.name, SourceRow.id)).all())
            keyed = [((ids.get(it.source), it.fingerprint), it) for it in items]
            fps = sorted({fp for (_sid, fp), _it in keyed})
            known: set[tuple[int, str]] = set()
            for start in range(0, len(fps), 500):
                known.update((sid, fp) for sid, fp in s.execute(
                    select(ItemRow.source_id, ItemRow.fingerprint).where(ItemRow.fingerprint.in_(fps[start:start + 500]))))
        fresh: list[Item] = []
        for key, it in keyed:
            if key not in known:
                known.add(key)
                fresh.append(it)
        return fresh

    def add_items(self, items: Sequence[Item], deliveries: Sequence[NewDelivery] = (),
                  now: datetime | None = None) -> list[Item]:
        """Store items with their tags, platforms, story cluster and alerts in ONE transaction.

        Returns only the items that were really new (a concurrent or repeated run finds
        the unique constraint and adds nothing), with `id`, `fetched` and `cluster` set.
        Alerts are queued in the same transaction, so a crash never leaves an item
        stored but its alert forgotten, nor an alert for an item that was not stored.
        """
        now = now or utcnow()
        added: list[Item] = []
        with self.session() as s, s.begin():
            ids = dict(s.execute(select(SourceRow.name, SourceRow.id)).all())
            folded = {id(it): _Folded.of(it) for it in items}
            rows = [self._row(it, ids[it.source], now, folded[id(it)]) for it in items if it.source in ids]
            if not rows:
                return []
            # Core, not the ORM's bulk path: a third less time at tens of thousands of rows.
            table = ItemRow.__table__
            stmt = self._insert_ignore(s, table).returning(table.c.id, table.c.source_id, table.c.fingerprint)
            inserted = {(sid, fp): iid for iid, sid, fp in s.execute(stmt, rows)}
            position: dict[int, int] = {}
            for index, it in enumerate(items):
                iid = inserted.pop((ids.get(it.source), it.fingerprint), None)
                if iid is not None:
                    it.id, it.fetched = iid, now
                    position[index] = iid
                    added.append(it)
            self._index_for_search(s, [it.id for it in added])
            self._write_labels(s, added)
            self._assign_clusters(s, added, now, folded)
            alerts = [{"target": d.target, "item_id": position[d.index], "reason": d.reason, "state": "pending",
                       "attempts": 0, "created": now} for d in deliveries if d.index in position]
            if alerts:
                s.execute(self._insert_ignore(s, DeliveryRow), alerts)
        return added

    @staticmethod
    def _insert_ignore(s, table):
        dialect = s.get_bind().dialect.name
        if dialect == "sqlite":
            return sqlite.insert(table).on_conflict_do_nothing()
        if dialect == "postgresql":
            return postgresql.insert(table).on_conflict_do_nothing()
        return insert(table)

    @staticmethod
    def _row(it: Item, source_id: int, now: datetime, folded: _Folded) -> dict:
        sort = min(it.published, now) if it.published else now
        return {
            "source_id": source_id, "fingerprint": it.fingerprint, "guid": it.guid, "url": it.url,
            "canonical_url": it.canonical_url, "title": it.title, "summary": it.summary,
            "content_html": it.content_html, "kind": it.kind, "published": it.published, "fetched": now,
            "sort_date": sort, "lang": it.lang, "platforms": list(it.platforms), "scores": dict(it.scores),
            "tags_origin": "model", "search_text": f"{folded.title} {folded.summary}".strip(),
            "title_key": folded.key,
        }

    @staticmethod
    def _index_for_search(s, ids: list[int]) -> None:
        """SQLite's FTS index is filled per batch (see migration 0004); PostgreSQL's tsvector is a
        generated column and needs nothing."""
        if s.get_bind().dialect.name != "sqlite" or not ids:
            return
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            s.execute(text(f"INSERT INTO items_fts(rowid, search_text) SELECT id, search_text FROM items "
                           f"WHERE id IN ({','.join(str(int(i)) for i in chunk)})"))

    @staticmethod
    def _write_labels(s, items: Sequence[Item]) -> None:
        tags = [{"item_id": it.id, "tag": t, "score": it.scores.get(t)} for it in items for t in it.tags]
        plats = [{"item_id": it.id, "platform": p} for it in items for p in set(it.platforms)]
        if tags:   # Core executemany: the ORM's bulk path costs more than the insert at 40k rows
            s.execute(ItemTagRow.__table__.insert(), tags)
        if plats:
            s.execute(ItemPlatformRow.__table__.insert(), plats)

    def _story_index(self, s, now: datetime, new_ids: set[int]) -> StoryIndex:
        """Recent items' token sets, loaded once per process and kept up to date as items are added.

        The items being added right now are left out of the load: they are added one by
        one after their own match, or they would match themselves.
        """
        index = getattr(self, "_stories", None)
        if index is None:
            index = StoryIndex()
            rows = s.execute(select(ItemRow.id, ItemRow.cluster_id, ItemRow.title, ItemRow.summary)
                             .where(ItemRow.fetched >= now - STORY_WINDOW)).all()
            index.load(row for row in rows if row[0] not in new_ids)
            self._stories = index
        return index

    def _assign_clusters(self, s, items: Sequence[Item], now: datetime, folded: dict[int, _Folded]) -> None:
        """Same canonical URL or same normalised title within two weeks: one story.

        Looked up in bulk (indexed columns, chunks of 500) because a first run can
        bring tens of thousands of items.
        """
        if not items:
            return
        since, new_ids = now - CLUSTER_WINDOW, {it.id for it in items}
        by_url: dict[str, int] = {}
        by_title: dict[str, int] = {}
        urls = sorted({it.canonical_url for it in items if it.canonical_url})
        keys = sorted({folded[id(it)].key for it in items})
        for column, values, found in ((ItemRow.canonical_url, urls, by_url), (ItemRow.title_key, keys, by_title)):
            for start in range(0, len(values), 500):
                rows = s.execute(select(column, func.coalesce(ItemRow.cluster_id, ItemRow.id), ItemRow.id)
                                 .where(column.in_(values[start:start + 500]), ItemRow.fetched >= since)
                                 .order_by(ItemRow.id)).all()
                for value, cluster, iid in rows:
                    if iid not in new_ids:
                        found.setdefault(value, cluster)
        stories = self._story_index(s, now, new_ids)
        for it in items:
            text = folded[id(it)]
            key, toks = text.key, tokens(text.title, text.summary, folded=True)
            it.cluster = by_url.get(it.canonical_url) or by_title.get(key) or stories.match(toks) or it.id
            if it.canonical_url:
                by_url.setdefault(it.canonical_url, it.cluster)
            by_title.setdefault(key, it.cluster)
            stories.add(it.id, it.cluster, toks)
        table = ItemRow.__table__
        s.execute(table.update().where(table.c.id == bindparam("item")).values(cluster_id=bindparam("cluster")),
                  [{"item": it.id, "cluster": it.cluster} for it in items])

    # ------------------------------------------------------------------ reading
    def query_items(self, query: ItemQuery) -> list[Item]:
        """Matching items in the query's order: ids from narrow indexes first, then the rows (see browse.py)."""
        with self.session() as s:
            return self._load(s, browse.item_rows(s, query))

    def query_ids(self, query: ItemQuery) -> list[int]:
        """The ids `query_items` would return, in the same order, without loading the items."""
        with self.session() as s:
            return browse.item_ids(s, query)

    def count_items(self, query: ItemQuery) -> int:
        with self.session() as s:
            return browse.count(s, query)

    def count_stories(self, query: ItemQuery) -> tuple[int, int]:
        """(matching items, story clusters they belong to), in one pass."""
        with self.session() as s:
            return browse.counts(s, query)

    def query_stories(self, query: ItemQuery, ratio: float = 1.0) -> list[Item]:
        """One row per story: the first matching item of each cluster in the query's order;
        `offset` and `limit` count stories. `ratio` = items per story, when known, sizes the read."""
        with self.session() as s:
            return self._load(s, browse.rows_by_ids(s, browse.story_ids(s, query, ratio)))

    def story_page(self, query: ItemQuery) -> tuple[int, int, list[Item], dict[int, list[browse.Report]]]:
        """The archive's page in one transaction: (matching items, stories, the page's stories as
        their first items, every report of those stories by cluster). `offset`/`limit` count stories."""
        with self.session() as s:
            if query.q:                       # a search reads its matches once, for counts and page
                total, stories, ids = browse.story_scan(s, query)
            else:
                total, stories = browse.counts(s, query)
                if not stories or query.offset >= stories:
                    return total, stories, [], {}
                ids = browse.story_ids(s, query, total / stories, stories)
            items = self._load(s, browse.rows_by_ids(s, ids))
            return total, stories, items, browse.members(s, [it.cluster for it in items])

    def story_reports(self, clusters: Sequence[int]) -> dict[int, list[browse.Report]]:
        """Every report (id, source, title, url, date) of the given clusters, newest first."""
        with self.session() as s:
            return browse.members(s, clusters)

    def get_item(self, item_id: int) -> Item | None:
        with self.session() as s:
            rows = list(s.execute(self._base().where(ItemRow.id == item_id)).all())
            found = self._load(s, rows)
            return found[0] if found else None

    def cluster_items(self, cluster: int) -> list[Item]:
        with self.session() as s:
            rows = s.execute(self._base().where(ItemRow.cluster_id == cluster).order_by(ItemRow.sort_date)).all()
            return self._load(s, list(rows))

    def items_by_ids(self, ids: Sequence[int]) -> list[Item]:
        with self.session() as s:
            found: list[Item] = []
            for start in range(0, len(ids), 500):
                rows = s.execute(self._base().where(ItemRow.id.in_(ids[start:start + 500]))).all()
                found += self._load(s, list(rows))
            order = {iid: n for n, iid in enumerate(ids)}
            return sorted(found, key=lambda it: order[it.id])

    @staticmethod
    def _base() -> Select:
        return select(ItemRow, SourceRow.name).join(SourceRow, SourceRow.id == ItemRow.source_id)

    @staticmethod
    def _load(s, rows: list) -> list[Item]:
        """Rows to Items, with their effective tags fetched in one query."""
        ids = [row.id for row, _ in rows]
        tags: dict[int, list[str]] = {}
        for start in range(0, len(ids), 500):
            for iid, tag in s.execute(select(ItemTagRow.item_id, ItemTagRow.tag)
                                      .where(ItemTagRow.item_id.in_(ids[start:start + 500]))):
                tags.setdefault(iid, []).append(tag)
        return [Item(source=name, title=row.title, url=row.url, summary=row.summary, content_html=row.content_html,
                     published=row.published, guid=row.guid, lang=row.lang, platforms=list(row.platforms or []),
                     tags=sorted(tags.get(row.id, [])), scores=dict(row.scores or {}), kind=row.kind,
                     canonical_url=row.canonical_url, id=row.id, fetched=row.fetched, cluster=row.cluster_id)
                for row, name in rows]

    # ------------------------------------------------------------------ corrections
    def correct_tags(self, item_id: int, tags: Sequence[str], user: str, now: datetime | None = None) -> None:
        """A person's tags replace the model's for this item and are kept, with who and when, for training."""
        now = now or utcnow()
        with self.session() as s, s.begin():
            row = s.get(ItemRow, item_id)
            if row is None:
                raise KeyError(item_id)
            s.add(CorrectionRow(item_id=item_id, tags=sorted(set(tags)), user=user, created=now))
            s.execute(delete(ItemTagRow).where(ItemTagRow.item_id == item_id))
            if tags:
                s.execute(insert(ItemTagRow), [{"item_id": item_id, "tag": t, "score": None} for t in sorted(set(tags))])
            row.tags_origin = "correction"

    def corrections(self) -> list[tuple[Item, list[str], str, datetime]]:
        """The newest correction of every corrected item: (item, tags, user, when)."""
        with self.session() as s:
            newest = select(func.max(CorrectionRow.id)).group_by(CorrectionRow.item_id)
            rows = s.execute(select(CorrectionRow).where(CorrectionRow.id.in_(newest))).scalars().all()
            items = {it.id: it for it in self.items_by_ids([r.item_id for r in rows])}
            return [(items[r.item_id], list(r.tags), r.user, r.created) for r in rows if r.item_id in items]

    def correction_history(self, item_id: int) -> list[dict]:
        with self.session() as s:
            rows = s.scalars(select(CorrectionRow).where(CorrectionRow.item_id == item_id)
                             .order_by(CorrectionRow.id.desc())).all()
            return [{"tags": list(r.tags), "user": r.user, "created": r.created} for r in rows]
