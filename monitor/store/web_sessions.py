"""Signed-in browsers on the server side (`web_sessions`, migration 0013).

The web's session cookie is signed, so nobody can forge one; but a signed cookie alone
cannot be taken back: a copy of it stayed valid for its fourteen days after its owner
signed out or changed their password. The cookie now also carries a random token, and
a session lives while this table holds the token's SHA-256 (a copied database holds no
usable cookie). One primary-key read per request.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.clock import utcnow
from monitor.store.schema import WebSessionRow


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class WebSessionStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def start_session(self, person: str, max_age: timedelta, now: datetime | None = None) -> str:
        """A new session of `person`: the token for their cookie. Sessions older than `max_age` go."""
        now = now or utcnow()
        token = secrets.token_urlsafe(32)
        with self.sessions() as s, s.begin():
            s.execute(delete(WebSessionRow).where(WebSessionRow.created < now - max_age))
            s.add(WebSessionRow(id=_key(token), person=person, created=now))
        return token

    def session_person(self, token: str | None, max_age: timedelta, now: datetime | None = None) -> str | None:
        """Whose live session `token` is, or None (signed out, ended by a new password, expired)."""
        if not token:
            return None
        with self.sessions() as s:
            row = s.scalar(select(WebSessionRow).where(WebSessionRow.id == _key(token)))
        if row is None or row.created < (now or utcnow()) - max_age:
            return None
        return row.person

    def end_session(self, token: str | None) -> None:
        if token:
            with self.sessions() as s, s.begin():
                s.execute(delete(WebSessionRow).where(WebSessionRow.id == _key(token)))


def end_sessions_of(s: Session, person: str) -> None:
    """Within the caller's transaction: every session of `person` ends (their password changed)."""
    s.execute(delete(WebSessionRow).where(WebSessionRow.person == person))
