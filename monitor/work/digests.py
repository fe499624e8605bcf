"""The workers' scheduled digests: one per team, target and period, at each team's own time.

Every minute the tick queues a digest job; whichever worker takes it asks, team by team,
whether the team's digest period (the local day of its last `settings.digest.at` in its
`settings.timezone`, monitor.teams.schedule) has a target that has not had it yet, and sends
the team's digest (its items, its language, its targets) to those. The store's unique digest
row per team, target and period is the last word when two workers try at once, and a target
handled for a period (even with nothing to send) waits for the next one: news at 15:00 go
into tomorrow's digest. Without teams this is feeds.yaml's digest, exactly as before.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from monitor.teams.model import DEFAULT_SLUG
from monitor.teams.schedule import digest_time, period_of

if TYPE_CHECKING:
    from monitor.config import Config
    from monitor.store import Store
    from monitor.work.jobs import WorkContext

log = logging.getLogger("monitor.work")
_HANDLED = "digest-period:"      # + target (the default team, as before teams), or + slug:target


def send_due(ctx: WorkContext, now: datetime) -> list[str]:
    """Send every team's digest that is due at `now` to each target that has not had this period's;
    the report lines, each prefixed with the team where there are several."""
    from monitor.work.teams import team_configs
    teams = [(t.slug, t.config) for t in team_configs(ctx)] or [(DEFAULT_SLUG, ctx.config())]
    lines: list[str] = []
    failed: Exception | None = None
    for slug, config in teams:
        try:
            found = _send_team(ctx, slug, config, now)
        except Exception as e:  # noqa: BLE001 - one team's trouble must not keep the others' digests back
            log.exception("the digest of team %s failed", slug)
            failed = failed or e
            continue
        lines += [f"[{slug}] {line}" for line in found] if len(teams) > 1 else found
    if failed is not None:
        raise failed            # the job fails (and is logged as such) once every other team had its digest
    return lines


def _send_team(ctx: WorkContext, slug: str, config: Config, now: datetime) -> list[str]:
    settings = config.settings.digest
    if not settings.notify:
        return []
    team_id = None
    if slug != DEFAULT_SLUG:
        team = ctx.store.team_by_slug(slug)
        if team is None:                # applied file, team row gone: nothing to send for
            return []
        team_id = team.id
    period = period_of(digest_time(slug, config), now)
    done = ctx.store.digest_periods_sent(period, now, team_id=team_id)
    targets = [t for t in settings.notify if t not in done and not _handled(ctx.store, slug, t, period)]
    if not targets:
        return []
    from monitor.tell.digest import send_digest
    report = send_digest(ctx.store, config, ctx.sender, now=now, targets=targets, period=period,
                         echo=lambda _line: None, team_id=team_id)
    for target in targets:      # handled, even with nothing to send: news at 15:00 wait for tomorrow's
        if target not in report.failed:
            ctx.store.put_shared(_key(slug, target), period.encode())
    return report.lines


def _key(slug: str, target: str) -> str:
    return _HANDLED + target if slug == DEFAULT_SLUG else f"{_HANDLED}{slug}:{target}"


def _handled(store: Store, slug: str, target: str, period: str) -> bool:
    found = store.get_shared(_key(slug, target))
    return found is not None and found[0] == period.encode()
