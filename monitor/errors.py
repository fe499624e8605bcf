"""Errors every command may end with, importable without the libraries behind them.

The CLI catches these around every command; defining them here keeps `monitor run`
from importing pydantic, SQLAlchemy and Alembic before it has started the crawl.
"""

from __future__ import annotations


class ConfigError(Exception):
    """A config problem a person must fix; the message names file, line and fix."""


class DatabaseError(Exception):
    """The database cannot be opened or migrated; the message says which and why."""


class ModelError(Exception):
    """The tagger's model cannot be used; the message names its directory and what to do."""
