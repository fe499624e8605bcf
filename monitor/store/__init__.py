"""The store: sources and their health, items with tags and clusters, the outbox, watched pages.

SQLAlchemy 2 over SQLite (default) or PostgreSQL; the schema is migrated by Alembic
when the store opens. All SQL of the monitor lives in this package: the rest of the
code calls `Store`'s named methods and gets plain data or `monitor.item.Item`s back.

`Store` is composed, not inherited: one class per entity (sources.py, items.py,
outbox.py, pages.py, readers.py), each given the same session factory and nothing else. The
methods the pipeline, the archive and the commands call are theirs, named here in one
place per entity.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from monitor.store.browse import Report
from monitor.store.database import DatabaseError, make_engine, migrate, unmapped
from monitor.store.items import ItemQuery, ItemStore, NewDelivery, TrendRow, item_json
from monitor.store.leases import LeaseStore, ShardState
from monitor.store.outbox import OutboxStore
from monitor.store.pages import PageStore, PageVersion
from monitor.store.people import PeopleStore
from monitor.store.readers import Preferences, ReaderStore, Visit
from monitor.store.sources import FetchState, SourceStore
from monitor.store.team_view import TeamTagStore
from monitor.store.teams import Member, TeamStore
from monitor.store.web_sessions import WebSessionStore
from monitor.watch.contract import FetchOutcome

STATISTICS_AFTER = 500      # new items after which PostgreSQL's planner statistics are refreshed (Store.stored)


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # For tests and benchmarks that look under the hood; the monitor itself never does.
        self.session: sessionmaker[Session] = sessionmaker(engine, expire_on_commit=False)
        sources, items = SourceStore(self.session), ItemStore(self.session)
        outbox, pages = OutboxStore(self.session), PageStore(self.session)
        leases = LeaseStore(self.session)
        readers = ReaderStore(self.session)
        web_sessions = WebSessionStore(self.session)
        people = PeopleStore(self.session)
        teams = TeamStore(self.session)
        team_tags = TeamTagStore(self.session)

        self.sync_sources = sources.sync_sources
        self.fetch_state = sources.fetch_state
        self.record_fetch = sources.record_fetch
        self.record_fetches = sources.record_fetches
        self.list_sources = sources.list_sources
        self.health_version = sources.health_version
        self.names_by_key = sources.names_by_key

        self.unseen = items.unseen
        self.add_items = items.add_items
        self.preload_stories = items.preload_stories
        self.query_items = items.query_items
        self.query_ids = items.query_ids
        self.story_rows = items.story_rows
        self.item_page = items.item_page
        self.walk_items = items.walk_items
        self.count_items = items.count_items
        self.count_stories = items.count_stories
        self.query_stories = items.query_stories
        self.story_page = items.story_page
        self.story_reports = items.story_reports
        self.get_item = items.get_item
        self.cluster_items = items.cluster_items
        self.items_by_ids = items.items_by_ids
        self.newest_item_id = items.newest_item_id
        self.item_ids_since = items.item_ids_since
        self.relabel = items.relabel
        self.corrected_before_teams = items.corrected_before_teams
        self.first_item_date = items.first_item_date
        self.trend_rows = items.trend_rows
        self.correct_tags = items.correct_tags
        self.corrections = items.corrections
        self.correction_history = items.correction_history

        self.due_alerts = outbox.due_alerts
        self.mark_alerts_sent = outbox.mark_alerts_sent
        self.mark_alerts_failed = outbox.mark_alerts_failed
        self.alerted_stories = outbox.alerted_stories
        self.digest_candidates = outbox.digest_candidates
        self.begin_digest = outbox.begin_digest
        self.finish_digest = outbox.finish_digest
        self.last_digest_sent = outbox.last_digest_sent
        self.outbox = outbox.outbox
        self.sent_digests = outbox.sent_digests
        self.digested_stories = outbox.digested_stories

        self.latest_version = pages.latest_version
        self.previous_version = pages.previous_version
        self.versions = pages.versions
        self.recent_versions = pages.recent_versions
        self.version_with_hash = pages.version_with_hash
        self.add_version = pages.add_version
        self.link_version = pages.link_version
        self.settle_version = pages.settle_version
        self.stored_item_id = pages.stored_item_id

        # Several workers over one PostgreSQL database (monitor/work/).
        self.claim_shard = leases.claim_shard
        self.renew_shard = leases.renew_shard
        self.finish_shard = leases.finish_shard
        self.shard_states = leases.shard_states
        self.record_fetches_fenced = leases.record_fetches_fenced
        self.fetch_state_of = leases.fetch_state_of
        self.put_shared = leases.put_shared
        self.put_shared_once = leases.put_shared_once
        self.get_shared = leases.get_shared
        self.shared_checksum = leases.shared_checksum
        self.digest_periods_sent = outbox.digest_periods_sent

        # The archive's readers: visits, seen state, remembered views (monitor/web/views.py).
        self.visit = readers.visit
        self.current_visit = readers.current_visit
        self.preferences = readers.preferences
        self.remember = readers.remember
        self.mark_seen = readers.mark_seen
        self.mark_query_seen = readers.mark_query_seen
        self.seen_among = readers.seen_among
        self.last_digest_at = readers.last_digest_at
        self.view_counts = readers.view_counts

        # Teams, people and their roles (issue 17; monitor/teams/).
        self.team = teams.team
        self.teams = teams.teams
        self.ensure_team = teams.ensure_team
        self.put_person = teams.put_person
        self.set_member = teams.set_member
        self.remove_member = teams.remove_member
        self.members = teams.members
        self.memberships = teams.memberships
        self.password_hash = teams.password_hash
        self.team_summary = teams.team_summary
        self.subscriptions = teams.subscriptions
        # ... and as the web archive and `--team` read and change them (monitor/web/teams.py, admin.py).
        self.team_by_slug = people.team_by_slug
        self.list_teams = people.list_teams
        self.team_members = people.team_members
        self.team_sources = people.team_sources
        self.person_hash = people.person_hash
        self.person_exists = people.person_exists
        self.has_people = people.has_people
        self.start_session = web_sessions.start_session
        self.session_person = web_sessions.session_person
        self.end_session = web_sessions.end_session
        self.add_member = people.add_member
        self.add_team = people.add_team
        # A team's own model's tags (`monitor train --team`; store/team_view.py).
        self.put_team_tags = team_tags.put_team_tags
        self.team_categories = team_tags.team_categories
        self.team_item_ids_since = team_tags.team_item_ids_since

    @classmethod
    def open(cls, url: str) -> Store:
        engine = make_engine(url)
        migrate(engine)
        return cls(engine)

    def for_writing(self) -> None:
        """This process mostly writes (`monitor run`): no memory map of an SQLite file (database.unmapped)."""
        unmapped(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def stored(self, new_items: int) -> None:
        """Told how many items a run or a job has just stored: after `STATISTICS_AFTER` or more,
        the planner's statistics are refreshed (`refresh_statistics`)."""
        if new_items >= STATISTICS_AFTER:
            self.refresh_statistics()

    def refresh_statistics(self) -> None:
        """PostgreSQL's planner statistics of the archive's tables, now. While a worker stored
        20,000 items beside an archive of 100,000, two of the archive's statements, planned on
        statistics that knew none of the new rows, took 2 to 12 s
        (benchmarks/bench_web_under_crawl.py; with this after each large job the slowest
        request took 0.4 s). Autovacuum gets there too, a minute or more later. SQLite plans
        without such statistics: nothing to do there."""
        if self.dialect != "postgresql":
            return
        with self.engine.begin() as conn:
            conn.execute(text("ANALYZE items, item_tags, item_platforms"))

    @property
    def shared_web_secret(self) -> Callable[[str], str] | None:
        """On PostgreSQL (several machines), the web session key every web process shares: the
        first one to ask stores its fresh key, the others get that one. None on SQLite (one
        machine), where the key stays a file in the data directory."""
        if self.dialect != "postgresql":
            return None
        return lambda fresh: self.put_shared_once("web-secret", fresh.encode()).decode()

    def close(self) -> None:
        self.engine.dispose()


__all__ = ["Store", "ItemQuery", "NewDelivery", "FetchOutcome", "FetchState", "DatabaseError", "PageVersion",
           "Report", "TrendRow", "item_json", "ShardState", "Visit", "Preferences", "Member"]
