"""Story clusters as items are added: exact matches by index, near-duplicates by tokens.

Same canonical URL or same normalised title within two weeks: one story, found by the
indexed columns. Near-duplicates within three days are found by monitor/stories/'s
token index, which is loaded once per process and kept up to date as items are added:
its own, and those other processes stored since (`monitor run` twice at once, several
workers), read in before each batch. Each new item's story tokens are kept in
`story_tokens` for the story window, so that the next process loads them instead of
reading 100,000 texts again (monitor/stories/stored.py). The caller holds the store lock (`ItemStore.add_items`),
so batches are clustered one at a time, in the order of their ids.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, case, delete, func, select
from sqlalchemy.orm import Session

from monitor.item import Item
from monitor.store.rows import CHUNK, Folded
from monitor.store.schema import ItemRow, StoryTokensRow, table_of
from monitor.stories import stored
from monitor.stories.clusters import StoryIndex, dated, report_of
from monitor.stories.features import report

CLUSTER_WINDOW = timedelta(days=14)
STORY_WINDOW = timedelta(days=4)     # near-duplicates: reports of one event come within days (stories.clusters.WINDOW)
PRUNE_EVERY = timedelta(hours=1)     # how often a process deletes kept story reports past the window


class StoryClusters:
    """Gives each new item its story cluster (an earlier item's cluster, else its own id)."""

    def __init__(self) -> None:
        self._stories: StoryIndex | None = None
        self._high = 0          # the highest item id the index has seen
        # ids above this were read outside the store lock (preload): lower ones may have committed since
        self._unsure_from: int | None = None
        self._pruned: datetime | None = None      # when story_tokens past the window were last deleted
        self._lock = threading.Lock()

    def preload(self, s: Session, now: datetime) -> None:
        """Read the recent items into the index now, without the store lock.

        A worker's first batch otherwise reads them under the lock that lets one batch at a
        time store (`ItemStore.add_items`): 100,000 recent items took a worker ~10 s of
        tokenising, and every other worker waited that long to store anything. Read here,
        while the worker's crawl starts, the first batch under the lock only reads what came
        since, and the rows another process was committing meanwhile (`_fill_gaps`)."""
        with self._lock:
            low = self._high
            self._load(s, now, set())
            if self._high > low:            # nothing read, nothing to check: a job's preload is mostly this
                self._unsure_from = low if self._unsure_from is None else min(self._unsure_from, low)

    def assign(self, s: Session, items: Sequence[Item], now: datetime, folded: dict[int, Folded]) -> None:
        """Set `cluster` on the just inserted items, each stored as its own story (`cluster_id` its
        id: ItemStore.add_items), and write it to the rows of those that join an earlier story.

        Looked up in bulk (indexed columns, chunks of 500) because a first run can
        bring tens of thousands of items.
        """
        if not items:
            return
        with self._lock:
            self._assign(s, items, now, folded)

    def _assign(self, s: Session, items: Sequence[Item], now: datetime, folded: dict[int, Folded]) -> None:
        since, new_ids = now - CLUSTER_WINDOW, {_stored_id(it) for it in items}
        by_url: dict[str, int] = {}
        by_title: dict[str, int] = {}
        urls = sorted({it.canonical_url for it in items if it.canonical_url})
        keys = sorted({folded[id(it)].key for it in items})
        for column, values, found in ((ItemRow.canonical_url, urls, by_url), (ItemRow.title_key, keys, by_title)):
            for start in range(0, len(values), CHUNK):
                rows = s.execute(select(column, func.coalesce(ItemRow.cluster_id, ItemRow.id), ItemRow.id)
                                 .where(column.in_(values[start:start + CHUNK]), ItemRow.fetched >= since)
                                 .order_by(ItemRow.id)).all()
                for value, cluster, iid in rows:
                    if iid not in new_ids:
                        found.setdefault(value, cluster)
        stories = self._index(s, now, new_ids)
        kept: list[dict] = []
        version = stored.version()
        for it in items:
            text = folded[id(it)]
            when = it.sort_date(now)
            key = text.key
            story = dated(it.story, when) if it.story is not None else report_of(it, when, text.title, text.summary)
            it.story = None         # the index holds it now
            if it.kind == "change":     # a watched document's change: its story is the document, never a look-alike
                cluster = by_url.get(it.canonical_url) or _stored_id(it)
            else:
                cluster = by_url.get(it.canonical_url) or by_title.get(key) or stories.match(story) or _stored_id(it)
            if it.canonical_url:
                by_url.setdefault(it.canonical_url, cluster)
            by_title.setdefault(key, cluster)
            kept.append({"item_id": it.id, "fetched": now, "version": version, "tokens": stored.encode(story)})
            stories.add(_stored_id(it), cluster, story)
            it.cluster = cluster
        table = table_of(ItemRow)
        joined = [{"item": it.id, "cluster": it.cluster} for it in items if it.cluster != it.id]
        if joined:
            s.execute(table.update().where(table.c.id == bindparam("item")).values(cluster_id=bindparam("cluster")),
                      joined)
        kept_table = table_of(StoryTokensRow)
        s.execute(kept_table.insert(), kept)
        if self._pruned is None or now - self._pruned >= PRUNE_EVERY:
            # Reports of items past twice the window: no reader's window reaches them (an indexed range).
            self._pruned = now
            s.execute(delete(kept_table).where(kept_table.c.fetched < now - 2 * STORY_WINDOW))

    def _index(self, s: Session, now: datetime, new_ids: set[int]) -> StoryIndex:
        """Recent items' token sets, loaded once per process and kept up to date as items are added.

        The items being added right now are left out of the load: they are added one by
        one after their own match, or they would match themselves.
        """
        stories = self._load(s, now, new_ids)
        if self._unsure_from is not None:
            low, self._unsure_from = self._unsure_from, None
            self._fill_gaps(s, now, new_ids, stories, low)
        return stories

    def _load(self, s: Session, now: datetime, new_ids: set[int]) -> StoryIndex:
        if self._stories is None:
            self._stories, self._high = StoryIndex(), 0
        rows = s.execute(_rows().where(ItemRow.fetched >= now - STORY_WINDOW, ItemRow.id > self._high)
                         .order_by(ItemRow.id)).all()
        _fill(s, self._stories, (row for row in rows if row[0] not in new_ids))
        self._high = max([self._high, *new_ids, *(row[0] for row in rows)])
        return self._stories

    def _fill_gaps(self, s: Session, now: datetime, new_ids: set[int], stories: StoryIndex, low: int) -> None:
        """After a preload, under the store lock: the recent rows among the ids it read past that were
        not committed yet when it read (a batch of another process in flight). Only that range is
        asked for: below it the index was read under the lock."""
        ids = s.scalars(select(ItemRow.id).where(ItemRow.fetched >= now - STORY_WINDOW, ItemRow.id > low,
                                                 ItemRow.id <= self._high)).all()
        missing = sorted(set(ids) - stories.reports.keys() - new_ids)
        for start in range(0, len(missing), CHUNK):
            _fill(s, stories, s.execute(_rows().where(ItemRow.id.in_(missing[start:start + CHUNK]))
                                     .order_by(ItemRow.id)).all())


def _rows() -> Select[Any]:
    """(id, cluster, kept report, title, summary, platforms, sort date, language) of items: the text only
    where no report of this version is kept (the text of 100,000 items is most of what the read costs)."""
    current = StoryTokensRow.version == stored.version()
    return (select(ItemRow.id, ItemRow.cluster_id, case((current, StoryTokensRow.tokens)),
                   case((current, None), else_=ItemRow.title), case((current, None), else_=ItemRow.summary),
                   ItemRow.platforms, ItemRow.sort_date, ItemRow.lang)
            .outerjoin(StoryTokensRow, StoryTokensRow.item_id == ItemRow.id))


def _fill(s: Session, stories: StoryIndex, rows: Iterable[Sequence[Any]]) -> None:
    """Add stored items to the index, oldest first: from their kept report, else from their text."""
    for item_id, cluster, kept, title, summary, platforms, when, lang in rows:
        story = stored.decode(kept)
        if story is None:
            if title is None:       # a kept report that does not read: its text after all
                title, summary = s.execute(select(ItemRow.title, ItemRow.summary).where(ItemRow.id == item_id)).one()
            story = report(title, summary or "", platforms=platforms or (), when=when, lang=lang)
        else:
            story = dated(story, when)
        stories.add(item_id, cluster or item_id, story)


def _stored_id(item: Item) -> int:
    if item.id is None:
        raise ValueError(f"{item.url}: clustered before it was stored")
    return item.id
