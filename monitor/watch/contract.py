"""The crawl's contract: what a crawl is told, and what it answers, without importing Scrapy.

`monitor run` hands `SourceSpec`s to the crawl process (spiders/crawl.py) and gets
`FetchResult`s back, each carrying a `FetchOutcome` that the store turns into the
source's health. Kept free of heavy imports: the crawl process must start fast and the
parent never needs Scrapy itself (tens of MB and a quarter second).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from monitor.item import Item


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
    warning: str | None = None     # ok, but read only by repairing it (monitor.watch.errors); kept as last_error


@dataclass
class FetchResult:
    source: str
    outcome: FetchOutcome
    items: list[Item] = field(default_factory=list)


def spec_options(source: Any) -> dict[str, Any]:
    """SourceSpec.options from a configured Source: plain data, picklable for the crawl process."""
    options: dict[str, Any] = {}
    if source.selectors is not None:
        options["selectors"] = source.selectors.model_dump(exclude_none=True)
    if source.select:
        options["select"] = source.select
    if source.ignore:
        options["ignore"] = list(source.ignore)
    if source.legal is not None:
        options["legal"] = source.legal
    return options
