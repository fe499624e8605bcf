"""Errors every command may end with, importable without the libraries behind them.

The CLI catches these around every command; defining them here keeps `monitor run`
from importing SQLAlchemy and Alembic before it has started the crawl process.
"""

from __future__ import annotations


class DatabaseError(Exception):
    """The database cannot be opened or migrated; the message says which and why."""
