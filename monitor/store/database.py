"""Engine set-up and migrations: SQLite (WAL, one file) by default, PostgreSQL for teams."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

if TYPE_CHECKING:    # alembic is imported only when a migration is due
    from alembic.config import Config as AlembicConfig

from monitor.errors import DatabaseError

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def make_engine(url: str) -> Engine:
    """An engine for `url`. Text that is no database URL, or a URL whose driver this installation
    lacks, is a `DatabaseError` in plain words; the unreadable text is not repeated, as it may carry
    a password the parser could not find to hide."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseError("that is not a database URL; write e.g. sqlite:////path/to/lagebild.db or "
                            "postgresql://user@host:5432/lagebild") from None
    try:
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        return create_engine(url, pool_pre_ping=True)
    except (NoSuchModuleError, ImportError) as e:
        raise DatabaseError(f"no driver here for {parsed.render_as_string()} ({e}); Lagebild runs on "
                            "sqlite:/// and postgresql://") from None


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: object) -> None:
    """WAL lets the archive read while a run writes; foreign keys make deletes cascade. Reads go
    through a memory map of the file (up to 1 GiB): a page is read where it lies instead of being
    copied into the page cache, which halves the archive's lookups of many rows by id (a search in
    relevance order at 100,000 items; benchmarks/bench_web.py)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA mmap_size=1073741824")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def unmapped(engine: Engine) -> None:
    """SQLite connections made from now on read the file without the memory map.

    For a process that mostly writes (`monitor run`): each page an insert looks at stays
    mapped, and after a first run of 40,000 items the map was 160 MB of the run's 410 MB
    resident memory (benchmarks/bench_fetch.py), for no faster run. The archive's readers
    keep the map. Connections already in the pool are closed."""
    if engine.dialect.name != "sqlite":
        return

    def no_map(dbapi_connection: DBAPIConnection, _record: object) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA mmap_size=0")
        cursor.close()
    event.listen(engine, "connect", no_map)     # after _sqlite_pragmas: listeners run in order
    engine.dispose()


def _alembic_config() -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    """The newest migration's revision: our revisions are numbered like their files
    ("0005_archive_indexes.py" is revision "0005"; a test holds alembic to that), so
    an up-to-date database is recognised without importing alembic (a fifth of a second
    on every command)."""
    return max(p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision; a no-op when it is already there."""
    try:
        current, head = _current_revision(engine), head_revision()
        if current == head:
            return
        if current is not None and current.isdigit() and current > head:
            raise DatabaseError(f"the database {engine.url.render_as_string()} was written by a newer Lagebild "
                                f"(schema {current}; this one knows up to {head}): install that version here "
                                "too, or point --db / MONITOR_DB at another database")
        with _sqlite_migration_lock(engine):
            if _current_revision(engine) == head:       # another process migrated while this one waited
                return
            from alembic import command
            cfg = _alembic_config()
            with engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
    except DatabaseError:
        raise
    except Exception as e:  # noqa: BLE001 - every driver raises its own kinds
        raise DatabaseError(f"cannot open or migrate the database {engine.url.render_as_string()}: {e}") from e


@contextmanager
def _sqlite_migration_lock(engine: Engine) -> Iterator[None]:
    """On a SQLite file, hold an exclusive flock on it while migrating: a serve and a daemon started
    together on an old archive both read the old revision, and the second then ran the first one's
    CREATE INDEX again ("index … already exists"). SQLite's own locks are fcntl locks, which flock
    does not touch. PostgreSQL migrates under an advisory lock (migrations/env.py)."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:") or not Path(database).exists():
        yield
        return
    try:
        import fcntl
    except ImportError:          # not on a POSIX system: SQLite's write lock alone, as before
        yield
        return
    with open(database, "rb") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _current_revision(engine: Engine) -> str | None:
    """The database's alembic revision, None for a new database."""
    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception:  # noqa: BLE001 - no such table yet: a new database
            conn.rollback()
            return None
