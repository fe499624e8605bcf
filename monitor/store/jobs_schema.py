"""The job engine's own tables (procrastinate's schema), installed once per database.

Installed under the same advisory lock as our migrations, so four workers starting on a
new database at once install it once; a database that has it is left alone.
"""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from monitor.store.locks import transaction_lock


def ensure_job_schema(engine: Engine, schema_sql: str) -> bool:
    """Install `schema_sql` unless procrastinate's tables exist; True when it was installed now."""
    with engine.begin() as conn:
        transaction_lock(conn, "lagebild:migrate")
        if conn.scalar(text("SELECT to_regclass('procrastinate_jobs')")) is not None:
            return False
        driver = conn.connection.driver_connection
        assert driver is not None
        driver.execute(schema_sql)   # psycopg: several statements in one, no parameters

        return True


def conninfo(url: str) -> str:
    """libpq's form of a SQLAlchemy URL (`postgresql+psycopg://…` -> `postgresql://…`), for the engine."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"workers need PostgreSQL; {parsed.get_backend_name()} is for one machine (`monitor daemon`)")
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)
