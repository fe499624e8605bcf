"""Locks that hold across processes and machines, for steps that must run one at a time.

PostgreSQL: advisory locks, keyed by a name (`hashtext`), released with the transaction
(or the session, for the migration lock). SQLite: one writer at a time is the file's own
rule, so taking its write lock at the start of the transaction is the same guarantee; a
write that changes nothing takes it (`alembic_version` exists in every migrated database).
"""

from __future__ import annotations

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session


def transaction_lock(s: Session | Connection, name: str) -> None:
    """Wait for `name`, held until the current transaction ends."""
    if _dialect(s) == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": name})
    else:
        s.execute(text("UPDATE alembic_version SET version_num = version_num WHERE 0 = 1"))


def try_transaction_lock(s: Session, name: str) -> bool:
    """Take `name` for the current transaction if nobody holds it; False at once otherwise
    (PostgreSQL only; on SQLite the caller is alone and gets it)."""
    if _dialect(s) != "postgresql":
        return True
    return bool(s.scalar(text("SELECT pg_try_advisory_xact_lock(hashtext(:name))"), {"name": name}))


def _dialect(s: Session | Connection) -> str:
    return s.get_bind().dialect.name if isinstance(s, Session) else s.dialect.name
