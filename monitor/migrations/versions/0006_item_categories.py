"""An item's own categories or keywords, as its feed gives them (RSS <category>, Atom
category, JSON Feed tags): kept so the archive and `monitor train` see what informed
the tags in production (monitor.tag.hints). Nullable: items stored before have none.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("categories", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_column("categories")
