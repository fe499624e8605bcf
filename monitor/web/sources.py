"""`/sources`: the health of every source, failing ones first, and deliveries still waiting."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from monitor.watch.errors import health_words
from monitor.web import teams
from monitor.web.render import render

if TYPE_CHECKING:
    from monitor.web.app import Web

STATUS_ORDER = {"failing": 0, "new": 1, "ok": 2}
FRESH_SECONDS = 60        # health is computed again at least this often, and at once when a run changed it
DATE_FIELDS = ("last_success", "last_fetch", "error_since", "next_attempt", "last_new_item")


async def sources_page(request: Request) -> Response:
    web = request.app.state.web
    team = await run_in_threadpool(teams.team_id, request)

    def read() -> tuple[list[dict], list[dict]]:
        mine = web.store.team_sources(team)        # stored name -> the team's name for it
        return [{**r, "name": mine[r["name"]]} for r in health(web) if r["name"] in mine], web.store.outbox(team)

    rows, outbox = await run_in_threadpool(read)
    rows = sorted((with_dates(r) for r in rows), key=lambda r: (STATUS_ORDER.get(r["status"], 3), r["name"].lower()))
    said = health_words(rows, web.t)
    for row in rows:
        name = row["name"]
        row["problem"] = web.t("errors.outage.row") if name in said.unreachable else said.problems.get(name)
        row["note"] = said.notes.get(name)
    counts = {status: sum(1 for r in rows if r["status"] == status) for status in STATUS_ORDER}
    return render(request, "web/sources.html", section="sources", sources=rows, counts=counts, outbox=outbox,
                  unreachable=said.outage)


def health(web: Web) -> list[dict]:
    """`store.list_sources()`, kept while nothing it depends on changed and for at most a minute.

    Working out each source's usual rhythm reads every item of the last 120 days (0.1 s at
    100,000 items); the page is opened far more often than a run changes it. A run moves
    the newest item id or a source's last fetch, which ends the reuse at once.
    """
    return web.remembered("health", web.store.health_version(), web.store.list_sources, fresh=FRESH_SECONDS)


def with_dates(row: dict) -> dict:
    """The store gives ISO strings (as in the JSON contract); the page wants dates to format."""
    out = dict(row)
    for key in DATE_FIELDS:
        value = out.get(key)
        out[key] = datetime.fromisoformat(value) if isinstance(value, str) else value
    return out


ROUTES = [Route("/sources", sources_page, methods=["GET"])]
