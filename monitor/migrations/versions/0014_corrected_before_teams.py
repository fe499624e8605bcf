"""Items corrected before teams existed (issue 17's migration 0010 left them so): versions before
0010 wrote a person's tags into `item_tags` and marked the item `tags_origin = 'correction'`. 0010
moved the corrections to the default team, but `item_tags`, which every other team reads as the
model's tags, kept the person's. A partial index finds those items at once; the next `monitor run`
or worker tags them again with the model (`monitor.tag.retag.restore_model_tags`), and the index is
empty ever after.

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

WHERE = sa.text("tags_origin = 'correction'")


def upgrade() -> None:
    op.create_index("ix_items_corrected_before_teams", "items", ["id"], sqlite_where=WHERE, postgresql_where=WHERE)


def downgrade() -> None:
    op.drop_index("ix_items_corrected_before_teams", table_name="items")
