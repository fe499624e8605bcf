"""A team's sources in the store: one `sources` row per fetched thing, one subscription per team.

`sync_team` makes the stored subscriptions of one team match its config. A source is found
by its fetch key (monitor.teams.identity), so two teams configuring the same feed share
its row, its fetch and its items. A team's source whose URL or fetch options changed keeps
its row and history when nobody else subscribes to it (as a changed URL always did);
otherwise the team moves to the row of the new key. A source nobody actively subscribes
to any longer is deactivated (never deleted: its items stay in the archive).

The row's own name, category and language are the first subscriber's, or the default
team's when it subscribes (so a plain feeds.yaml sees exactly its own names everywhere).
Each team's name, category, platforms, language and interval are in its subscription.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from monitor.errors import ConfigError
from monitor.store.schema import DEFAULT_TEAM_ID, SourceRow, SubscriptionRow
from monitor.teams.identity import fetch_key

if TYPE_CHECKING:
    from monitor.config import Source

LEGACY = "legacy:"      # the key migration 0010 gave the sources it found, until their first sync


@dataclass(frozen=True)
class SyncReport:
    """What a sync changed, for `monitor config apply` to say."""
    added: int = 0          # new subscriptions
    shared: int = 0         # of the team's sources, those another team subscribes to as well
    removed: int = 0        # subscriptions paused because the source left the config


def sync_team(s: Session, team_id: int, sources: list[Source], interval: timedelta | None = None,
              slug: str = "default", where: str = "the config") -> SyncReport:
    """Within the caller's transaction (under its lock). `interval` is the team's fetch interval,
    stored per subscription; `where` names the file in errors."""
    subs = {r.source_id: r for r in s.scalars(select(SubscriptionRow).where(SubscriptionRow.team_id == team_id))}
    by_name = {r.name: r for r in subs.values()}
    rows_by_key = {r.fetch_key: r for r in s.scalars(select(SourceRow))}
    rows_by_id = {r.id: r for r in rows_by_key.values()}
    names = {r.name for r in rows_by_key.values()}
    others = _other_subscribers(s, team_id)
    seen: dict[int, str] = {}          # id() of each source row the config uses -> the config's name for it
    chosen: list[tuple[Source, SourceRow, SubscriptionRow | None]] = []
    for src in sources:                # first the rows, new ones inserted in one flush (20,000 sources: seconds)
        key = fetch_key(src)
        row = rows_by_key.get(key)
        old = by_name.get(src.name)
        if (row is None and old is not None and old.source_id not in others
                and id(rows_by_id[old.source_id]) not in seen):
            row = rows_by_id[old.source_id]          # the team changed its own source: keep its row and history
            del rows_by_key[row.fetch_key]
            if not (row.fetch_key.startswith(LEGACY) and row.url == src.url):   # else: keyed after migration 0010
                row.etag = row.last_modified = None          # a new request: the old validators say nothing
            row.fetch_key = key
            rows_by_key[key] = row
        if row is None:
            row = SourceRow(name=_free_name(src.name, slug, names), fetch_key=key, url=src.url, kind=src.kind,
                            consecutive_failures=0, category=src.category, language=src.language, active=True)
            names.add(row.name)
            s.add(row)
            rows_by_key[key] = row
        if id(row) in seen:
            raise ConfigError(f"{where}: the sources {seen[id(row)]!r} and {src.name!r} fetch the same thing "
                              "(same address, kind and options); keep one of them")
        seen[id(row)] = src.name
        owner = team_id == DEFAULT_TEAM_ID or row.id is None or row.id not in others
        if owner:
            if row.name != src.name and src.name not in names:
                names.discard(row.name)
                row.name = src.name
                names.add(row.name)
            _assign(row, category=src.category, language=src.language)
        _assign(row, url=src.url, kind=src.kind)
        chosen.append((src, row, old))
    s.flush()
    added = 0
    used: set[int] = set()
    for src, row, old in chosen:       # then the team's subscriptions to them
        used.add(row.id)
        if old is not None and old.source_id != row.id and old.name == src.name:   # the name moves: free it first
            old.name = f"~{old.source_id}"
            s.flush()
        sub = subs.get(row.id)
        if sub is None:
            added += 1
            sub = SubscriptionRow(team_id=team_id, source_id=row.id)
            subs[row.id] = sub
            s.add(sub)
        _assign(sub, name=src.name, category=src.category, platforms=list(src.platforms), language=src.language,
                active=src.enabled, interval_seconds=int(interval.total_seconds()) if interval is not None else None)
        if old is not None and old is not sub:
            s.flush()                  # names swapped between two sources: each move on its own
    shared = sum(1 for source_id in used if source_id in others)   # every apply says the same of the same files
    removed = 0
    for source_id, sub in subs.items():
        if source_id not in used and sub.active:
            sub.active, removed = False, removed + 1
    s.flush()
    refresh_active(s)
    return SyncReport(added, shared, removed)


def _assign(row: object, **values: object) -> None:
    """Set only what changed: an unchanged config then writes nothing (20,000 sources every run)."""
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)


def refresh_active(s: Session) -> None:
    """A source is active (fetched) while any team actively subscribes to it."""
    subscribed = exists().where(SubscriptionRow.source_id == SourceRow.id, SubscriptionRow.active.is_(True))
    s.execute(update(SourceRow).where(SourceRow.active != subscribed).values(active=subscribed)
              .execution_options(synchronize_session=False))     # rows loaded before keep their old `active`


def _other_subscribers(s: Session, team_id: int) -> set[int]:
    """Sources some other team actively subscribes to."""
    return set(s.scalars(select(SubscriptionRow.source_id).distinct()
                         .where(SubscriptionRow.team_id != team_id, SubscriptionRow.active.is_(True))))


def _free_name(name: str, slug: str, taken: set[str]) -> str:
    """The source row's own name: the team's name for it, unless another source has it already."""
    if name not in taken:
        return name
    candidate, n = f"{name} ({slug})", 2
    while candidate in taken:
        candidate, n = f"{name} ({slug} {n})", n + 1
    return candidate[:200]
