"""Shards of whole hosts and fetch windows: the units the workers share out.

A source's shard follows from its host alone (a stable hash), so every source of one
host is always crawled by the same job, in one Scrapy process, whose per-host limits
(`per_host`, delays, POLITE_HOSTS) then hold across all workers. Windows are the fetch
intervals counted from the epoch, so every machine names the current one alike.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from monitor.config import Source

SHARDS = 64     # enough to spread 200 hosts over a few workers; few enough to plan in one query


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def shard_of(url: str, shards: int = SHARDS) -> int:
    return zlib.crc32(host_of(url).encode()) % shards


def by_shard(sources: Iterable[Source], shards: int = SHARDS) -> dict[int, list[Source]]:
    """The enabled sources, grouped by shard."""
    groups: dict[int, list[Source]] = {}
    for src in sources:
        if src.enabled:
            groups.setdefault(shard_of(src.url, shards), []).append(src)
    return groups


def window_of(moment: datetime, interval: timedelta) -> str:
    """The fetch window `moment` falls in, named by its start (UTC, ISO 8601)."""
    step = max(int(interval.total_seconds()), 1)
    start = int(moment.timestamp()) // step * step
    return datetime.fromtimestamp(start, UTC).isoformat()
