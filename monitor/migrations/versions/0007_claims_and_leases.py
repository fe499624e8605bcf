"""Claims and leases for several processes over one database (issue 16).

- deliveries.claimed_by / lease_until: an alert is claimed (FOR UPDATE SKIP LOCKED on
  PostgreSQL) before it is sent, so two senders never send the same alert; a sender
  that died leaves a lease that runs out, and the alert is sent by the next one.
- digests.claimed_by / lease_until / period: a digest in flight is leased the same way,
  and a scheduled digest carries its period (the local day it is for); the unique
  index on (target, period) makes a second digest for the same day impossible, whoever
  tries. Manual digests have no period (NULLs never collide).

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

from monitor.store.schema import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("deliveries", "digests"):
        op.add_column(table, sa.Column("claimed_by", sa.String(64), nullable=True))
        op.add_column(table, sa.Column("lease_until", UTCDateTime(), nullable=True))
    op.add_column("digests", sa.Column("period", sa.String(40), nullable=True))
    op.create_index("uq_digests_target_period", "digests", ["target", "period"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_digests_target_period", table_name="digests")
    op.drop_column("digests", "period")
    for table in ("deliveries", "digests"):
        op.drop_column(table, "lease_until")
        op.drop_column(table, "claimed_by")
