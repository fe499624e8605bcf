"""A worker reads the recent stories before its first batch, outside the store lock.

Read under the lock (one batch at a time across all workers), 100,000 recent items took a
worker ~10 s of tokenising while every other worker waited to store. Read ahead, the
clusters must be exactly those of the old way, including rows another process was still
committing while the worker read.
"""

from __future__ import annotations

from monitor.store import Store
from monitor.store.clusters import StoryClusters
from tests.test_stories import NOW, X_FINE_DE, X_FINE_EN, config, report_item


def second_process(store: Store) -> Store:
    """Another process's store on the same database (its own story index)."""
    other = Store.open(store.engine.url.render_as_string(hide_password=False))
    other.sync_sources(list(config().sources))
    return other


def test_a_worker_that_read_ahead_joins_its_first_report_to_a_story_stored_before(store):
    store.sync_sources(list(config().sources))
    [german] = store.add_items([report_item(*X_FINE_DE)], now=NOW)
    worker = second_process(store)
    try:
        worker.preload_stories(NOW)
        assert german.id in clusters_of(worker)._stories.reports       # read before the first batch
        [english] = worker.add_items([report_item(*X_FINE_EN)], now=NOW)
        assert english.cluster == german.cluster
    finally:
        worker.close()


def test_a_row_committed_after_the_read_ahead_below_the_ids_it_saw_still_joins(store):
    """A batch of another process in flight while the worker read: the worker saw ids up to
    and past that batch's, but not its rows; they are read under the lock before its first match."""
    store.sync_sources(list(config().sources))
    worker = second_process(store)
    try:
        worker.preload_stories(NOW)                           # the archive was empty
        [german] = store.add_items([report_item(*X_FINE_DE)], now=NOW)
        clusters = clusters_of(worker)
        # as if the read-ahead had read past german's id while german's row was not committed yet
        clusters._high, clusters._unsure_from = german.id, 0
        [english] = worker.add_items([report_item(*X_FINE_EN)], now=NOW)
        assert english.cluster == german.cluster
        assert german.id in clusters._stories.reports
    finally:
        worker.close()


def clusters_of(store: Store) -> StoryClusters:
    """The story step of a store (under the hood: the monitor never looks here)."""
    return store.add_items.__self__.clusters     # type: ignore[attr-defined]
