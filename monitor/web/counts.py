"""The archive's counts per filter, carried from one page view to the next.

An archive page says how many items and stories match its filter ("66 Meldungen aus 70
Berichten", and the number of pages). Counting every match was most of a page's time:
10-40 ms at 100,000 items on PostgreSQL, three times that while a worker stores into the
same database (benchmarks/bench_web_under_crawl.py). People page through one filter, and
come back to it, so its counts are kept here with the highest item id they include, and a
later view only counts what was stored since (`browse.counts_since`): exact, whatever
arrives meanwhile.

What changes items already counted is not seen that way: a corrected tag, a day retagged by
`monitor train`, a source a team stops following. A correction made through this web process
forgets every count at once (`forget`); anything else shows within `FRESH` seconds, when a
filter is counted afresh.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace

from monitor.store import ItemQuery
from monitor.store.browse import Counted

FRESH = 60          # seconds a filter's counts are carried forward before it is counted afresh
KEPT = 256          # filters remembered (the least recently used go first)


class Counts:
    """Known counts per (team, filter); thread-safe, as pages are built in a thread pool."""

    def __init__(self, fresh: float = FRESH, kept: int = KEPT, clock: Callable[[], float] = time.monotonic) -> None:
        self.fresh, self.kept, self.clock = fresh, kept, clock
        self._known: OrderedDict[str, tuple[float, Counted]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(query: ItemQuery) -> str:
        """The filter a page query counts (its paging left out). A search's own page is counted in
        the read that finds its matches (browse.story_scan); its view tabs' counts are carried on
        like any filter's (a third of a search page's time at 100,000 items, counted afresh)."""
        return repr(replace(query, offset=0, limit=None))

    def get(self, query: ItemQuery) -> Counted | None:
        key = self.key(query)
        with self._lock:
            found = self._known.get(key)
            if found is None or self.clock() - found[0] >= self.fresh:
                return None
            self._known.move_to_end(key)
            return found[1]

    def put(self, query: ItemQuery, counted: Counted, known: Counted | None) -> None:
        """Keep `counted` for the query; counted on top of `known`, it keeps `known`'s age, so that
        the filter is still counted afresh every `fresh` seconds."""
        key = self.key(query)
        with self._lock:
            before = self._known.get(key)
            since = before[0] if known is not None and before is not None else self.clock()
            self._known[key] = (since, counted)
            self._known.move_to_end(key)
            while len(self._known) > self.kept:
                self._known.popitem(last=False)

    def forget(self) -> None:
        with self._lock:
            self._known.clear()
