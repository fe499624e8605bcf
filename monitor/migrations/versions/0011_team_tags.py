"""A team's own model drives that team's tags (issue 17): `team_tags` holds, per team and item,
the tags the team's model (`monitor train --team SLUG`) gave the item. Reads for that team
prefer them over `item_tags` (the installation's model), and the team's corrections come
before both. A plain table with a composite primary key, the same on SQLite and PostgreSQL;
the index on item_id keeps deleting items (ON DELETE CASCADE) cheap.

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "team_tags",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("team_id", "item_id"),
    )
    op.create_index("ix_team_tags_item", "team_tags", ["item_id"])


def downgrade() -> None:
    op.drop_index("ix_team_tags_item", table_name="team_tags")
    op.drop_table("team_tags")
