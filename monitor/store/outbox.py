"""The outbox: alerts and digests waiting for, or failing at, their targets.

A message is marked sent only after its target accepted it. A failing target keeps
its messages, with the error, and they are tried again (with growing waits) on the
next runs, so nothing is lost and nothing that went out is sent again. The caller
caps the wait (a little under one cycle) and may ask for a longer one than the
backoff gives (a Retry-After that did not fit into the run), within that cap.

Several processes may send from one database (`monitor worker` on several machines,
or two `monitor run` at once), so a message is *claimed* before it is sent: the rows
are leased to this store's token (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so a second
sender skips them instead of waiting), and only the lease holder marks them sent or
failed. A sender that dies leaves a lease that runs out (`LEASE`), after which the next
sender takes the message. Leases are reckoned on the real clock, not on the `now` a
caller passes, so simulated time in tests never frees a lease early.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from monitor.clock import utcnow
from monitor.item import Item
from monitor.store import team_view
from monitor.store.locks import transaction_lock
from monitor.store.rows import items_by_ids
from monitor.store.schema import DeliveryRow, DigestItemRow, DigestRow, ItemRow

RETRY_BASE = timedelta(minutes=5)
RETRY_MAX = timedelta(hours=6)
LEASE = timedelta(minutes=10)     # longer than any send (20 s timeout, ~30 s of retries per message)


def retry_wait(attempts: int, cap: timedelta = RETRY_MAX, asked: timedelta | None = None) -> timedelta:
    """5, 10, 20 … minutes after the attempts so far, at least `asked`, never more than `cap`."""
    backoff = RETRY_BASE * (2 ** max(attempts - 1, 0))
    return min(max(backoff, asked or timedelta(0)), cap, RETRY_MAX)


class OutboxStore:
    def __init__(self, sessions: sessionmaker[Session], token: str | None = None) -> None:
        self.sessions = sessions
        # Whose claims these are: one per store, i.e. per process; host and pid let a process on the
        # same machine see that a holder died (killed mid-send) and take its messages at once.
        self.token = token or f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"

    def _release_dead(self, s: Session, row: type[DeliveryRow] | type[DigestRow]) -> None:
        """Free the claims of holders on this machine whose process is gone: the next run after a
        crash sends at once instead of waiting out the lease (holders elsewhere: the lease decides)."""
        holders = s.scalars(select(row.claimed_by).distinct().where(
            row.claimed_by.is_not(None), row.claimed_by != self.token, row.lease_until >= utcnow())).all()
        dead = [h for h in holders if h is not None and _dead_here(h)]
        if dead:
            s.execute(update(row).where(row.claimed_by.in_(dead)).values(claimed_by=None, lease_until=None))

    def _free_or_mine(self, row: type[DeliveryRow] | type[DigestRow]) -> ColumnElement[bool]:
        """Rows nobody holds, whose lease ran out, or that this store holds already (a second
        look in the same process sees what the first one claimed)."""
        return or_(row.claimed_by.is_(None), row.lease_until < utcnow(), row.claimed_by == self.token)

    # ------------------------------------------------------------------ alerts
    def due_alerts(self, now: datetime | None = None, force: bool = False,
                   team_id: int | None = None) -> dict[str, list[tuple[int, Item, str]]]:
        """Pending alerts whose retry time has come, by target: (delivery id, item, reason).

        With `team_id`, only that team's alerts (its targets are its own names), and only items
        the team sees: an alert for any other item is never handed out. None: the default team's
        alone (a caller that knows no team sends with feeds.yaml's targets; another team's
        "chat" is not feeds.yaml's "chat").

        Each returned alert is claimed for this store (see the module's docstring): another
        process asking at the same time gets the others, never these."""
        now = now or utcnow()
        with self.sessions() as s, s.begin():
            self._release_dead(s, DeliveryRow)
            wanted = select(DeliveryRow.id).where(DeliveryRow.state == "pending", self._free_or_mine(DeliveryRow))
            if team_id is not None:
                wanted = wanted.where(DeliveryRow.team_id == team_id,
                                      DeliveryRow.item_id.in_(select(ItemRow.id).where(team_view.visible(team_id))))
            else:
                wanted = wanted.where(DeliveryRow.team_id == team_view.tag_team(s, None))
            if not force:
                wanted = wanted.where((DeliveryRow.next_attempt.is_(None)) | (DeliveryRow.next_attempt <= now))
            wanted = wanted.order_by(DeliveryRow.id).with_for_update(skip_locked=True)
            claimed = update(DeliveryRow).where(DeliveryRow.id.in_(wanted.scalar_subquery())).values(
                claimed_by=self.token, lease_until=utcnow() + LEASE).returning(
                DeliveryRow.id, DeliveryRow.target, DeliveryRow.item_id, DeliveryRow.reason)
            rows = sorted(s.execute(claimed).all())
            items = {it.id: it for it in items_by_ids(s, sorted({r.item_id for r in rows}), team_id)}
        due: dict[str, list[tuple[int, Item, str]]] = {}
        for did, target, iid, reason in rows:
            if iid in items:
                due.setdefault(target, []).append((did, items[iid], reason))
        return due

    def mark_alerts_sent(self, ids: list[int], now: datetime | None = None) -> None:
        """Sent, for the alerts this store holds (or nobody does): a sender whose lease was
        taken over writes nothing."""
        with self.sessions() as s, s.begin():
            s.execute(update(DeliveryRow).where(DeliveryRow.id.in_(ids), self._held(DeliveryRow)).values(
                state="sent", sent_at=now or utcnow(), last_error=None, attempts=DeliveryRow.attempts + 1,
                claimed_by=None, lease_until=None))

    def mark_alerts_failed(self, ids: list[int], error: str, now: datetime | None = None,
                           cap: timedelta = RETRY_MAX, asked: timedelta | None = None) -> None:
        now = now or utcnow()
        with self.sessions() as s, s.begin():
            for row in s.scalars(select(DeliveryRow).where(DeliveryRow.id.in_(ids), self._held(DeliveryRow))):
                row.attempts += 1
                row.last_error, row.next_attempt = error, now + retry_wait(row.attempts, cap, asked)
                row.claimed_by = row.lease_until = None

    def _held(self, row: type[DeliveryRow] | type[DigestRow]) -> ColumnElement[bool]:
        return or_(row.claimed_by.is_(None), row.claimed_by == self.token)

    def alerted_stories(self, target: str, clusters: Collection[int], team_id: int | None = None) -> set[int]:
        """The story clusters among `clusters` of which some report already reached `target` (of the team,
        with `team_id`) as an alert."""
        mine = [DeliveryRow.team_id == team_id] if team_id is not None else []
        wanted = sorted(set(clusters))
        found: set[int] = set()
        with self.sessions() as s:
            for start in range(0, len(wanted), 500):
                found.update(s.scalars(
                    select(ItemRow.cluster_id).join(DeliveryRow, DeliveryRow.item_id == ItemRow.id)
                    .where(DeliveryRow.target == target, DeliveryRow.state == "sent", *mine,
                           ItemRow.cluster_id.in_(wanted[start:start + 500])).distinct()))
        return {c for c in found if c is not None}

    # ------------------------------------------------------------------ digests
    def digest_candidates(self, target: str, since: datetime | None = None,
                          team_id: int | None = None) -> list[Item]:
        """Items not yet in a digest of the team that reached `target`, newest first. With `team_id`,
        only the team's items; None: every item, with the default team's bookkeeping (as before teams)."""
        with self.sessions() as s:
            team = team_view.tag_team(s, team_id)
            # The digested items as one set, not a correlated NOT EXISTS per item: SQLite, which keeps
            # no statistics, walked every digest for every item (20 s at two years and 150,000 items,
            # growing with the square of the archive's age; 0.1 s this way; PostgreSQL plans both alike).
            sent = (select(DigestItemRow.item_id).join(DigestRow, DigestRow.id == DigestItemRow.digest_id)
                    .where(DigestRow.target == target, DigestRow.state == "sent", DigestRow.team_id == team))
            stmt = select(ItemRow.id).where(ItemRow.id.not_in(sent))
            if team_id is not None:
                stmt = stmt.where(team_view.visible(team_id))
            if since is not None:
                stmt = stmt.where(ItemRow.fetched >= since)
            ids = list(s.scalars(stmt.order_by(ItemRow.sort_date.desc(), ItemRow.id.desc())))
            return items_by_ids(s, ids, team_id)

    def begin_digest(self, target: str, item_ids: list[int], now: datetime | None = None,
                     period: str | None = None, team_id: int | None = None) -> int | None:
        """Record the digest about to be sent, claimed for this store; unsent earlier attempts
        for the target are replaced.

        None when it must not be sent: another process is sending one to this target right
        now (its lease holds), or `period` (a scheduled digest's day) already has its digest
        for this target. The row is written before anything is sent, and the unique index
        on (team, target, period) is the last word when two processes get here at once. Each team
        keeps its own digests (`team_id`; None: the default team)."""
        now = now or utcnow()
        try:
            with self.sessions() as s, s.begin():
                team = team_view.tag_team(s, team_id)
                transaction_lock(s, f"digest:{team}:{target}")
                self._release_dead(s, DigestRow)
                mine = self._free_or_mine(DigestRow)
                ours = and_(DigestRow.target == target, DigestRow.team_id == team)
                busy = s.scalar(select(func.count()).select_from(DigestRow).where(
                    ours, DigestRow.state == "pending", ~mine))
                done = period is not None and s.scalar(select(func.count()).select_from(DigestRow).where(
                    ours, DigestRow.period == period, DigestRow.state == "sent"))
                if busy or done:
                    return None
                previous = s.execute(select(func.coalesce(func.sum(DigestRow.attempts), 0)).where(
                    ours, DigestRow.state != "sent")).scalar() or 0
                s.execute(delete(DigestRow).where(ours, DigestRow.state != "sent"))
                row = DigestRow(team_id=team, target=target, state="pending", created=now, attempts=previous,
                                item_count=len(item_ids), period=period, claimed_by=self.token,
                                lease_until=utcnow() + LEASE)
                s.add(row)
                s.flush()
                if item_ids:
                    s.execute(insert(DigestItemRow), [{"digest_id": row.id, "item_id": i} for i in item_ids])
                return row.id
        except IntegrityError:      # another process recorded this period's digest a moment earlier
            return None

    def finish_digest(self, digest_id: int, error: str | None, now: datetime | None = None,
                      cap: timedelta = RETRY_MAX, asked: timedelta | None = None,
                      delivered: Collection[int] = ()) -> None:
        """Sent, or failed with its error and next try; `delivered`: a digest in parts failed
        after the target took the parts naming these items, so they count as sent and the
        rest waits as a failed digest of its own."""
        now = now or utcnow()
        with self.sessions() as s, s.begin():
            row = s.get(DigestRow, digest_id)
            if row is None:
                raise KeyError(digest_id)
            row.attempts += 1
            row.claimed_by = row.lease_until = None
            if error is None:
                row.state, row.sent_at, row.last_error = "sent", now, None
                return
            next_attempt = now + retry_wait(row.attempts, cap, asked)
            if delivered:
                shown = set(delivered)
                rest = [i for i in s.scalars(select(DigestItemRow.item_id).where(DigestItemRow.digest_id == row.id))
                        if i not in shown]
                row.state, row.sent_at, row.last_error, row.item_count = "sent", now, None, len(delivered)
                s.execute(delete(DigestItemRow).where(DigestItemRow.digest_id == row.id,
                                                      DigestItemRow.item_id.in_(rest)))
                row = DigestRow(team_id=row.team_id, target=row.target, created=row.created, attempts=row.attempts,
                                item_count=len(rest))
                # the rest is a retry of its own, not the period's digest (which reached the target in part)
                s.add(row)
                s.flush()
                if rest:
                    s.execute(insert(DigestItemRow), [{"digest_id": row.id, "item_id": i} for i in rest])
            row.state, row.last_error, row.next_attempt = "failed", error, next_attempt

    def digest_periods_sent(self, period: str, now: datetime | None = None, team_id: int | None = None) -> set[str]:
        """Targets (of the team; None: the default team) that need no digest for `period` now: sent
        already, or a failed one waits out its backoff."""
        now = now or utcnow()
        with self.sessions() as s:
            team = team_view.tag_team(s, team_id)
            sent = s.scalars(select(DigestRow.target).where(DigestRow.period == period, DigestRow.state == "sent",
                                                            DigestRow.team_id == team))
            waiting = s.scalars(select(DigestRow.target).where(DigestRow.state == "failed", DigestRow.team_id == team,
                                                               DigestRow.next_attempt > now))
            return set(sent) | set(waiting)

    def last_digest_sent(self, target: str, team_id: int | None = None) -> datetime | None:
        """When a digest of the team (None: the default team) last reached `target` (None: never)."""
        with self.sessions() as s:
            team = team_view.tag_team(s, team_id)
            return s.scalar(select(func.max(DigestRow.sent_at)).where(DigestRow.target == target,
                                                                       DigestRow.team_id == team,
                                                                       DigestRow.state == "sent"))

    # ------------------------------------------------------------------ overview
    def outbox(self, team_id: int | None = None) -> list[dict]:
        """What is pending or failing, and why: for `monitor outbox` and the sources page (the team's
        alone with `team_id`)."""
        with self.sessions() as s:
            alert_team = [DeliveryRow.team_id == team_id] if team_id is not None else []
            digest_team = [DigestRow.team_id == team_id] if team_id is not None else []
            alerts = s.execute(select(DeliveryRow.target, func.count(), func.max(DeliveryRow.attempts),
                                      func.max(DeliveryRow.last_error), func.min(DeliveryRow.next_attempt))
                               .where(DeliveryRow.state == "pending", *alert_team).group_by(DeliveryRow.target)).all()
            digests = s.scalars(select(DigestRow).where(DigestRow.state != "sent", *digest_team)).all()
            out = [{"kind": "alert", "target": t, "messages": n, "attempts": a or 0, "last_error": e,
                    "next_attempt": na} for t, n, a, e, na in alerts]
            out += [{"kind": "digest", "target": d.target, "messages": d.item_count, "attempts": d.attempts,
                     "last_error": d.last_error, "next_attempt": d.next_attempt} for d in digests]
            return out

    def digested_stories(self, since: datetime, team_id: int | None = None) -> set[int]:
        """The story clusters of items in the team's digests sent since `since` (any target): what
        its people have read about already."""
        with self.sessions() as s:
            team = team_view.tag_team(s, team_id)
            return set(s.scalars(select(ItemRow.cluster_id).distinct()
                                 .join(DigestItemRow, DigestItemRow.item_id == ItemRow.id)
                                 .join(DigestRow, DigestRow.id == DigestItemRow.digest_id)
                                 .where(DigestRow.state == "sent", DigestRow.team_id == team,
                                        DigestRow.sent_at >= since, ItemRow.cluster_id.is_not(None))))

    def sent_digests(self, target: str | None = None, team_id: int | None = None) -> int:
        """How many digests of the team (None: the default team) reached `target` (None: any target)."""
        with self.sessions() as s:
            team = team_view.tag_team(s, team_id)
            stmt = select(func.count()).select_from(DigestRow).where(DigestRow.state == "sent",
                                                                     DigestRow.team_id == team)
            if target:
                stmt = stmt.where(and_(DigestRow.target == target))
            return s.scalar(stmt) or 0



def _dead_here(token: str) -> bool:
    """True when `token` names a process on this machine that no longer runs."""
    host, _, rest = token.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname()[:40] or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:        # alive, someone else's
        return False
    return False
