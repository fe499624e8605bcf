"""Alembic environment: run with the connection the store hands over (see monitor.store.migrate).

Migrations run under a PostgreSQL advisory lock: when several processes open a new
database at once (workers starting together), one migrates and the others wait, then
find the schema current and do nothing. On a SQLite file, `monitor.store.database.migrate`
holds a file lock around the same steps.
"""

from alembic import context

from monitor.store.locks import transaction_lock
from monitor.store.schema import Base

MIGRATION_LOCK = "lagebild:migrate"

target_metadata = Base.metadata
connection = context.config.attributes.get("connection")
if connection is None:  # `alembic` command line: build an engine from the ini's URL
    from sqlalchemy import create_engine

    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise SystemExit("alembic: no sqlalchemy.url in the ini file")
    connection = create_engine(url).connect()

context.configure(connection=connection, target_metadata=target_metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    if connection.dialect.name == "postgresql":     # before alembic reads the current revision
        transaction_lock(connection, MIGRATION_LOCK)
    context.run_migrations()
