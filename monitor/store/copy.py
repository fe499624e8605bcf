"""`monitor migrate-db`: copy a whole archive into another database and check the counts.

The way from one machine to several: the SQLite file's sources, items, tags, platforms,
corrections, page versions and outbox (alerts, digests and what they held) go into an
empty PostgreSQL database, ids kept, so links to `/items/{id}` stay valid. Tables are
copied parents first, in chunks (memory stays flat at 100,000 items); PostgreSQL's id
sequences are then moved past the copied ids, and SQLite's full-text index is filled
when SQLite is the target. The counts of every table are compared at the end.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Table, delete, func, insert, select, text

from monitor.store import Store
from monitor.store.schema import Base

CHUNK = 5000
SKIPPED = {"shard_leases",         # who crawls what now belongs to the old installation, not the archive
           "web_sessions"}         # people sign in again on the new database
SEEDED = ("teams",)                # rows the migrations write (the team `default`): the source's replace them


class CopyError(Exception):
    """The copy cannot start (the target is not empty) or its counts differ."""


def tables() -> list[Table]:
    return [t for t in Base.metadata.sorted_tables if t.name not in SKIPPED]


def copy_archive(source: Store, target: Store, progress: Callable[[str, int], None] = lambda _t, _n: None
                 ) -> dict[str, tuple[int, int]]:
    """Copy every table; (rows in the source, rows in the target) by table. Raises CopyError."""
    with target.session() as s:
        if s.scalar(select(func.count()).select_from(Base.metadata.tables["items"])):
            raise CopyError(f"{target.engine.url.render_as_string()} already holds items; copy into an empty database")
    with target.session() as s, s.begin():
        for name in SEEDED:
            s.execute(delete(Base.metadata.tables[name]))
    for table in tables():
        _copy_table(source, target, table, progress)
    _after_copy(target)
    counts = {}
    for table in tables():
        counts[table.name] = (_count(source, table), _count(target, table))
    wrong = {name: pair for name, pair in counts.items() if pair[0] != pair[1]}
    if wrong:
        raise CopyError("the counts differ: " + ", ".join(f"{n} {a} → {b}" for n, (a, b) in wrong.items()))
    return counts


def _copy_table(source: Store, target: Store, table: Table, progress: Callable[[str, int], None]) -> None:
    order = list(table.primary_key.columns) or list(table.columns)
    done = 0
    with source.session() as read, target.session() as write, write.begin():
        result = read.connection().execution_options(yield_per=CHUNK).execute(select(table).order_by(*order))
        for rows in result.partitions(CHUNK):
            write.execute(insert(table), [dict(row._mapping) for row in rows])
            done += len(rows)
            progress(table.name, done)


def _after_copy(target: Store) -> None:
    with target.session() as s, s.begin():
        if target.dialect == "postgresql":
            for table in tables():
                if "id" in table.columns and table.c.id.autoincrement in (True, "auto"):
                    s.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                   f"GREATEST((SELECT max(id) FROM {table.name}), 1))"))
        elif target.dialect == "sqlite":
            s.execute(text("INSERT INTO items_fts(rowid, search_text) SELECT id, search_text FROM items"))


def _count(store: Store, table: Table) -> int:
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(table)) or 0
