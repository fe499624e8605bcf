"""Shard leases and shared state for workers on several machines (issue 16).

- shard_leases: who crawls a shard (a set of whole hosts) right now and until when;
  `done_window` is the last fetch window the shard finished, so a duplicated job for the
  same window fetches nothing; `epoch` grows with every new holder (a fencing token:
  source state is written back only by the holder of the current epoch).
- shared_state: what every machine must see alike, by key: the applied configuration,
  the web session secret, a retrained model (bytes and checksum).

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

from monitor.store.schema import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shard_leases",
        sa.Column("shard", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("holder", sa.String(64), nullable=True),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("epoch", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("done_window", sa.String(40), nullable=True),
    )
    op.create_table(
        "shared_state",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.Column("checksum", sa.String(64), nullable=False),
        sa.Column("updated", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("shared_state")
    op.drop_table("shard_leases")
