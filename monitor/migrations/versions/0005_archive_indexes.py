"""Indexes for the archive's pages at 100,000+ items (benchmarks/bench_web.py).

- ix_items_browse (sort_date, id, cluster_id, source_id, lang): the newest-first walk
  reads ids, clusters, sources and languages from the index alone, so a page of
  stories, a deep page or a count never touches the wide rows (summary, HTML).
- ix_items_cluster_sort (cluster_id, sort_date, id): a story's reports newest first, and
  "is there a newer report of this story?" for the archive's last pages.
- ix_items_source_sort (source_id, sort_date, id, cluster_id) and ix_items_lang_sort
  (lang, sort_date, id, cluster_id): one source's or one language's items newest first,
  and their counts of items and stories, from the index alone.

Plain B-tree indexes, the same on SQLite and PostgreSQL.

Revision ID: 0005
Revises: 0004
"""
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_items_browse": ["sort_date", "id", "cluster_id", "source_id", "lang"],
    "ix_items_cluster_sort": ["cluster_id", "sort_date", "id"],
    "ix_items_source_sort": ["source_id", "sort_date", "id", "cluster_id"],
    "ix_items_lang_sort": ["lang", "sort_date", "id", "cluster_id"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "items", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="items")
