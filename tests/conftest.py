"""Shared fixtures: real SQLite files, and a real PostgreSQL database when the server is there."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from monitor.store import Store

PG_ADMIN = os.environ.get("LAGEBILD_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _postgres_available() -> bool:
    try:
        import psycopg
        with psycopg.connect(PG_ADMIN.replace("+psycopg", ""), connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001 - any failure means: no server to test against
        return False


@pytest.fixture
def sqlite_store(tmp_path: Path):
    store = Store.open(f"sqlite:///{tmp_path / 'test.db'}")
    yield store
    store.close()


@pytest.fixture
def postgres_url():
    """A fresh database on the local PostgreSQL, dropped afterwards; skips without a server."""
    if not _postgres_available():
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    import psycopg
    name = f"lagebild_test_{uuid.uuid4().hex[:10]}"
    admin = PG_ADMIN.replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path: Path):
    """The same store tests on both databases."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    store = Store.open(url)
    yield store
    store.close()
