"""The store: sources and their health, items with tags and clusters, the outbox.

SQLAlchemy 2 over SQLite (default) or PostgreSQL; the schema is migrated by Alembic
when the store opens. Each concern lives in its own mixin module.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from monitor.store.database import DatabaseError, make_engine, migrate
from monitor.store.items import ItemQuery, ItemStore, NewDelivery, item_json
from monitor.store.outbox import OutboxStore
from monitor.store.pages import PageStore
from monitor.watch.contract import FetchOutcome
from monitor.store.sources import SourceStore


class Store(SourceStore, ItemStore, OutboxStore, PageStore):
    def __init__(self, engine: Engine):
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str) -> "Store":
        engine = make_engine(url)
        migrate(engine)
        return cls(engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self) -> Session:
        return self._sessions()

    def close(self) -> None:
        self.engine.dispose()


__all__ = ["Store", "ItemQuery", "NewDelivery", "FetchOutcome", "DatabaseError", "item_json"]
