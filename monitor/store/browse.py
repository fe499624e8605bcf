"""Archive reads that stay fast at 100,000+ items, on SQLite and PostgreSQL alike.

What makes them fast (benchmarks/bench_web.py measures it):

- Filters are conditions on `items` alone. Tags and platforms are correlated EXISTS
  probes into their primary keys, so the database walks the date index newest first
  and stops after a page instead of sorting every tagged item; sources and categories
  are resolved to ids first (no join); dates, language and source use indexes
  (migration 0005). Counts on SQLite test lists instead (see `conditions`).
- Ids first, rows second: the ordering query reads narrow index columns only; the few
  wide rows a page shows (summary, HTML) are then fetched by primary key.
- Relevance on SQLite ranks with ONE FTS5 query joined to the items, instead of a MATCH
  per matching row (26 s for 'verlust' on 100,000 items before, milliseconds now).
- Stories (one row per story cluster, its first member in the page's order) are found
  by reading (id, cluster) pairs in order until enough stories are seen, straight from
  the driver's cursor, and counted with COUNT(DISTINCT cluster_id) in the same pass as
  the items. The back half of the unfiltered archive is read from its old end; a
  search reads its matches once for both the counts and the page.
- PostgreSQL is told that random reads are cheap (`tune`), so text searches combine the
  GIN indexes instead of reading the whole table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    and_,
    distinct,
    func,
    literal_column,
    not_,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session, aliased

from monitor.store import team_view
from monitor.store.rows import CHUNK, RowWithSource, rows_by_ids
from monitor.store.schema import ItemPlatformRow, ItemRow, ItemTagRow, SourceRow
from monitor.store.search import fts_match, relevance_score, search_clause

if TYPE_CHECKING:
    from monitor.store.items import ItemQuery

NEWEST = (ItemRow.sort_date.desc(), ItemRow.id.desc())


@dataclass
class Report:
    """One member of a story cluster, as the archive lists it under the story."""
    id: int
    cluster: int
    source: str
    title: str
    url: str
    when: datetime


def conditions(s: Session, q: ItemQuery, form: str = "page", fts: bool = True,
               scoped: bool = True) -> list[ColumnElement[bool]] | None:
    """WHERE conditions on `items` for the query's filters; None when nothing can match.

    How tags and platforms are tested depends on the read (`form`); on SQLite the choice
    decides the plan, PostgreSQL plans every form as a semi-join by its statistics:
    - "page" (ordered, limited): correlated EXISTS probes into the primary keys, so the
      walk down the date index stops after a page;
    - "count": `+items.id IN (...)` lists. The unary plus keeps SQLite from looking up
      every listed id in the wide table rows: it scans a narrow covering index once and
      probes the lists (about half the time at 100,000 items);
    - "all" (every match, wide rows): plain `items.id IN (...)`, read from the lists.
    The search list always gets the plus on SQLite, for the same reason as counts; `fts=False`
    leaves it out for a caller that joins the FTS query itself (`ranked`).
    """
    sqlite = s.get_bind().dialect.name == "sqlite"
    item_id = literal_column("+items.id") if sqlite else ItemRow.id
    listed = form != "page"
    member = item_id if form == "count" else ItemRow.id

    def tagged(tag: str) -> ColumnElement[bool]:
        model: ColumnElement[bool]
        if listed:
            model = member.in_(select(ItemTagRow.item_id).where(ItemTagRow.tag == tag))
        else:
            model = select(ItemTagRow.item_id).where(ItemTagRow.item_id == ItemRow.id, ItemTagRow.tag == tag).exists()
        return team_view.tagged(s, q.team_id, tag, model)

    def on_platforms(platforms: Sequence[str] | None) -> ColumnElement[bool]:
        where = [] if platforms is None else [ItemPlatformRow.platform.in_(list(platforms))]
        if listed:
            return member.in_(select(ItemPlatformRow.item_id).where(*where))
        return select(ItemPlatformRow.item_id).where(ItemPlatformRow.item_id == ItemRow.id, *where).exists()

    out = [tagged(tag) for tag in q.tags]
    if q.team_id is not None:
        team_view.hold(s, q.team_id)
        if scoped:              # False: the caller keeps to the team's sources itself (counts_since)
            out.append(team_view.visible(q.team_id))
    if q.tagged_only and not q.tags:
        out.append(team_view.tagged(s, q.team_id, None, member.in_(select(ItemTagRow.item_id)) if listed
                                    else select(ItemTagRow.item_id).where(ItemTagRow.item_id == ItemRow.id).exists()))
    if q.arrived_after is not None:
        out.append(arrived_after(s, q.arrived_after))
    if q.platforms:
        out.append(on_platforms(q.platforms))
    if q.platform_scope:
        out.append(or_(on_platforms(q.platform_scope), not_(on_platforms(None))))
    if q.sources or q.categories:
        ids = (team_view.subscribed(s, q.team_id, q.sources, q.categories) if q.team_id is not None
               else source_ids(s, q.sources, q.categories))
        if not ids:
            return None
        out.append(ItemRow.source_id == ids[0] if len(ids) == 1 else ItemRow.source_id.in_(ids))
    if q.lang:
        out.append(ItemRow.lang == q.lang)
    if q.since:
        out.append(ItemRow.sort_date >= q.since)
    if q.until:
        out.append(ItemRow.sort_date < q.until)
    if q.q:
        clause = search_clause(s.get_bind().dialect.name, item_id, ItemRow.search_text, q.q, fts=fts)
        if clause is not None:
            out.append(clause)
    return out


def arrived_after(s: Session, moment: datetime) -> ColumnElement[bool]:
    """Items stored after `moment`, as an id range: ids grow in the order items are stored (their
    `fetched` is the moment of storing), so the newest id stored by then is looked up once in the
    `fetched` index and the rest is a range of the primary key that every index carries."""
    before = s.scalar(select(func.max(ItemRow.id)).where(ItemRow.fetched <= moment))
    return ItemRow.id > (before or 0)


def source_ids(s: Session, names: Sequence[str], categories: Sequence[str]) -> list[int]:
    stmt = select(SourceRow.id)
    if names:
        stmt = stmt.where(SourceRow.name.in_(list(names)))
    if categories:
        stmt = stmt.where(SourceRow.category.in_(list(categories)))
    return sorted(s.scalars(stmt))


def ordered(s: Session, q: ItemQuery, *columns: Any, form: str = "page") -> Select[Any] | None:
    """SELECT `columns` of the matching items in the query's order (relevance or newest first)."""
    stmt, score = ranked(s, q, *columns, form=form)
    if stmt is None:
        return None
    return stmt.order_by(*([] if score is None else [score.desc()]), *NEWEST)


def in_order(s: Session, q: ItemQuery, stmt: Select[Any], score: ColumnElement[float] | None) -> Select[Any]:
    """`stmt` (selecting at least items.id and items.sort_date) in the query's order, for a page
    (a LIMIT follows).

    On PostgreSQL a text search's matches are found first and ordered after: as one statement
    with ORDER BY and LIMIT, the planner walked the date index and tested each item's text,
    expecting to meet enough matches soon. Where a team's sources hold few of them (a name
    that only other teams' sources mention) that walk read the whole archive: 0.3-0.5 s for a
    page of `/api/items?q=…` at 100,000 items, against 12-17 ms for the matches first; a
    frequent word costs 13-20 ms more this way (benchmarks/bench_web_under_crawl.py).
    The subquery's OFFSET 0 keeps the planner from pulling the ORDER BY into it. The relevance
    score, when the order is by it, becomes the statement's last column."""
    if score is not None:
        stmt = stmt.add_columns(score.label("score"))
    if not q.q or s.get_bind().dialect.name != "postgresql":
        return stmt.order_by(*([] if score is None else [score.desc()]), *NEWEST)
    found = stmt.offset(0).subquery("found")
    return select(*found.c).order_by(*([] if score is None else [found.c.score.desc()]),
                                     found.c.sort_date.desc(), found.c.id.desc())


def ranked(s: Session, q: ItemQuery, *columns: Any,
           form: str = "page") -> tuple[Select[Any] | None, ColumnElement[float] | None]:
    """SELECT `columns` of the matching items, and their relevance score (higher is better) when the
    query is ordered by it, else None; (None, None) when nothing can match.

    SQLite ranks with ONE FTS5 query joined to the items, which is also the text filter
    (bm25 scores an item matching every term alike whether the query says AND or OR, so
    the order is that of the whole archive's statistics); PostgreSQL with ts_rank."""
    dialect = s.get_bind().dialect.name
    match = fts_match(q.q) if dialect == "sqlite" and q.order == "relevance" and q.q else None
    where = conditions(s, q, form, fts=match is None)
    if where is None:
        return None, None
    stmt = select(*columns).where(*where)
    if q.order != "relevance" or not q.q:
        return stmt, None
    if match is not None:
        rank = (text("SELECT rowid AS rid, -bm25(items_fts) AS score FROM items_fts WHERE items_fts MATCH :rel")
                .bindparams(rel=match).columns(rid=Integer, score=Float).subquery("rank"))
        return stmt.join(rank, rank.c.rid == ItemRow.id), rank.c.score
    return stmt, relevance_score(dialect, q.q)


def tune(s: Session) -> None:
    """PostgreSQL: price random reads as on SSD or cached data (the default, 4, is for disks).

    With the default the planner reads all 100,000 rows to test a text search (0.3 s)
    instead of combining its two GIN indexes (0.05 s). Local to this transaction."""
    if s.get_bind().dialect.name == "postgresql" and not s.info.get("tuned"):
        s.execute(text("SET LOCAL random_page_cost = 1.1"))
        s.info["tuned"] = True


def item_rows(s: Session, q: ItemQuery) -> list[RowWithSource]:
    """(ItemRow, source name) of the matching items in order: a page by ids first, a long list
    (no limit, or a large one) in one pass, where sorting wide rows costs less than many lookups."""
    if q.limit is not None and q.limit <= 1000:
        return rows_by_ids(s, item_ids(s, q))
    tune(s)
    stmt = ordered(s, q, ItemRow, SourceRow.name, form="all")
    if stmt is None:
        return []
    stmt = stmt.join(SourceRow, SourceRow.id == ItemRow.source_id).offset(q.offset or None).limit(q.limit)
    return list(s.execute(stmt).all())


def item_ids(s: Session, q: ItemQuery) -> list[int]:
    """The ids of the matching items in order (the query's offset and limit). A page walks the
    date index with probes; a long list scans the covering index once, testing lists."""
    tune(s)
    page = q.limit is not None and q.limit <= 1000
    if page:
        found, score = ranked(s, q, ItemRow.id, ItemRow.sort_date)
        stmt = None if found is None else in_order(s, q, found, score)
    else:
        stmt = ordered(s, q, ItemRow.id, form="count")
    if stmt is None:
        return []
    if q.offset:
        stmt = stmt.offset(q.offset)
    if q.limit is not None:
        stmt = stmt.limit(q.limit)
    if page:
        return list(s.scalars(stmt))
    result = s.connection().execute(stmt)           # up to every id: straight from the driver's cursor
    try:
        return [iid for (iid,) in result.cursor.fetchall()]
    finally:
        result.close()


def count(s: Session, q: ItemQuery) -> int:
    tune(s)
    where = conditions(s, q, "count")
    return 0 if where is None else s.scalar(select(func.count()).select_from(ItemRow).where(*where)) or 0


def counts(s: Session, q: ItemQuery) -> tuple[int, int]:
    """(matching items, stories they belong to) in one pass; an item without a cluster is its own story."""
    found = counts_since(s, q)
    return found.items, found.stories


RECOUNT_AFTER = 5000     # items stored since a filter's counts: more, and it is counted afresh


@dataclass(frozen=True)
class Counted:
    """A filter's counts of matching items and stories, and the item id up to which every match is
    counted: a later read adds what came since (`counts_since`) instead of counting the archive again."""
    items: int
    stories: int
    upto: int           # every match with an id up to this one is counted (0: none yet)


def counts_since(s: Session, q: ItemQuery, known: Counted | None = None) -> Counted:
    """A filter's counts (an item without a cluster is its own story) and the item id up to which
    they count; with `known`, `known` plus the matches stored since.

    Counting every match is most of an archive page's time (10-40 ms at 100,000 items, and
    three times that while a crawl writes), and an archive read page after page, or while a
    worker stores, asks for the same filter's counts again and again. Items only arrive
    with growing ids (one batch at a time under the store lock), so the new matches are those
    above `known.upto`: counted by the primary key, a new one is a new story unless its
    cluster already had a match counted. What changes old items (a corrected tag, a retagged
    day) is not seen this way: the caller counts afresh now and then (monitor.web.archive)."""
    tune(s)
    fresh: list[int] = []
    if known is not None:
        # What was stored since, by the primary key alone (mostly nothing: a millisecond), then the
        # filter on those ids. In one statement SQLite walked a team's sources' index through
        # every item (11-55 ms at 100,000 items for nothing new). Many new: counted afresh.
        fresh = list(s.scalars(select(ItemRow.id).where(ItemRow.id > known.upto).limit(RECOUNT_AFTER + 1)))
        if not fresh:
            return known
        if len(fresh) > RECOUNT_AFTER:
            known = None
    if known is None:
        # Up to the newest item stored before the count, matching or not: a filter whose last match
        # is old would otherwise read everything stored since its match at every view.
        before = s.scalar(select(func.max(ItemRow.id))) or 0
        where = conditions(s, q, "count")
        if where is None:
            return Counted(0, 0, before)
        total, clusters, clustered, upto = s.execute(
            select(func.count(), func.count(distinct(ItemRow.cluster_id)), func.count(ItemRow.cluster_id),
                   func.max(ItemRow.id)).where(*where)).one()
        return Counted(total, clusters + (total - clustered), max(before, upto or 0))
    # The new ids' rows by their key, tested with the filter's probes ("page"); the team's sources
    # tested here, not in SQL, where SQLite would take their index instead of the ids.
    where = conditions(s, q, "page", scoped=False)
    if where is None:
        return known
    mine = None if q.team_id is None else set(s.scalars(team_view.visible_ids(q.team_id)))
    rows: list[tuple[int, int | None]] = []
    for start in range(0, len(fresh), CHUNK):
        rows += [(iid, cluster) for iid, cluster, source in s.execute(
            select(ItemRow.id, ItemRow.cluster_id, ItemRow.source_id)
            .where(*where, ItemRow.id.in_(fresh[start:start + CHUNK])))
            if mine is None or source in mine]
    newest = max(known.upto, *fresh)          # every match with an id up to it is counted now
    if not rows:
        return replace(known, upto=newest)
    earlier = sorted({cluster for _, cluster in rows if cluster is not None and cluster <= known.upto})
    counted: set[int] = set()
    for start in range(0, len(earlier), CHUNK):
        counted.update(cluster for cluster, source in s.execute(
            select(ItemRow.cluster_id, ItemRow.source_id).distinct().where(
                *where, ItemRow.cluster_id.in_(earlier[start:start + CHUNK]), ItemRow.id <= known.upto))
            if cluster is not None and (mine is None or source in mine))
    stories = {cluster for _, cluster in rows if cluster is not None} - counted
    alone = sum(1 for _, cluster in rows if cluster is None)
    return Counted(known.items + len(rows), known.stories + len(stories) + alone, newest)


def story_ids(s: Session, q: ItemQuery, ratio: float = 1.0, stories: int | None = None) -> list[int]:
    """One page of stories (the query's offset and limit count stories): the id of each story's
    first matching item in the query's order. `ratio` (items per story, if known) sizes the read,
    which goes straight to the driver's cursor: the last page of 100,000 items reads them all,
    unless `stories` (their number) allows reading the unfiltered archive from its old end."""
    tune(s)
    if stories is not None and q.limit and q.offset > stories // 2 and _unfiltered(replace(q, team_id=None)):
        return _stories_from_the_end(s, q.offset, q.limit, stories, q.team_id)
    stmt = ordered(s, q, ItemRow.id, ItemRow.cluster_id)
    if stmt is None or q.limit == 0:
        return []
    need = q.offset + (q.limit if q.limit is not None else 10 ** 9)
    fetch = int(min(need, 10 ** 8) * max(ratio, 1.0) * 1.05) + 50
    while True:
        heads, read = _heads(s, stmt.limit(fetch), need)
        if len(heads) >= need or read < fetch:
            return heads[q.offset:need]
        fetch = max(2 * fetch, int(read * need / max(len(heads), 1) * 1.1) + 50)


def story_scan(s: Session, q: ItemQuery) -> tuple[Counted, list[int]]:
    """The counts of matching items and stories, and the page's story ids, from ONE ordered read
    of every match.

    For searches: the text test is the costly part (PostgreSQL rechecks each candidate
    row), so reading the matches once for both the counts and the page halves the time. The
    counts run up to the newest item stored before the read (as `counts_since`'s do), so the
    view tabs of a search carry them on from view to view."""
    tune(s)
    before = s.scalar(select(func.max(ItemRow.id))) or 0
    found, score = ranked(s, q, ItemRow.id, ItemRow.cluster_id, ItemRow.sort_date)
    if found is None:
        return Counted(0, 0, before), []
    # The matches first, ordered after (`in_order`): as one ordered statement PostgreSQL walked the
    # date index over the whole archive testing each text (0.6 s warm, 2.2 s cold for a word in
    # 23,000 of 150,000 items; 0.38 s this way).
    result = s.connection().execute(in_order(s, q, found, score))
    try:
        rows = [(row[0], row[1]) for row in result.cursor.fetchall()]
    finally:
        result.close()
    heads, _ = _heads_of(rows, len(rows))
    end = None if q.limit is None else q.offset + q.limit
    newest = max((row[0] for row in rows), default=0)
    return Counted(len(rows), len(heads), max(before, newest)), heads[q.offset:end]


def _unfiltered(q: ItemQuery) -> bool:
    return not (q.team_id is not None or q.tags or q.platforms or q.platform_scope or q.sources or q.categories
                or q.lang or q.since or q.until or q.q or q.tagged_only or q.arrived_after)


def _stories_from_the_end(s: Session, offset: int, limit: int, stories: int, team_id: int | None = None) -> list[int]:
    """The back half of the unfiltered archive's pages (the whole archive, or all a team sees), read
    oldest first: an item heads its story when no newer item of its cluster that the reader sees
    exists (one probe of the cluster index each). Without it, the last page of a team's archive
    read every item: 0.23 s at 100,000 items on SQLite (benchmarks/bench_web.py, /?page=1462)."""
    newer = aliased(ItemRow)
    later = or_(newer.sort_date > ItemRow.sort_date, and_(newer.sort_date == ItemRow.sort_date, newer.id > ItemRow.id))
    shown: list[ColumnElement[bool]] = []
    newer_shown: list[ColumnElement[bool]] = []
    if team_id is not None:
        team_view.hold(s, team_id)
        shown = [team_view.visible(team_id)]
        newer_shown = [team_view.visible(team_id, newer.source_id)]
    from_end = stories - offset - limit
    stmt = (select(ItemRow.id)
            .where(*shown, ~select(newer.id).where(newer.cluster_id == ItemRow.cluster_id, later, *newer_shown)
                   .exists())
            .order_by(ItemRow.sort_date.asc(), ItemRow.id.asc())
            .offset(max(from_end, 0)).limit(limit + min(from_end, 0)))
    return list(reversed(s.scalars(stmt).all()))


def _heads(s: Session, stmt: Select[int, int | None], need: int) -> tuple[list[int], int]:
    """The first item of each cluster in the statement's (id, cluster) rows, up to `need` of them,
    and how many rows were read."""
    heads: list[int] = []
    seen: set[int] = set()
    read = 0
    result = s.connection().execute(stmt)
    try:
        while len(heads) < need and (chunk := result.cursor.fetchmany(5000)):
            found, used = _heads_of(chunk, need - len(heads), seen)
            heads += found
            read += used
    finally:
        result.close()
    return heads, read


def _heads_of(rows: Sequence[Any], need: int, seen: set[int] | None = None) -> tuple[list[int], int]:
    """The ids of (id, cluster) rows whose cluster was not seen before, up to `need`, and rows used."""
    seen = set() if seen is None else seen
    heads: list[int] = []
    used = 0
    for iid, cluster in rows:
        used += 1
        key = cluster if cluster is not None else -iid
        if key not in seen:
            seen.add(key)
            heads.append(iid)
            if len(heads) >= need:
                break
    return heads, used


def members(s: Session, clusters: Sequence[int | None], team_id: int | None = None) -> dict[int, list[Report]]:
    """Every item of the given story clusters, newest first, as light Reports; with `team_id`, only
    those the team sees (a story clusters reports of every source, "also reported by" names the team's)."""
    out: dict[int, list[Report]] = {}
    wanted = sorted({c for c in clusters if c is not None})
    seen = [team_view.visible(team_id)] if team_id is not None else []
    team_view.hold(s, team_id)
    for start in range(0, len(wanted), 500):
        rows = s.execute(select(ItemRow.id, ItemRow.cluster_id, SourceRow.name, ItemRow.title, ItemRow.url,
                                ItemRow.sort_date, ItemRow.source_id)
                         .join(SourceRow, SourceRow.id == ItemRow.source_id)
                         .where(ItemRow.cluster_id.in_(wanted[start:start + 500]), *seen)
                         .order_by(*NEWEST)).all()
        names = team_view.source_names(s, team_id, {row[6] for row in rows})
        for iid, cluster, name, title, url, when, source in rows:
            if cluster is None:     # never, by the WHERE clause
                continue
            out.setdefault(cluster, []).append(Report(iid, cluster, names.get(source, name), title, url, when))
    return out
