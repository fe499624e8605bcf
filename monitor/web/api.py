"""Machine routes with the archive's filters: `/api/items` (JSON) and the exports `/export.csv|json`.

Without `limit` every match is returned, so results are streamed in chunks: a large
archive never has to fit into memory at once.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from monitor.clock import utcnow
from monitor.config import TAGS
from monitor.item import Item
from monitor.store import ItemQuery, Store, item_json
from monitor.web.filters import BadParameter, Filters, parse_filters, parse_limit

CHUNK = 500
CSV_FIELDS = ("id", "published", "fetched", "source", "title", "url", "tags", "platforms", "lang", "cluster",
              "summary", *(f"score_{tag}" for tag in TAGS))


def request_filters(request: Request) -> tuple[Filters, int | None, int]:
    """Filters plus limit/offset; a parameter that cannot be read is a 400 with its name."""
    web = request.app.state.web
    f = parse_filters(request.query_params, web.tz, utcnow(), team=web.config.settings.platforms or [])
    try:
        if f.errors:
            raise f.errors[0]
        limit = parse_limit(request.query_params, "limit")
        offset = parse_limit(request.query_params, "offset", default=0) or 0
    except BadParameter as e:
        raise HTTPException(400, f"cannot read {e.name}={e.value!r}") from None
    return f, limit, offset


async def chunks(store: Store, query: ItemQuery) -> AsyncIterator[list[Item]]:
    """The query's items, CHUNK at a time, in the query's order.

    The ids are read once (every id of 100,000 items in a few dozen milliseconds), then
    the items by id, a chunk at a time: no chunk repeats the walk to its offset, so a
    full export takes linear time, and none is lost or repeated while new items arrive.
    """
    if query.limit is not None and query.limit <= CHUNK:
        batch = await run_in_threadpool(store.query_items, query)
        if batch:
            yield batch
        return
    ids = await run_in_threadpool(store.query_ids, query)
    for start in range(0, len(ids), CHUNK):
        batch = await run_in_threadpool(store.items_by_ids, ids[start:start + CHUNK])
        if batch:
            yield batch


async def json_array(store: Store, query: ItemQuery) -> AsyncIterator[str]:
    yield "["
    first = True
    async for batch in chunks(store, query):
        for it in batch:
            yield ("" if first else ",\n") + json.dumps(item_json(it), ensure_ascii=False)
            first = False
    yield "]\n"


async def api_items(request: Request) -> Response:
    store = request.app.state.web.store
    f, limit, offset = request_filters(request)
    headers = {}
    if limit is not None:
        headers["X-Total-Count"] = str(await run_in_threadpool(store.count_items, f.query()))
    return StreamingResponse(json_array(store, f.query(limit=limit, offset=offset)), media_type="application/json",
                             headers=headers)


async def export_json(request: Request) -> Response:
    store = request.app.state.web.store
    f, limit, offset = request_filters(request)
    return StreamingResponse(json_array(store, f.query(limit=limit, offset=offset)), media_type="application/json",
                             headers=_download("json"))


async def export_csv(request: Request) -> Response:
    store = request.app.state.web.store
    f, limit, offset = request_filters(request)
    return StreamingResponse(csv_lines(store, f.query(limit=limit, offset=offset)),
                             media_type="text/csv; charset=utf-8", headers=_download("csv"))


async def csv_lines(store: Store, query: ItemQuery) -> AsyncIterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\r\n")
    buffer.write("\ufeff")          # so spreadsheet programs read the umlauts as UTF-8
    writer.writeheader()
    async for batch in chunks(store, query):
        writer.writerows(csv_row(it) for it in batch)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


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
