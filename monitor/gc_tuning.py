"""How often Python's cyclic garbage collector runs in Lagebild's long or busy processes.

CPython collects its youngest generation every 700 net allocations and, now and then, walks
every object the process holds. A run, a worker or the archive allocates hundreds of thousands
of short-lived objects a second (feed entries, rows, items, template context), and holds
millions that never become garbage (imports, the story index, the tagger's vocabulary), so the
default thresholds spend time walking what cannot be freed, in pauses that land on whichever
request or batch is running. Measured: about a tenth of a first run's parent process
(benchmarks/bench_fetch.py), and the archive's slowest answers (`/api/items?limit=1000`: p95
121-127 -> 66-77 ms on SQLite with 100,000 items, benchmarks/bench_web.py).
"""

from __future__ import annotations

import gc

YOUNGEST = 50_000       # net allocations between collections of the youngest generation
MIDDLE = 20             # youngest collections per middle one
OLDEST = 100            # middle collections per look at the oldest (which CPython still skips
                        # while few long-lived objects are new)


def tune_garbage_collection() -> None:
    """Collect less often, and never walk what exists now (imports, a loaded model, a preloaded
    index): call it once the process has built what it keeps."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNGEST, MIDDLE, OLDEST)
