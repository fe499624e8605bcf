"""Sources in the store: configured sources kept in step with feeds.yaml, and their health."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from monitor.clock import utcnow
from monitor.store.locks import transaction_lock
from monitor.store.schema import DEFAULT_TEAM_ID, ItemRow, SourceRow, SubscriptionRow
from monitor.store.subscriptions import SyncReport, sync_team
from monitor.watch.contract import FetchOutcome

if TYPE_CHECKING:    # the store works on plain data; the config's models are only named here
    from monitor.config import Source

MAX_BACKOFF = timedelta(hours=6)
RHYTHM_WINDOW = timedelta(days=120)
SILENCE_FACTOR = 8
SILENCE_MIN = timedelta(days=3)


def backoff(failures: int, interval: timedelta) -> timedelta:
    """Failing sources are retried later and later, but never dropped: 1, 2, 4 … cycles, at most 6 h."""
    return min(interval * (2 ** max(failures - 1, 0)), MAX_BACKOFF)


@dataclass(frozen=True)
class FetchState:
    """What the next fetch of a source needs to know: its validators and when it may be tried."""
    etag: str | None
    last_modified: str | None
    next_attempt: datetime | None
    last_fetch: datetime | None = None      # with teams: fetched once per window (monitor.teams.plan)


class SourceStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def sync_sources(self, sources: list[Source], team_id: int = DEFAULT_TEAM_ID, interval: timedelta | None = None,
                     slug: str = "default", where: str = "the config") -> SyncReport:
        """Make the team's stored subscriptions match its config: add new, update changed, pause
        removed; a source is fetched while any team subscribes to it (monitor/store/subscriptions.py).

        Under a lock: two processes starting at once (two `monitor run`, workers applying a
        config) would otherwise both insert a new source and one would fail on its name."""
        with self.sessions() as s, s.begin():
            transaction_lock(s, "sync_sources")
            report = sync_team(s, team_id, sources, interval, slug, where)
        if report.added or report.removed:
            self._refresh_statistics()
        return report

    def _refresh_statistics(self) -> None:
        """PostgreSQL's planner statistics of sources and subscriptions, after a sync changed them.

        Every team-scoped read of the archive filters items by the team's subscriptions. Planned
        on statistics from before `monitor config apply` added 4,000 of them (1 row expected),
        PostgreSQL walked every subscribed source's items to list a page's 50 stories' reports:
        28 ms instead of 1 ms, and as long again for a page's story ids
        (benchmarks/bench_web_under_crawl.py). Autovacuum refreshes them too, a minute or more later."""
        with self.sessions() as s, s.begin():
            if s.get_bind().dialect.name == "postgresql":
                s.execute(text("ANALYZE sources, subscriptions"))

    def fetch_state(self) -> dict[str, FetchState]:
        """Active sources by name, for building conditional requests and honouring backoff."""
        with self.sessions() as s:
            rows = s.execute(select(SourceRow.name, SourceRow.etag, SourceRow.last_modified, SourceRow.next_attempt,
                                    SourceRow.last_fetch).where(SourceRow.active.is_(True))).all()
        return {name: FetchState(etag, modified, nxt, last) for name, etag, modified, nxt, last in rows}

    def names_by_key(self) -> dict[str, str]:
        """fetch_key -> the source row's name, for the fetch plan of several teams (monitor.teams.plan)."""
        with self.sessions() as s:
            return {key: name for key, name in s.execute(select(SourceRow.fetch_key, SourceRow.name))}

    def record_fetch(self, name: str, outcome: FetchOutcome, interval: timedelta, now: datetime | None = None) -> None:
        self.record_fetches([(name, outcome)], interval, now)

    def record_fetches(self, outcomes: list[tuple[str, FetchOutcome]], interval: timedelta,
                       now: datetime | None = None) -> None:
        """Health after a cycle, for every source in one transaction (thousands of sources)."""
        now = now or utcnow()
        with self.sessions() as s, s.begin():
            rows = {r.name: r for r in s.scalars(select(SourceRow).where(SourceRow.active.is_(True)))}
            for name, outcome in outcomes:
                if name in rows:
                    _apply(rows[name], outcome, interval, now)

    def list_sources(self, now: datetime | None = None, team_id: int | None = None) -> list[dict]:
        """Every active source with its health, as the contract's Source objects (plus a few extras).
        With `team_id`: only the team's active subscriptions, under the team's own name, category
        and language (health is the shared source's)."""
        now = now or utcnow()
        with self.sessions() as s:
            counts = dict(s.execute(select(ItemRow.source_id, func.count()).group_by(ItemRow.source_id)).all())
            rhythm = _rhythms(s, now)
            if team_id is None:
                rows = s.scalars(select(SourceRow).where(SourceRow.active.is_(True)).order_by(SourceRow.name)).all()
                return [source_json(r, counts.get(r.id, 0), rhythm.get(r.id), now) for r in rows]
            pairs = s.execute(select(SourceRow, SubscriptionRow)
                              .join(SubscriptionRow, SubscriptionRow.source_id == SourceRow.id)
                              .where(SubscriptionRow.team_id == team_id, SubscriptionRow.active.is_(True))
                              .order_by(SubscriptionRow.name)).all()
            out = []
            for row, sub in pairs:
                found = source_json(row, counts.get(row.id, 0), rhythm.get(row.id), now)
                found.update(name=sub.name, category=sub.category, language=sub.language,
                             platforms=list(sub.platforms or []))
                out.append(found)
            return out

    def health_version(self) -> tuple[Any, ...]:
        """A value that changes whenever a run changed what `list_sources` reports: the newest
        item, the latest fetch, the number of active sources and their failures."""
        with self.sessions() as s:
            newest = s.scalar(select(func.max(ItemRow.id)))
            fetched, active, failures = s.execute(
                select(func.max(SourceRow.last_fetch), func.count(), func.sum(SourceRow.consecutive_failures))
                .where(SourceRow.active.is_(True))).one()
        return newest, fetched, active, failures


def _rhythms(s: Session, now: datetime) -> dict[int, tuple[timedelta, datetime]]:
    """Per source: the median gap between its recent items, and its newest item's date."""
    dates: dict[int, list[datetime]] = {}
    for source_id, when in s.execute(select(ItemRow.source_id, ItemRow.sort_date)
                                     .where(ItemRow.sort_date >= now - RHYTHM_WINDOW)):
        dates.setdefault(source_id, []).append(when)
    out = {}
    for source_id, stamps in dates.items():
        stamps.sort()
        gaps = sorted(b - a for a, b in zip(stamps, stamps[1:]))
        if len(gaps) >= 4:
            out[source_id] = (gaps[len(gaps) // 2], stamps[-1])
    return out


def silence(rhythm: tuple[timedelta, datetime] | None, now: datetime) -> timedelta | None:
    """How long a source has been quiet, when that is far beyond its usual rhythm (else None).

    'Far beyond' is eight usual gaps and at least three days, so a weekly blog is not
    flagged on day eight but a daily newsroom silent for a week is.
    """
    if rhythm is None:
        return None
    gap, newest = rhythm
    quiet = now - newest
    return quiet if quiet > max(gap * SILENCE_FACTOR, SILENCE_MIN) else None


def _apply(row: SourceRow, outcome: FetchOutcome, interval: timedelta, now: datetime) -> None:
    row.last_fetch, row.last_status = now, outcome.status
    if outcome.ok:
        # A feed read only by repairing it stays ok and says so in last_error; an unchanged
        # one (304) keeps what its last reading said.
        kept = row.last_error if outcome.not_modified and not row.consecutive_failures else outcome.warning
        row.last_success, row.last_error, row.error_since = now, kept, None
        row.consecutive_failures, row.next_attempt = 0, None
        if not outcome.not_modified:
            row.etag, row.last_modified = outcome.etag, outcome.last_modified
        if outcome.new_items:
            row.last_new_item = now
    else:
        row.consecutive_failures = (row.consecutive_failures or 0) + 1
        row.last_error = outcome.error or "failed"
        row.error_since = row.error_since or now
        wait = max(backoff(row.consecutive_failures, interval), outcome.retry_after or timedelta(0))
        row.next_attempt = now + wait


def source_json(row: SourceRow, items: int, rhythm: tuple[timedelta, datetime] | None = None,
                now: datetime | None = None) -> dict:
    status = "new" if row.last_fetch is None else ("failing" if row.consecutive_failures else "ok")
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    quiet = silence(rhythm, now or utcnow()) if status == "ok" else None
    return {
        "silent": quiet is not None,
        "silent_days": round(quiet.total_seconds() / 86400, 1) if quiet else None,
        "usual_gap_hours": round(rhythm[0].total_seconds() / 3600, 1) if rhythm else None,
        "name": row.name, "url": row.url, "kind": row.kind, "category": row.category,
        "status": status, "last_success": iso(row.last_success), "last_error": row.last_error,
        "consecutive_failures": row.consecutive_failures or 0, "items": items,
        "language": row.language, "last_fetch": iso(row.last_fetch), "error_since": iso(row.error_since),
        "next_attempt": iso(row.next_attempt), "last_status": row.last_status,
        "last_new_item": iso(row.last_new_item),
    }
