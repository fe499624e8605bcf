"""Shared fixtures: stores on real SQLite files (and on a real PostgreSQL database when
the server is there), and the local servers of tests/servers.py a test talks to."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from monitor.store import Store
from tests.servers import Mailbox, Webhook

PG_ADMIN = os.environ.get("LAGEBILD_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _postgres_available() -> bool:
    try:
        import psycopg
        with psycopg.connect(PG_ADMIN.replace("+psycopg", ""), connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001 - any failure means: no server to test against
        return False


# --------------------------------------------------------------------------- stores

@pytest.fixture
def sqlite_store(tmp_path: Path):
    """An empty store in a SQLite file."""
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


@pytest.fixture
def postgres_store(postgres_url: str):
    """An empty store in a fresh PostgreSQL database; skips without a server."""
    store = Store.open(postgres_url)
    yield store
    store.close()


@pytest.fixture(params=["sqlite_store", "postgres_store"], ids=["sqlite", "postgresql"])
def store(request) -> Store:
    """An empty store, once on each database: the same test on SQLite and PostgreSQL.

    A test module that needs data in it overrides `store`, asking for this one (or for
    `sqlite_store` where SQLite is enough) and filling it."""
    return request.getfixturevalue(request.param)


# --------------------------------------------------------------------------- servers a test sends to

@pytest.fixture
def webhook():
    """Makes JSON webhooks on 127.0.0.1: `webhook(fail=2)` answers HTTP 500 twice, then 200;
    `webhook(fail=1, status=429, headers={"Retry-After": "1"})` a 429 asking for a second."""
    made: list[Webhook] = []

    def make(fail: int = 0, status: int = 500, headers: dict | None = None) -> Webhook:
        made.append(Webhook().fail(fail, status, headers))
        return made[-1]
    yield make
    for hook in made:
        hook.close()


@pytest.fixture
def smtp():
    """An SMTP server on 127.0.0.1, listening; `smtp.stop()` and `smtp.start()` take it down and up."""
    pytest.importorskip("aiosmtpd.controller")
    box = Mailbox()
    box.start()
    yield box
    box.stop()
