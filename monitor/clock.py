"""The clock: what time it is, always as an aware UTC datetime.

One function, in a module of its own, so the store, the web archive and the commands
share it without importing each other (it used to live beside the tables).
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
