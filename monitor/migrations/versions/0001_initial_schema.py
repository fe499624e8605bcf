"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-21 22:43:15.064675
"""
import sqlalchemy as sa
from alembic import op

import monitor.store.schema

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('digests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('created', monitor.store.schema.UTCDateTime(), nullable=False),
    sa.Column('sent_at', monitor.store.schema.UTCDateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('next_attempt', monitor.store.schema.UTCDateTime(), nullable=True),
    sa.Column('item_count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('digests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_digests_target'), ['target'], unique=False)

    op.create_table('sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('etag', sa.Text(), nullable=True),
    sa.Column('last_modified', sa.Text(), nullable=True),
    sa.Column('last_fetch', monitor.store.schema.UTCDateTime(), nullable=True),
    sa.Column('last_success', monitor.store.schema.UTCDateTime(), nullable=True),
    sa.Column('last_new_item', monitor.store.schema.UTCDateTime(), nullable=True),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('error_since', monitor.store.schema.UTCDateTime(), nullable=True),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.Column('next_attempt', monitor.store.schema.UTCDateTime(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('guid', sa.Text(), nullable=True),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('canonical_url', sa.Text(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('content_html', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('published', monitor.store.schema.UTCDateTime(), nullable=True),
    sa.Column('fetched', monitor.store.schema.UTCDateTime(), nullable=False),
    sa.Column('sort_date', monitor.store.schema.UTCDateTime(), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=True),
    sa.Column('platforms', sa.JSON(), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('tags_origin', sa.String(length=20), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=True),
    sa.Column('title_key', sa.String(length=200), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source_id', 'fingerprint', name='uq_items_source_fingerprint')
    )
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.create_index('ix_items_canonical', ['canonical_url'], unique=False)
        batch_op.create_index('ix_items_cluster', ['cluster_id'], unique=False)
        batch_op.create_index('ix_items_fetched', ['fetched'], unique=False)
        batch_op.create_index('ix_items_sort', ['sort_date'], unique=False)
        batch_op.create_index('ix_items_title_key', ['title_key'], unique=False)

    op.create_table('page_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('fetched', monitor.store.schema.UTCDateTime(), nullable=False),
    sa.Column('text_hash', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('page_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_page_versions_source_id'), ['source_id'], unique=False)

    op.create_table('corrections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('user', sa.String(length=200), nullable=False),
    sa.Column('created', monitor.store.schema.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('corrections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_corrections_item_id'), ['item_id'], unique=False)

    op.create_table('deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=200), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('next_attempt', monitor.store.schema.UTCDateTime(), nullable=True),
    sa.Column('created', monitor.store.schema.UTCDateTime(), nullable=False),
    sa.Column('sent_at', monitor.store.schema.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('target', 'item_id', name='uq_deliveries_target_item')
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_deliveries_state', ['state', 'target'], unique=False)

    op.create_table('digest_items',
    sa.Column('digest_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['digest_id'], ['digests.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('digest_id', 'item_id')
    )
    with op.batch_alter_table('digest_items', schema=None) as batch_op:
        batch_op.create_index('ix_digest_items_item', ['item_id'], unique=False)

    op.create_table('item_platforms',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'platform')
    )
    with op.batch_alter_table('item_platforms', schema=None) as batch_op:
        batch_op.create_index('ix_item_platforms_platform', ['platform', 'item_id'], unique=False)

    op.create_table('item_tags',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=40), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'tag')
    )
    with op.batch_alter_table('item_tags', schema=None) as batch_op:
        batch_op.create_index('ix_item_tags_tag', ['tag', 'item_id'], unique=False)
    _create_search_index()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS items_fts")
    with op.batch_alter_table('item_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_item_tags_tag')

    op.drop_table('item_tags')
    with op.batch_alter_table('item_platforms', schema=None) as batch_op:
        batch_op.drop_index('ix_item_platforms_platform')

    op.drop_table('item_platforms')
    with op.batch_alter_table('digest_items', schema=None) as batch_op:
        batch_op.drop_index('ix_digest_items_item')

    op.drop_table('digest_items')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_state')

    op.drop_table('deliveries')
    with op.batch_alter_table('corrections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_corrections_item_id'))

    op.drop_table('corrections')
    with op.batch_alter_table('page_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_page_versions_source_id'))

    op.drop_table('page_versions')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index('ix_items_title_key')
        batch_op.drop_index('ix_items_sort')
        batch_op.drop_index('ix_items_fetched')
        batch_op.drop_index('ix_items_cluster')
        batch_op.drop_index('ix_items_canonical')

    op.drop_table('items')
    op.drop_table('sources')
    with op.batch_alter_table('digests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_digests_target'))

    op.drop_table('digests')


def _create_search_index() -> None:
    """SQLite: an FTS5 trigram index over items.search_text, kept in step by triggers.

    Trigrams match inside words, so 'Reichweite' finds 'Reichweitenverlust' (German
    compounds) without a decompounding dictionary. PostgreSQL gets its own index in
    a later migration.
    """
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("CREATE VIRTUAL TABLE items_fts USING fts5(search_text, content='items', "
               "content_rowid='id', tokenize='trigram')")
    op.execute("CREATE TRIGGER items_fts_ai AFTER INSERT ON items BEGIN "
               "INSERT INTO items_fts(rowid, search_text) VALUES (new.id, new.search_text); END")
    op.execute("CREATE TRIGGER items_fts_ad AFTER DELETE ON items BEGIN "
               "INSERT INTO items_fts(items_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END")
    op.execute("CREATE TRIGGER items_fts_au AFTER UPDATE OF search_text ON items BEGIN "
               "INSERT INTO items_fts(items_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
               "INSERT INTO items_fts(rowid, search_text) VALUES (new.id, new.search_text); END")
