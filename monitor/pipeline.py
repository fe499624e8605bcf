"""`monitor run`: one cycle, top to bottom.

fetch -> store new -> dedup/cluster -> tag -> route alerts -> deliver. Each step is a
call into its own module; this file only says the order and collects the report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from monitor.clock import utcnow
from monitor.config import Config
from monitor.i18n import Translator
from monitor.item import Item
from monitor.store import FetchState, Store
from monitor.tag.legal_pages import force_legal
from monitor.tag.retag import restore_model_tags
from monitor.teams.plan import fetch_due
from monitor.tell import alerts, rules, team_alerts
from monitor.watch.contract import FetchOutcome, FetchResult, SourceSpec, spec_options
from monitor.watch.errors import explain, outage, outage_words
from monitor.watch.page_changes import apply_snapshots
from spiders.crawl import CrawlProcess, processes
from spiders.new_sources import mark_first_fetches, tagged

if TYPE_CHECKING:
    from classifiers.tagger import Tagger
    from monitor.tell.deliver import Sender
    from monitor.tell.team_alerts import TeamRoute


@dataclass
class RunReport:
    fetched: int = 0
    unchanged: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    waiting: dict[str, datetime] = field(default_factory=dict)   # in backoff, not fetched this time
    new_count: int = 0
    new_tags: Counter = field(default_factory=Counter)      # counts, not the items: a first run brings
    new_per_source: Counter = field(default_factory=Counter)  # tens of thousands, and memory is bounded
    delivery_lines: list[str] = field(default_factory=list)
    delivery_failed: bool = False
    restored: int = 0        # items corrected before teams, given the model's tags again (monitor.tag.retag)

    def count(self, added: list[Item]) -> None:
        self.new_count += len(added)
        self.new_tags.update(t for it in added for t in it.tags)
        self.new_per_source.update(it.source for it in added)

    def lines(self) -> list[str]:
        tags = self.new_tags
        ok = self.fetched - len(self.failed)
        out = [f"Sources: {self.fetched} fetched, {ok} ok ({self.unchanged} unchanged), {len(self.failed)} failing"
               + (f", {len(self.waiting)} waiting to retry" if self.waiting else ""),
               f"New items: {self.new_count}"
               + (" (" + ", ".join(f"{n} {t}" for t, n in tags.most_common()) + ")" if tags else "")]
        problems = {name: explain(error) for name, error in self.failed.items()}
        down = outage(problems.values(), self.fetched)
        if down:          # one line for a dead network, not one "check the URL" per source
            out.append("  " + outage_words(Translator("en"), down, self.fetched))
        for name, error in sorted(self.failed.items()):
            if not (down and problems[name].network):
                out.append(f"  failing: {name}: {error}")
        for name, when in sorted(self.waiting.items()):
            out.append(f"  waiting: {name}: next try {when:%Y-%m-%d %H:%M} UTC")
        if self.restored:
            out.append(f"  {self.restored} items corrected before teams carry the model's tags again for other teams")
        return out + self.delivery_lines


def due_specs(config: Config, state: dict[str, FetchState], now: datetime,
              retry_now: bool = False, windows: dict[str, timedelta] | None = None) -> tuple[list[SourceSpec], dict]:
    """Sources to fetch now, and those still waiting out a backoff after failures
    (`retry_now`: none wait, every source is fetched). With several teams, `windows` gives each
    source the shortest interval its subscribers asked for: it is fetched once per window of
    that interval, for all of them (monitor.teams.plan)."""
    specs, waiting = [], {}
    for src in config.sources:
        row = state.get(src.name)
        if not src.enabled or row is None:
            continue
        if windows is not None and not fetch_due(row.last_fetch, windows.get(src.name), now):
            continue
        if not retry_now and row.next_attempt and row.next_attempt > now:
            waiting[src.name] = row.next_attempt
            continue
        specs.append(SourceSpec(name=src.name, url=src.url, kind=src.kind, category=src.category,
                                language=src.language, platforms=list(src.platforms),
                                etag=row.etag, last_modified=row.last_modified, options=spec_options(src)))
    return specs, waiting


BATCH_ITEMS = 500       # items tagged and stored at a time: a batch's working memory (tag matrices, rows)
                        # is part of a run's peak; 2,000 cost ~40 MB more at 10,000 items, no less CPU


def run_cycle(config: Config, store: Store, tagger: Tagger | Callable[[], Tagger], sender: Sender,
              on_result: Callable[[FetchResult], None] | None = None,
              crawl: CrawlProcess | None = None, retry_now: bool = False,
              windows: dict[str, timedelta] | None = None, sync: bool = True,
              routes: list[TeamRoute] | None = None, crawl_tagger: str | None = None) -> RunReport:
    """One cycle; a failing source is reported, never fatal. `retry_now` also fetches
    the sources that are waiting out a backoff (`monitor run --retry-now`).

    Results are handled in batches as the crawl delivers them, so tagging and storing
    (here) overlap with fetching and parsing (in the crawl processes). `tagger` is a
    Tagger or a function that loads one when the first new items arrive; `crawl` may be
    started by the caller earlier, so that its start-up overlaps the caller's. With teams,
    `config` is their fetch plan, already applied (`sync` False), and `windows` each source's
    interval (monitor.teams.plan), and `routes` the teams' alert rules: each team's rules see
    only its own sources' items and send to its own targets (monitor.tell.team_alerts).
    `crawl_tagger` (the model `tagger` loads, spiders.new_sources.model_choice): the crawl tags
    the items of sources fetched for the first time, and they arrive tagged.
    """
    now = utcnow()
    load_tagger = tagger if callable(tagger) else (lambda: tagger)
    if sync:
        store.sync_sources(config.sources)
    state = store.fetch_state()
    specs, waiting = due_specs(config, state, now, retry_now, windows)
    if crawl_tagger is not None:
        mark_first_fetches(specs, state, crawl_tagger)
    report = RunReport(waiting=waiting, restored=restore_model_tags(store, load_tagger, config))
    outcomes: list[tuple[str, FetchOutcome]] = []
    batch: list[Item] = []
    crawl = crawl or CrawlProcess(processes(config.settings.fetch))
    for result in crawl.results(specs, config.settings.fetch):
        outcomes.append((result.source, result.outcome))
        if result.outcome.ok:
            batch.extend(result.items)
        if len(batch) >= BATCH_ITEMS:
            report.count(_store_new(config, store, load_tagger, batch, now, routes))
            batch = []
        if on_result:
            on_result(result)
    report.count(_store_new(config, store, load_tagger, batch, now, routes))
    store.stored(report.new_count)
    _record_health(config, store, outcomes, report, now)
    delivery = (team_alerts.deliver_teams(store, routes, sender) if routes is not None
                else alerts.deliver_due(store, config, sender))
    report.delivery_lines, report.delivery_failed = delivery.lines, bool(delivery.failed)
    return report


def _store_new(config: Config, store: Store, load_tagger: Callable[[], Tagger], items: list[Item],
               now: datetime, routes: list[TeamRoute] | None = None) -> list[Item]:
    """Dedup against the store, tag only what is new, store it with its alerts in one transaction.

    Watched pages arrive as snapshots; they become change items (or nothing) here.
    """
    if not items:
        return []
    items = apply_snapshots(store, items, now, language=config.settings.language)
    fresh = store.unseen(items)
    if not fresh:
        return []
    from monitor.tag.tagging import tag_items
    untagged = [it for it in fresh if not tagged(it)]     # a new source's items come tagged from the crawl
    if untagged:
        tag_items(load_tagger(), untagged, {s.name: s.category for s in config.sources})   # hints: monitor.tag.hints
    force_legal(fresh, config.sources)       # terms and policy pages: their changes are legal changes
    if routes is None:
        return store.add_items(fresh, rules.route(fresh, config, now=now), now=now)
    by_team = team_alerts.team_tags(fresh, routes)          # teams with their own model: its tags
    added = store.add_items(fresh, team_alerts.route_teams(fresh, routes, by_team, now=now), now=now)
    team_alerts.keep_team_tags(store, fresh, by_team)
    return added


def _record_health(config: Config, store: Store, outcomes: list[tuple[str, FetchOutcome]], report: RunReport,
                   now: datetime) -> None:
    new_per_source = report.new_per_source
    report.fetched = len(outcomes)
    for name, outcome in outcomes:
        outcome.new_items = new_per_source.get(name, 0)
        if not outcome.ok:
            report.failed[name] = outcome.error or "failed"
        elif outcome.not_modified:
            report.unchanged += 1
    store.record_fetches(outcomes, config.settings.fetch.interval, now=now)
