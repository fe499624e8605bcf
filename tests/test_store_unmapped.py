"""`monitor run` writes without SQLite's memory map; every other store reads through it."""

from __future__ import annotations

from sqlalchemy import text

from monitor.store import Store


def mmap_size(store: Store) -> int:
    with store.engine.connect() as c:
        return int(c.execute(text("PRAGMA mmap_size")).scalar() or 0)


def test_a_store_for_writing_does_not_map_the_file_and_a_reader_still_does(tmp_path):
    reader = Store.open(f"sqlite:///{tmp_path}/a.db")
    writer = Store.open(f"sqlite:///{tmp_path}/a.db")
    assert mmap_size(writer) > 0                  # pooled connection, made with the map
    writer.for_writing()
    assert mmap_size(writer) == 0                 # the pool was emptied: new connections, no map
    with writer.engine.connect() as c:
        assert c.execute(text("PRAGMA journal_mode")).scalar() == "wal"   # the other settings stay
    assert mmap_size(reader) > 0
    reader.close()
    writer.close()
