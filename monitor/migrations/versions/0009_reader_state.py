"""What each reader of the archive has seen, their visits and their chosen view.

- readers: one row per person (signed-in name, or `browser:<id>` when login is off)
  with the current visit's start and last activity, the previous visit's last activity
  (the "new since my last visit" boundary) and the remembered view and "tagged only".
- reader_seen: (reader, item) pairs of items opened or marked as seen. The primary key
  (reader, item_id) answers "which of this page's items has this person seen?" by probes.

Plain tables and a B-tree primary key, the same on SQLite and PostgreSQL.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

import monitor.store.schema

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "readers",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("visit_started", monitor.store.schema.UTCDateTime(), nullable=False),
        sa.Column("last_active", monitor.store.schema.UTCDateTime(), nullable=False),
        sa.Column("previous_visit", monitor.store.schema.UTCDateTime(), nullable=True),
        sa.Column("view", sa.String(length=20), nullable=True),
        sa.Column("tagged_only", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "reader_seen",
        sa.Column("reader", sa.String(length=200), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", monitor.store.schema.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["reader"], ["readers.name"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("reader", "item_id"),
    )


def downgrade() -> None:
    op.drop_table("reader_seen")
    op.drop_table("readers")
