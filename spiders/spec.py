"""What a crawl is told and what it answers, without importing Scrapy.

`monitor run` hands `SourceSpec`s to the crawl process and gets `FetchResult`s back;
the parent process never needs Scrapy itself (tens of MB and a quarter second).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from monitor.item import Item
from monitor.outcome import FetchOutcome


@dataclass
class SourceSpec:
    """The slice of a configured source a spider needs (picklable, no pydantic)."""
    name: str
    url: str
    kind: str
    category: str
    language: str | None = None
    platforms: list[str] = field(default_factory=list)
    etag: str | None = None
    last_modified: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class FetchResult:
    source: str
    outcome: FetchOutcome
    items: list[Item] = field(default_factory=list)
