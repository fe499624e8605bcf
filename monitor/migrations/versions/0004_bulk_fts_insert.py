"""SQLite: index new items in the full-text index per batch, not per row.

The per-row insert trigger cost three times what one INSERT ... SELECT per batch costs
on a first run with tens of thousands of items; the store now fills items_fts itself
(monitor.store.items.ItemStore._index_for_search). Update and delete triggers stay.

Revision ID: 0004
Revises: 0003
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS items_fts_ai")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE TRIGGER items_fts_ai AFTER INSERT ON items BEGIN "
                   "INSERT INTO items_fts(rowid, search_text) VALUES (new.id, new.search_text); END")
