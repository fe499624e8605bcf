"""The tables. Portable SQL for SQLite and PostgreSQL; Alembic migrations create them.

Dates are stored as naive UTC and come back as aware UTC (`UTCDateTime`), so the rest
of the code never meets a naive datetime whatever the database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


class Base(DeclarativeBase):
    pass


DEFAULT_TEAM_ID = 1
DEFAULT_SLUG = "default"     # its short name
"""The team `default` (a plain feeds.yaml's team): migration 0010 creates it as the first row of
`teams`, so it is id 1 on both databases. Rows written before teams existed belong to it, and
code that does not name a team yet writes for it."""


def table_of(row: type[Base]) -> Table:
    """The Core table behind a row class, for the bulk statements that skip the ORM."""
    return cast(Table, row.__table__)


class SourceRow(Base):
    """A fetched thing (one row per fetch_key, whoever subscribes to it) and its fetch state and
    health. Its name, category and language are the first subscriber's; each team's own are in
    `subscriptions` (migration 0010)."""
    __tablename__ = "sources"
    __table_args__ = (Index("uq_sources_fetch_key", "fetch_key", unique=True),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    fetch_key: Mapped[str] = mapped_column(String(80))    # monitor.teams.identity.fetch_key
    url: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40))
    category: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(8))
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    last_fetch: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_new_item: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    error_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ItemRow(Base):
    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("source_id", "fingerprint", name="uq_items_source_fingerprint"),
        Index("ix_items_fetched", "fetched"),
        Index("ix_items_sort", "sort_date"),
        Index("ix_items_canonical", "canonical_url"),
        Index("ix_items_cluster", "cluster_id"),
        Index("ix_items_title_key", "title_key"),
        Index("ix_items_fingerprint", "fingerprint"),
        # Items whose item_tags hold a person's tags (versions before teams wrote corrections there):
        # `restore_model_tags` finds them at once, and the index is empty ever after.
        Index("ix_items_corrected_before_teams", "id", sqlite_where=text("tags_origin = 'correction'"),
              postgresql_where=text("tags_origin = 'correction'")),
        # Migration 0005: narrow covering indexes for the archive's newest-first pages.
        Index("ix_items_browse", "sort_date", "id", "cluster_id", "source_id", "lang"),
        Index("ix_items_cluster_sort", "cluster_id", "sort_date", "id"),
        Index("ix_items_source_sort", "source_id", "sort_date", "id", "cluster_id"),
        Index("ix_items_lang_sort", "lang", "sort_date", "id", "cluster_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    fingerprint: Mapped[str] = mapped_column(String(64))
    guid: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str] = mapped_column(Text)
    canonical_url: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="")
    content_html: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20), default="entry")
    published: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fetched: Mapped[datetime] = mapped_column(UTCDateTime)
    sort_date: Mapped[datetime] = mapped_column(UTCDateTime)   # published, else fetched, never in the future
    lang: Mapped[str | None] = mapped_column(String(8))
    platforms: Mapped[list] = mapped_column(JSON, default=list)
    scores: Mapped[dict] = mapped_column(JSON, default=dict)
    categories: Mapped[list | None] = mapped_column(JSON, nullable=True)   # the feed's own (migration 0006)
    tags_origin: Mapped[str] = mapped_column(String(20), default="model")   # model | correction
    cluster_id: Mapped[int | None] = mapped_column(Integer)
    title_key: Mapped[str] = mapped_column(String(200), default="")
    search_text: Mapped[str] = mapped_column(Text, default="")


class ItemTagRow(Base):
    """The effective tags of an item (the model's, or a person's correction)."""
    __tablename__ = "item_tags"
    __table_args__ = (Index("ix_item_tags_tag", "tag", "item_id"),)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)
    score: Mapped[float | None] = mapped_column(Float)


class ItemPlatformRow(Base):
    __tablename__ = "item_platforms"
    __table_args__ = (Index("ix_item_platforms_platform", "platform", "item_id"),)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    platform: Mapped[str] = mapped_column(String(40), primary_key=True)


class StoryTokensRow(Base):
    """An item's story tokens as the story step read them (monitor/stories/stored.py), kept for the
    story window only: every process that clusters reads the recent ones from here instead of
    tokenising their text again (migration 0012). A cache: a missing or outdated row is read from
    the item's text."""
    __tablename__ = "story_tokens"
    __table_args__ = (Index("ix_story_tokens_fetched", "fetched"),)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    fetched: Mapped[datetime] = mapped_column(UTCDateTime)     # the item's: the row goes when the window has passed
    version: Mapped[str] = mapped_column(String(16))           # stored.version() of the writer
    tokens: Mapped[bytes] = mapped_column(LargeBinary)


class CorrectionRow(Base):
    """A person's verdict on an item's tags: overrides the model and becomes training data."""
    __tablename__ = "corrections"
    __table_args__ = (Index("ix_corrections_team_item", "team_id", "item_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), default=DEFAULT_TEAM_ID)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    tags: Mapped[list] = mapped_column(JSON)
    user: Mapped[str] = mapped_column(String(200))
    created: Mapped[datetime] = mapped_column(UTCDateTime)


class PageVersionRow(Base):
    """Every distinct text version of a watched page."""
    __tablename__ = "page_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    fetched: Mapped[datetime] = mapped_column(UTCDateTime)
    text_hash: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    item_id: Mapped[int | None] = mapped_column(Integer)


class DeliveryRow(Base):
    """Outbox: one alert of one item to one target. Sent only once the target accepted it."""
    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("team_id", "target", "item_id", name="uq_deliveries_team_target_item"),
                      Index("ix_deliveries_state", "state", "target"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), default=DEFAULT_TEAM_ID)
    target: Mapped[str] = mapped_column(String(200))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20), default="pending")     # pending | sent
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Migration 0007: who is sending it and until when (see outbox.py); NULL when nobody is.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DigestRow(Base):
    """One digest for one target; its items are in digest_items. A scheduled digest names its
    period (the local day it is for): one per team, target and period, whoever tries (migrations
    0007, 0010). On SQLite team_id has no foreign key (see migration 0010)."""
    __tablename__ = "digests"
    __table_args__ = (Index("uq_digests_team_target_period", "team_id", "target", "period", unique=True),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), default=DEFAULT_TEAM_ID)
    target: Mapped[str] = mapped_column(String(200), index=True)
    state: Mapped[str] = mapped_column(String(20), default="pending")     # pending | sent
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    period: Mapped[str | None] = mapped_column(String(40))


class DigestItemRow(Base):
    __tablename__ = "digest_items"
    __table_args__ = (Index("ix_digest_items_item", "item_id"),)
    digest_id: Mapped[int] = mapped_column(ForeignKey("digests.id", ondelete="CASCADE"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)


class ShardLeaseRow(Base):
    """Who crawls a shard of whole hosts now (migration 0008; see monitor/store/leases.py)."""
    __tablename__ = "shard_leases"
    shard: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    holder: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    done_window: Mapped[str | None] = mapped_column(String(40))


class SharedStateRow(Base):
    """What every machine must see alike: applied config, web secret, retrained model."""
    __tablename__ = "shared_state"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary)
    checksum: Mapped[str] = mapped_column(String(64))
    updated: Mapped[datetime] = mapped_column(UTCDateTime)


class ReaderRow(Base):
    """A person reading the archive (a signed-in name, or one browser when login is off): their
    visits, which decide what is "new since my last visit", and the view they chose last."""
    __tablename__ = "readers"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    visit_started: Mapped[datetime] = mapped_column(UTCDateTime)
    last_active: Mapped[datetime] = mapped_column(UTCDateTime)
    previous_visit: Mapped[datetime | None] = mapped_column(UTCDateTime)   # last activity of the visit before
    view: Mapped[str | None] = mapped_column(String(20))
    tagged_only: Mapped[bool] = mapped_column(Boolean, default=False)


class SeenRow(Base):
    """An item a reader opened or marked as seen."""
    __tablename__ = "reader_seen"
    reader: Mapped[str] = mapped_column(ForeignKey("readers.name", ondelete="CASCADE"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


# --------------------------------------------------------------------------- teams (migration 0010)

class TeamRow(Base):
    """A team: its own subscriptions, people, alerts, digests and corrections."""
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str | None] = mapped_column(String(60))
    created: Mapped[datetime] = mapped_column(UTCDateTime)


class PersonRow(Base):
    """Someone who signs in (argon2 hash); what they may do is per team, in team_members."""
    __tablename__ = "people"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    password_hash: Mapped[str | None] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(UTCDateTime)


class WebSessionRow(Base):
    """A signed-in browser. The session cookie carries a random token, this row its SHA-256: signing
    out deletes the row, a new password deletes the person's rows, and a copied cookie stops working
    at once (a signed cookie alone stays valid until it expires)."""
    __tablename__ = "web_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person: Mapped[str] = mapped_column(String(200), index=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime)


ROLES = ("admin", "editor", "viewer")


class TeamMemberRow(Base):
    """A person's role in one team: viewer reads; editor also corrects and marks; admin also
    manages people, teams and subscriptions."""
    __tablename__ = "team_members"
    __table_args__ = (CheckConstraint("role IN ('admin', 'editor', 'viewer')", name="ck_team_members_role"),
                      Index("ix_team_members_person", "person"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    person: Mapped[str] = mapped_column(ForeignKey("people.name", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))


class SubscriptionRow(Base):
    """A team's view of a source: its own name, category, platforms, language and interval
    (None: the team's fetch interval). Only active subscriptions make a source visible."""
    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("team_id", "name", name="uq_subscriptions_team_name"),
                      Index("ix_subscriptions_source", "source_id", "active"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(20))
    platforms: Mapped[list] = mapped_column(JSON, default=list)
    language: Mapped[str | None] = mapped_column(String(8))
    interval_seconds: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class TeamTagRow(Base):
    """The tags a team's own model (`monitor train --team`) gave an item (migration 0011): what that
    team sees instead of `item_tags`; the team's corrections still come first, other teams are
    unaffected. Written when the team trains (its recent items) and when new items are stored."""
    __tablename__ = "team_tags"
    __table_args__ = (Index("ix_team_tags_item", "item_id"),)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    tags: Mapped[list] = mapped_column(JSON, default=list)
