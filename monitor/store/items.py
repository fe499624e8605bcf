"""Items in the store: idempotent adding, filtered queries, corrections.

How items become rows and back is in rows.py, how new items join a story in
clusters.py, and the archive's fast filtered reads in browse.py.
"""

from __future__ import annotations

import json
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import (
    ColumnElement,
    Insert,
    String,
    Table,
    bindparam,
    cast,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from monitor.clock import utcnow
from monitor.item import Item
from monitor.store import browse, paging, team_view
from monitor.store.clusters import StoryClusters
from monitor.store.locks import transaction_lock
from monitor.store.rows import (
    CHUNK,
    Folded,
    item_values,
    items_by_ids,
    load_items,
    rows_by_ids,
    title_key,
    with_source,
)
from monitor.store.schema import CorrectionRow, DeliveryRow, ItemPlatformRow, ItemRow, ItemTagRow, SourceRow, table_of

# (id, source id, sort date, title, summary, platforms) of one item, as the trends read it.
TrendRow = tuple[int, int, datetime, str, str, Sequence[str]]


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
    # Items stored after this moment (the archive's "new since my last visit" and "since the last digest").
    arrived_after: datetime | None = None
    tagged_only: bool = False        # items with at least one tag
    # The team reading: only its subscribed sources' items, with its own tag corrections (store/team_view.py).
    # None: the whole archive with the default team's corrections (as before teams).
    team_id: int | None = None


@dataclass(frozen=True)
class StoryPage:
    """One page of the archive's stories (ItemStore.story_page)."""
    counted: browse.Counted         # matching items and stories (`upto` 0 for a search: not to be added to)
    items: list[Item]               # the page's stories, as their first items
    reports: dict[int, list[browse.Report]]     # every report of those stories, by cluster

    @property
    def total(self) -> int:
        return self.counted.items

    @property
    def stories(self) -> int:
        return self.counted.stories


@dataclass
class NewDelivery:
    """An alert the pipeline wants sent: item (by position in the batch), target, why."""
    index: int
    target: str
    reason: str
    team_id: int | None = None       # whose alert (None: the default team's)


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
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self.clusters = StoryClusters()

    # ------------------------------------------------------------------ writing
    def unseen(self, items: Sequence[Item]) -> list[Item]:
        """The items not stored yet, first of each duplicate in the batch: by source and fingerprint,
        and by source, title and publication date (a feed that publishes an entry again under a new
        GUID and link, the same title and date: it came back as new in the next digest).

        Looked up in chunks across all sources (one query per 500 items, not one per source: a
        run can bring thousands of sources).
        """
        with self.sessions() as s:
            ids = dict(s.execute(select(SourceRow.name, SourceRow.id)).all())
            keyed = [((ids.get(it.source), it.fingerprint), it) for it in items]
            fps = sorted({fp for (_sid, fp), _it in keyed})
            known: set[tuple[int | None, str]] = set()
            for start in range(0, len(fps), CHUNK):
                chunk = fps[start:start + CHUNK]
                known.update((sid, fp) for sid, fp in s.execute(
                    select(ItemRow.source_id, ItemRow.fingerprint).where(ItemRow.fingerprint.in_(chunk))))
            dated = {id(it): (sid, title_key(it.title), it.published) for (sid, fp), it in keyed
                     if (sid, fp) not in known and it.published is not None and it.kind == "entry" and it.title}
            titles = sorted({key for _, key, _ in dated.values()})
            told: set[tuple[int | None, str, datetime | None]] = set()
            for start in range(0, len(titles), CHUNK):
                told.update((sid, key, when) for sid, key, when in s.execute(
                    select(ItemRow.source_id, ItemRow.title_key, ItemRow.published)
                    .where(ItemRow.title_key.in_(titles[start:start + CHUNK]), ItemRow.published.is_not(None))))
        fresh: list[Item] = []
        for key, it in keyed:
            again = dated.get(id(it))
            if key in known or (again is not None and again in told):
                continue
            known.add(key)
            if again is not None:
                told.add(again)
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
        with self.sessions() as s, s.begin():
            # One batch at a time across processes: the story step reads what earlier batches stored.
            transaction_lock(s, "store:add-items")
            ids = dict(s.execute(select(SourceRow.name, SourceRow.id)).all())
            folded = {id(it): Folded.of(it) for it in items}
            rows = [item_values(it, ids[it.source], now, folded[id(it)]) for it in items if it.source in ids]
            if not rows:
                return []
            for row, new_id in zip(rows, _new_ids(s, len(rows)), strict=True):
                row["id"] = row["cluster_id"] = new_id       # its own story until the story step says otherwise
            # Core, not the ORM's bulk path: a third less time at tens of thousands of rows.
            table = table_of(ItemRow)
            stmt = _insert_ignore(s, table).returning(table.c.id, table.c.source_id, table.c.fingerprint)
            inserted = {(sid, fp): iid for iid, sid, fp in s.execute(stmt, rows)}
            position: dict[int, int] = {}
            for index, it in enumerate(items):
                iid = inserted.pop((ids.get(it.source), it.fingerprint), None)
                if iid is not None:
                    it.id, it.fetched = iid, now
                    position[index] = iid
                    added.append(it)
            _index_for_search(s, list(position.values()))
            _write_labels(s, added)
            self.clusters.assign(s, added, now, folded)
            default = team_view.tag_team(s, None)
            alerts = [{"target": d.target, "item_id": position[d.index], "reason": d.reason, "state": "pending",
                       "attempts": 0, "created": now, "team_id": d.team_id if d.team_id is not None else default}
                      for d in deliveries if d.index in position]
            if alerts:
                s.execute(_insert_ignore(s, table_of(DeliveryRow)), alerts)
        return added

    def preload_stories(self, now: datetime | None = None) -> None:
        """Read the recent items' story tokens ahead of the first batch, outside the store lock
        (`StoryClusters.preload`): a worker calls it as its crawl starts."""
        with self.sessions() as s:
            self.clusters.preload(s, now or utcnow())

    # ------------------------------------------------------------------ reading
    def query_items(self, query: ItemQuery) -> list[Item]:
        """Matching items in the query's order: ids from narrow indexes first, then the rows (see browse.py)."""
        with self.sessions() as s:
            return load_items(s, browse.item_rows(s, query), query.team_id)

    def query_ids(self, query: ItemQuery) -> list[int]:
        """The ids `query_items` would return, in the same order, without loading the items."""
        with self.sessions() as s:
            return browse.item_ids(s, query)

    def story_rows(self, query: ItemQuery) -> list[tuple[int, int | None, int, str]]:
        """(id, cluster, source id, kind) of the matching items in the query's order (its limit), without
        loading them: for a block that groups many items into stories and then reads few of them
        whole (monitor.tell.important: 2,000 items read whole took 150-220 ms)."""
        with self.sessions() as s:
            browse.tune(s)
            stmt = browse.ordered(s, query, ItemRow.id, ItemRow.cluster_id, ItemRow.source_id, ItemRow.kind)
            if stmt is None:
                return []
            result = s.connection().execute(stmt.offset(query.offset or None).limit(query.limit))
            try:
                return [tuple(row) for row in result.cursor.fetchall()]
            finally:
                result.close()

    def item_page(self, query: ItemQuery, after: paging.Key | None, size: int) -> tuple[list[Item], paging.Key | None]:
        """Up to `size` matching items after `after` in the query's order, and the key to the next
        page when more match (see paging.py)."""
        with self.sessions() as s:
            rows, key = paging.page(s, query, after, size)
            return load_items(s, rows, query.team_id), key

    def walk_items(self, query: ItemQuery, batch: int | None = None) -> Generator[list[Item], None, None]:
        """Every matching item in the query's order, `batch` (default paging.BATCH) at a time, read by
        one statement."""
        with self.sessions() as s:
            for rows in paging.walk(s, query, batch or paging.BATCH):
                yield load_items(s, rows, query.team_id)

    def count_items(self, query: ItemQuery) -> int:
        with self.sessions() as s:
            return browse.count(s, query)

    def count_stories(self, query: ItemQuery) -> tuple[int, int]:
        """(matching items, story clusters they belong to), in one pass."""
        with self.sessions() as s:
            return browse.counts(s, query)

    def query_stories(self, query: ItemQuery, ratio: float = 1.0) -> list[Item]:
        """One row per story: the first matching item of each cluster in the query's order;
        `offset` and `limit` count stories. `ratio` = items per story, when known, sizes the read."""
        with self.sessions() as s:
            return load_items(s, rows_by_ids(s, browse.story_ids(s, query, ratio)), query.team_id)

    def story_page(self, query: ItemQuery, known: browse.Counted | None = None) -> StoryPage:
        """The archive's page in one transaction: the matching items and stories (counted, or
        `known` plus what came since: browse.counts_since), the page's stories as their first
        items, every report of those stories by cluster. `offset`/`limit` count stories."""
        with self.sessions() as s:
            if query.q:                       # a search reads its matches once, for counts and page
                counted, ids = browse.story_scan(s, query)
            else:
                counted = browse.counts_since(s, query, known)
                if not counted.stories or query.offset >= counted.stories:
                    return StoryPage(counted, [], {})
                ids = browse.story_ids(s, query, counted.items / counted.stories, counted.stories)
            items = load_items(s, rows_by_ids(s, ids), query.team_id)
            return StoryPage(counted, items, browse.members(s, [it.cluster for it in items], query.team_id))

    def story_reports(self, clusters: Sequence[int], team_id: int | None = None) -> dict[int, list[browse.Report]]:
        """Every report (id, source, title, url, date) of the given clusters that the team sees, newest first."""
        with self.sessions() as s:
            return browse.members(s, clusters, team_id)

    def get_item(self, item_id: int, team_id: int | None = None) -> Item | None:
        """The item, or None when it is not stored or the team does not see it."""
        with self.sessions() as s:
            team_view.hold(s, team_id)
            found = load_items(s, s.execute(with_source().where(ItemRow.id == item_id, *_seen_by(team_id))).all(),
                               team_id)
            return found[0] if found else None

    def cluster_items(self, cluster: int, team_id: int | None = None) -> list[Item]:
        """The story's reports that the team sees, oldest first."""
        with self.sessions() as s:
            team_view.hold(s, team_id)
            return load_items(s, s.execute(with_source().where(ItemRow.cluster_id == cluster, *_seen_by(team_id))
                                           .order_by(ItemRow.sort_date)).all(), team_id)

    def items_by_ids(self, ids: Sequence[int], team_id: int | None = None) -> list[Item]:
        """The items with these ids that the team sees, in the order given."""
        with self.sessions() as s:
            return items_by_ids(s, ids, team_id)

    def item_ids_since(self, since: datetime | None = None) -> list[int]:
        """The ids of every item stored or published since `since` (all without), oldest first."""
        when = [] if since is None else [or_(ItemRow.sort_date >= since, ItemRow.fetched >= since)]
        with self.sessions() as s:
            return list(s.scalars(select(ItemRow.id).where(*when).order_by(ItemRow.id)))

    def relabel(self, items: Sequence[Item]) -> int:
        """Replace the model's tags, scores and platforms of stored items with the ones they carry now
        (`monitor retag`); rows rewritten. Corrections are kept in their own table and still win on
        every read; alerts, digests and stories are left as they are."""
        stored = [it for it in items if it.id is not None]
        ids = [it.id for it in stored]
        with self.sessions() as s, s.begin():
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start:start + CHUNK]
                s.execute(delete(ItemTagRow).where(ItemTagRow.item_id.in_(chunk)))
                s.execute(delete(ItemPlatformRow).where(ItemPlatformRow.item_id.in_(chunk)))
            if stored:
                table = table_of(ItemRow)
                s.execute(update(table).where(table.c.id == bindparam("row_id"))
                          .values(platforms=bindparam("new_platforms"), scores=bindparam("new_scores"),
                                  tags_origin="model"),
                          [{"row_id": it.id, "new_platforms": list(it.platforms), "new_scores": dict(it.scores)}
                           for it in stored])
            _write_labels(s, stored)
        return len(stored)

    def corrected_before_teams(self) -> list[int]:
        """Ids of the items whose `item_tags` still hold a person's tags: versions before teams
        wrote corrections there (migration 0014's partial index finds them)."""
        with self.sessions() as s:
            return list(s.scalars(select(ItemRow.id).where(ItemRow.tags_origin == "correction")
                                  .order_by(ItemRow.id)))

    def newest_item_id(self) -> int | None:
        """The highest item id: it moves whenever a run stored something (a key for cached pages)."""
        with self.sessions() as s:
            return s.scalar(select(func.max(ItemRow.id)))

    def first_item_date(self) -> datetime | None:
        """The date of the oldest item: how far back the archive's history reaches."""
        with self.sessions() as s:
            return s.scalar(select(func.min(ItemRow.sort_date)))

    def trend_rows(self, since: datetime, until: datetime, include_end: bool = False,
                   batch: int = 5000, team_id: int | None = None) -> Iterator[TrendRow]:
        """(id, source id, sort date, title, summary, platforms) of the items in the period, no full Items.

        Platforms are the ones the pipeline stored (`classifiers.find_platforms` at fetch
        time), so the dictionary is not run a second time over 100,000 texts. Date and
        platforms come as text and are parsed here: a plain `fromisoformat` is several
        times cheaper than the column types' own conversion, which mattered at 100,000 rows.
        """
        end = ItemRow.sort_date <= until if include_end else ItemRow.sort_date < until
        stmt = (select(ItemRow.id, ItemRow.source_id, cast(ItemRow.sort_date, String), ItemRow.title,
                       ItemRow.summary, cast(ItemRow.platforms, String))
                .where(ItemRow.sort_date >= since, end, *_seen_by(team_id)))
        with self.sessions() as s:
            team_view.hold(s, team_id)
            for iid, src, when, title, summary, platforms in s.connection().execution_options(
                    yield_per=batch).execute(stmt):
                yield (iid, src, datetime.fromisoformat(when).replace(tzinfo=UTC), title or "", summary or "",
                       json.loads(platforms) if platforms and platforms != "[]" else ())

    # ------------------------------------------------------------------ corrections
    def correct_tags(self, item_id: int, tags: Sequence[str], user: str, now: datetime | None = None,
                     team_id: int | None = None) -> None:
        """A person's tags replace the model's for this item, for their team only (the default team when
        none is named), and are kept, with who and when, for training. The model's tags stay in
        `item_tags` for every other team; reads lay the team's newest correction over them (team_view.py).
        KeyError when the item is not stored or the team does not see it."""
        now = now or utcnow()
        with self.sessions() as s, s.begin():
            team = team_view.tag_team(s, team_id)
            found = s.scalar(select(ItemRow.id).where(ItemRow.id == item_id, *_seen_by(team_id)))
            if found is None:
                raise KeyError(item_id)
            s.add(CorrectionRow(item_id=item_id, tags=sorted(set(tags)), user=user, created=now, team_id=team))

    def corrections(self, team_id: int | None = None) -> list[tuple[Item, list[str], str, datetime]]:
        """The team's (default: the default team's) newest correction of every item it corrected:
        (item, tags, user, when)."""
        with self.sessions() as s:
            team = team_view.tag_team(s, team_id)
            if team is None:
                return []
            rows = s.execute(select(CorrectionRow).where(CorrectionRow.id.in_(team_view.latest(team))))\
                .scalars().all()
            items = {it.id: it for it in items_by_ids(s, [r.item_id for r in rows], team_id)}
            return [(items[r.item_id], list(r.tags), r.user, r.created) for r in rows if r.item_id in items]

    def correction_history(self, item_id: int, team_id: int | None = None) -> list[dict]:
        """The team's corrections of the item, newest first."""
        with self.sessions() as s:
            team = team_view.tag_team(s, team_id)
            rows = s.scalars(select(CorrectionRow).where(CorrectionRow.item_id == item_id,
                                                         CorrectionRow.team_id == team)
                             .order_by(CorrectionRow.id.desc())).all()
            return [{"tags": list(r.tags), "user": r.user, "created": r.created} for r in rows]


def _seen_by(team_id: int | None) -> list[ColumnElement[bool]]:
    """The condition that keeps a read to the team's items (none without a team)."""
    return [] if team_id is None else [team_view.visible(team_id)]


def _insert_ignore(s: Session, table: Table) -> Insert:
    dialect = s.get_bind().dialect.name
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return insert(table)


def _new_ids(s: Session, n: int) -> list[int]:
    """Ids for `n` new rows, in storing order, taken under the store lock (`add_items`).

    A row is inserted with its id and with that id as its story (cluster) already, so that the
    story step rewrites only the rows that join an earlier story. Rewriting every row cost
    PostgreSQL more than inserting it (the generated search vector computed again, every index
    given a new entry: 101 against 89 ms per 500 rows), and doubled the write-ahead log while a
    crawl stores. PostgreSQL: the table's own sequence; SQLite: after the highest id, which
    nobody else can add to while this transaction holds the file's write lock."""
    if s.get_bind().dialect.name == "postgresql":
        return sorted(s.scalars(text("SELECT nextval(pg_get_serial_sequence('items', 'id')) "
                                     "FROM generate_series(1, :n)"), {"n": n}))
    top = s.scalar(select(func.max(ItemRow.id))) or 0
    return list(range(top + 1, top + 1 + n))


def _index_for_search(s: Session, ids: list[int]) -> None:
    """SQLite's FTS index is filled per batch (see migration 0004); PostgreSQL's tsvector is a
    generated column and needs nothing."""
    if s.get_bind().dialect.name != "sqlite" or not ids:
        return
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        s.execute(text(f"INSERT INTO items_fts(rowid, search_text) SELECT id, search_text FROM items "
                       f"WHERE id IN ({','.join(str(int(i)) for i in chunk)})"))

def _write_labels(s: Session, items: Sequence[Item]) -> None:
    tags = [{"item_id": it.id, "tag": t, "score": it.scores.get(t)} for it in items for t in it.tags]
    plats = [{"item_id": it.id, "platform": p} for it in items for p in set(it.platforms)]
    if tags:   # Core executemany: the ORM's bulk path costs more than the insert at 40k rows
        s.execute(table_of(ItemTagRow).insert(), tags)
    if plats:
        s.execute(table_of(ItemPlatformRow).insert(), plats)
