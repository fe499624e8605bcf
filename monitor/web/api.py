"""Machine routes with the archive's filters: `/api/items` (JSON, in pages) and the exports `/export.csv|json`.

All of them take the archive's filters, including `view=digest` (stored since the last
digest), `view=new` (since the signed-in person's last visit; a session is needed) and
`tagged=1` (see views.py). `/api/items` answers a page of at most `limit` items (default
100, at most 1,000) and, when more match, a `Link: <URL>; rel="next"` header as GitHub's
API does; the next URL
carries a `cursor` (where this page ended, see monitor/store/paging.py), so walking the
pages sees every match once even while new items arrive. `?all=1` and the exports
answer every match, streamed: the rows come from the store a batch at a time and leave
as they come, so a large archive never has to fit into memory.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from monitor.clock import utcnow
from monitor.config import TAGS
from monitor.item import Item
from monitor.store import ItemQuery, Store, item_json
from monitor.web import teams
from monitor.web.filters import (
    BadParameter,
    Filters,
    encode_cursor,
    parse_cursor,
    parse_filters,
    parse_limit,
)
from monitor.web.views import machine_view

T = TypeVar("T")
PAGE_DEFAULT = 100
PAGE_MAX = 1000
LIMIT_HINT = (f"a page holds 1 to {PAGE_MAX:,} items (default {PAGE_DEFAULT}); the Link header leads to the next "
              f"page, and ?all=1 answers every match at once")
CSV_FIELDS = ("id", "published", "fetched", "source", "title", "url", "tags", "platforms", "lang", "cluster",
              "summary", *(f"score_{tag}" for tag in TAGS))


async def request_filters(request: Request) -> Filters:
    """The view's filters (with `view=new|digest` in force); a parameter that cannot be read is a 400
    that names it."""
    web = request.app.state.web
    f = parse_filters(request.query_params, web.tz, utcnow(), team=web.config.settings.platforms or [])
    f.team_id = await run_in_threadpool(teams.team_id, request)
    if f.errors:
        raise bad_request(f.errors[0])
    try:
        return await run_in_threadpool(machine_view, request, f)
    except BadParameter as e:
        raise bad_request(e) from None


def read(request: Request, reader: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """A parameter read by `reader` (from the query parameters); a BadParameter becomes a 400 in plain words."""
    try:
        return reader(request.query_params, *args, **kwargs)
    except BadParameter as e:
        raise bad_request(e) from None


def number(request: Request, name: str, default: int, **bounds: Any) -> int:
    """A whole-number parameter (parse_limit's bounds and hint), `default` when it is not given."""
    value = read(request, parse_limit, name, default, **bounds)
    return default if value is None else value


def bad_request(e: BadParameter) -> HTTPException:
    return HTTPException(400, f"cannot read {e.name}={e.value!r}" + (f": {e.hint}" if e.hint else ""))


async def api_items(request: Request) -> Response:
    store = request.app.state.web.store
    f = await request_filters(request)
    if read(request, parse_switch, "all"):
        return StreamingResponse(json_array(store, export_query(request, f)), media_type="application/json")
    size = number(request, "limit", PAGE_DEFAULT, maximum=PAGE_MAX, minimum=1, hint=LIMIT_HINT)
    after = read(request, parse_cursor, f.order)
    offset = number(request, "offset", 0) if after is None else 0
    query = f.query(offset=offset)
    items, following = await run_in_threadpool(store.item_page, query, after, size)
    headers = {}
    if following is not None:
        headers["Link"] = f'<{next_url(request, encode_cursor(following, f.order))}>; rel="next"'
    body = json.dumps([item_json(it) for it in items], ensure_ascii=False)
    return Response(body, media_type="application/json", headers=headers)


def next_url(request: Request, cursor: str) -> str:
    """This request's URL with the next page's cursor (offset dropped: the cursor says where to go on)."""
    base = request.app.state.web.config.settings.web.base_url or str(request.base_url)
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k not in ("cursor", "offset")]
    return base.rstrip("/") + "/api/items?" + urlencode([*pairs, ("cursor", cursor)])


def parse_switch(params: QueryParams, name: str) -> bool:
    raw = (params.get(name) or "").strip().lower()
    if raw in ("", "0", "false", "no"):
        return False
    if raw in ("1", "true", "yes"):
        return True
    raise BadParameter(name, raw, "1 or 0")


def export_query(request: Request, f: Filters) -> ItemQuery:
    """Every match, unless `limit` (and `offset`) ask for a part."""
    return f.query(limit=read(request, parse_limit, "limit"), offset=number(request, "offset", 0))


async def export_json(request: Request) -> Response:
    store = request.app.state.web.store
    query = export_query(request, await request_filters(request))
    return StreamingResponse(json_array(store, query), media_type="application/json", headers=_download("json"))


async def export_csv(request: Request) -> Response:
    store = request.app.state.web.store
    query = export_query(request, await request_filters(request))
    return StreamingResponse(csv_lines(store, query), media_type="text/csv; charset=utf-8", headers=_download("csv"))


async def batches(store: Store, query: ItemQuery) -> AsyncIterator[list[Item]]:
    """The query's items a batch at a time (monitor.store.paging.BATCH) from one store read, each batch
    fetched in a worker thread."""
    walk = store.walk_items(query)
    try:
        while (batch := await run_in_threadpool(next, walk, None)) is not None:
            yield batch
    finally:
        with anyio.CancelScope(shield=True):      # a client that went away releases the read at once
            await run_in_threadpool(walk.close)


async def json_array(store: Store, query: ItemQuery) -> AsyncIterator[str]:
    yield "["
    comma = ""
    async for batch in batches(store, query):
        parts = []
        for it in batch:
            parts.append(comma + json.dumps(item_json(it), ensure_ascii=False))
            comma = ",\n"
        yield "".join(parts)
    yield "]\n"


async def csv_lines(store: Store, query: ItemQuery) -> AsyncIterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\r\n")
    buffer.write("\ufeff")          # so spreadsheet programs read the umlauts as UTF-8
    writer.writeheader()
    yield _drain(buffer)
    async for batch in batches(store, query):
        writer.writerows(csv_row(it) for it in batch)
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def csv_row(item: Item) -> dict:
    row = item_json(item)
    out = {key: row[key] for key in CSV_FIELDS if key in row}
    out.update(tags=" ".join(item.tags), platforms=" ".join(item.platforms),
               **{f"score_{tag}": ("" if item.scores.get(tag) is None else round(item.scores[tag], 4))
                  for tag in TAGS})
    return {k: _cell(v) for k, v in out.items()}


def _cell(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def _download(ext: str) -> dict:
    return {"Content-Disposition": f'attachment; filename="lagebild-{utcnow():%Y-%m-%d}.{ext}"'}


ROUTES = [
    Route("/api/items", api_items, methods=["GET"]),
    Route("/export.csv", export_csv, methods=["GET"]),
    Route("/export.json", export_json, methods=["GET"]),
]
