"""Story tokens kept beside the items (issue 16): `story_tokens` holds, per recent item, the
tokens the story step read from its title and summary (monitor/stories/stored.py), so that a
worker, a `monitor run` or a restarted daemon builds its story index of the last four days from
them instead of tokenising 100,000 texts again (~10 s a process). Rows older than the story
window are deleted as items are stored; a missing or outdated row is read from the text.

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "story_tokens",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("fetched", sa.DateTime(), nullable=False),
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("tokens", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("item_id"),
    )
    op.create_index("ix_story_tokens_fetched", "story_tokens", ["fetched"])


def downgrade() -> None:
    op.drop_index("ix_story_tokens_fetched", table_name="story_tokens")
    op.drop_table("story_tokens")
