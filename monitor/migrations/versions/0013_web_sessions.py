"""Signed-in browsers (`web_sessions`): the session cookie carries a random token and this table its
SHA-256, so that signing out, or a new password, ends a session on the server too. A signed cookie
alone stayed valid for its fourteen days however often its owner signed out. Sessions from before
this migration have no row: people sign in once more.

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

import monitor.store.schema

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("person", sa.String(length=200), nullable=False),
        sa.Column("created", monitor.store.schema.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_web_sessions_person", "web_sessions", ["person"])


def downgrade() -> None:
    op.drop_index("ix_web_sessions_person", table_name="web_sessions")
    op.drop_table("web_sessions")
