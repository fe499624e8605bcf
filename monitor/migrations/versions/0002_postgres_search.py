"""PostgreSQL full-text search: german + english tsvector and a trigram index.

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """A stored tsvector over the (umlaut-folded) search text in both configurations, with a GIN
    index, for stemmed word search and ranking; and a trigram index so a part of a compound
    ('verlust' in 'Reichweitenverlust') is found too, as SQLite's trigram index does."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("ALTER TABLE items ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
               "(to_tsvector('german', search_text) || to_tsvector('english', search_text)) STORED")
    op.execute("CREATE INDEX ix_items_search_vector ON items USING gin (search_vector)")
    op.execute("CREATE INDEX ix_items_search_trgm ON items USING gin (search_text gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_items_search_trgm")
    op.execute("DROP INDEX IF EXISTS ix_items_search_vector")
    op.execute("ALTER TABLE items DROP COLUMN IF EXISTS search_vector")
