"""What one fetch of one source came to: kept free of heavy imports, because the crawl
process (which must start fast) and the store both use it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass
class FetchOutcome:
    """What one fetch of one source came to; the store turns it into health."""
    ok: bool
    status: int | None = None
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    new_items: int = 0
    retry_after: timedelta | None = None
