"""Marking items as seen: one item (`POST /items/{id}/seen`, or `POST /seen` with `item`), or every item of
an archive view (`POST /seen`).

Opening an item's page marks it as well (items.py); a click on a title that leads to the
source marks it by a beacon (static/web.js), and without script the row's button does
(one form for the page, which the rows' buttons name, keeps the page small).
What counts as "every item of the view" is the archive URL the form names, read with the
same filters and view boundary as the page showed, so the button marks what the person
was looking at (all its pages), not more.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from monitor.web import teams, views
from monitor.web.archive import archive_filters
from monitor.web.filters import BadParameter
from monitor.web.ids import parse_item_id
from monitor.web.security import csrf_protected, safe_next
from monitor.web.views import reader_of


def _reader(request: Request) -> str:
    """Who marks: only a known reader (a signed-in person, or a browser with its cookie) has a seen state."""
    reader = reader_of(request)
    if reader is None:
        raise HTTPException(403, "no reader")
    return reader


@csrf_protected
@teams.requires("editor")
async def mark_item(request: Request) -> Response:
    web = request.app.state.web
    reader = _reader(request)
    form = await request.form()
    item_id = request.path_params["id"]
    if not await run_in_threadpool(web.store.get_item, item_id, teams.team_id(request)):
        raise HTTPException(404, "no such item")      # as `item=` below: none, or another team's
    await run_in_threadpool(web.store.mark_seen, reader, [item_id])
    target = str(form.get("next") or "")
    return RedirectResponse(safe_next(target), 303) if target else Response(status_code=204)


@csrf_protected
@teams.requires("editor")
async def mark_view(request: Request) -> Response:
    web = request.app.state.web
    reader = _reader(request)
    form = await request.form()
    target = safe_next(str(form.get("next") or "/"))
    item = str(form.get("item") or "")
    if item:                              # a row's button: that item alone
        item_id = parse_item_id(item)
        if item_id is None:
            raise HTTPException(400, f"cannot read item={item[:20]!r}")
        if not await run_in_threadpool(web.store.get_item, item_id, teams.team_id(request)):
            raise HTTPException(404, "no such item")
        await run_in_threadpool(web.store.mark_seen, reader, [item_id])
        return RedirectResponse(f"{target}#item-{item}", 303)
    f = archive_filters(request, QueryParams(urlsplit(target).query))
    if f.errors:
        raise HTTPException(400, f"cannot read {f.errors[0].name}={f.errors[0].value!r}")

    def mark() -> int:
        visit = web.store.current_visit(reader)
        edge = views.boundary(web, f.view_name, visit, team=f.team_id) if f.view_name != "all" else None
        return web.store.mark_query_seen(reader, views.apply_view(f, edge).query())

    try:
        marked = await run_in_threadpool(mark)
    except BadParameter as e:
        raise HTTPException(400, f"cannot read {e.name}={e.value!r}: {e.hint}") from None
    request.session["flash"] = f"seen:{marked}"
    return RedirectResponse(target, 303)


ROUTES = [
    Route("/items/{id:item}/seen", mark_item, methods=["POST"]),
    Route("/seen", mark_view, methods=["POST"]),
]
