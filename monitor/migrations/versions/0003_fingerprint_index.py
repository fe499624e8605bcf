"""Index items by fingerprint alone, for the bulk 'already stored?' lookup of a run.

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_items_fingerprint", "items", ["fingerprint"])


def downgrade() -> None:
    op.drop_index("ix_items_fingerprint", table_name="items")
