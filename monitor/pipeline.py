"""`monitor run`: one cycle, top to bottom.

fetch -> store new -> dedup/cluster -> tag -> route alerts -> deliver. Each step is a
call into its own module; this file only says the order and collects the report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from monitor import alerts
from monitor.config import Config
from monitor.fetch import crawl
from monitor.item import Item
from monitor.store import Store
from monitor.store.schema import SourceRow, utcnow
from monitor.tagging import tag_items
from spiders.base import FetchResult, SourceSpec


@dataclass
class RunReport:
    fetched: int = 0
    unchanged: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    waiting: dict[str, datetime] = field(default_factory=dict)   # in backoff, not fetched this time
    new_items: list[Item] = field(default_factory=list)
    delivery_lines: list[str] = field(default_factory=list)
    delivery_failed: bool = False

    def lines(self) -> list[str]:
        tags = Counter(t for it in self.new_items for t in it.tags)
        ok = self.fetched - len(self.failed)
        out = [f"Sources: {self.fetched} fetched, {ok} ok ({self.unchanged} unchanged), {len(self.failed)} failing"
               + (f", {len(self.waiting)} waiting to retry" if self.waiting else ""),
               f"New items: {len(self.new_items)}"
               + (" (" + ", ".join(f"{n} {t}" for t, n in tags.most_common()) + ")" if tags else "")]
        for name, error in sorted(self.failed.items()):
            out.append(f"  failing: {name}: {error}")
        for name, when in sorted(self.waiting.items()):
            out.append(f"  waiting: {name}: next try {when:%Y-%m-%d %H:%M} UTC")
        return out + self.delivery_lines


def due_specs(config: Config, state: dict[str, SourceRow], now: datetime) -> tuple[list[SourceSpec], dict]:
    """Sources to fetch now, and those still waiting out a backoff after failures."""
    specs, waiting = [], {}
    for src in config.sources:
        row = state.get(src.name)
        if not src.enabled or row is None:
            continue
        if row.next_attempt and row.next_attempt > now:
            waiting[src.name] = row.next_attempt
            continue
        specs.append(SourceSpec(name=src.name, url=src.url, kind=src.kind, category=src.category,
                                language=src.language, platforms=list(src.platforms),
                                etag=row.etag, last_modified=row.last_modified))
    return specs, waiting


def run_cycle(config: Config, store: Store, tagger, sender,
              on_result: Callable[[FetchResult], None] | None = None) -> RunReport:
    """One cycle; a failing source is reported, never fatal."""
    now = utcnow()
    store.sync_sources(config.sources)
    specs, waiting = due_specs(config, store.fetch_state(), now)
    results = crawl(specs, config.settings.fetch, on_result=on_result)
    report = RunReport(fetched=len(results), waiting=waiting)
    fresh = store.unseen([it for r in results if r.outcome.ok for it in r.items])
    tag_items(tagger, fresh)
    report.new_items = store.add_items(fresh, alerts.route(fresh, config), now=now)
    _record_health(config, store, results, report, now)
    delivery = alerts.deliver_due(store, config, sender)
    report.delivery_lines, report.delivery_failed = delivery.lines, bool(delivery.failed)
    return report


def _record_health(config: Config, store: Store, results: list[FetchResult], report: RunReport,
                   now: datetime) -> None:
    new_per_source = Counter(it.source for it in report.new_items)
    for result in results:
        result.outcome.new_items = new_per_source.get(result.source, 0)
        store.record_fetch(result.source, result.outcome, config.settings.fetch.interval, now=now)
        if not result.outcome.ok:
            report.failed[result.source] = result.outcome.error or "failed"
        elif result.outcome.not_modified:
            report.unchanged += 1
