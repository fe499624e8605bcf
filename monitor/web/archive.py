"""`/`: the archive, newest first, filtered by query parameters, 50 to a page."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from monitor.config import PLATFORMS
from monitor.item import Item
from monitor.store import Store
from monitor.store.schema import ItemRow, SourceRow, utcnow
from monitor.web.filters import PER_PAGE, Filters, parse_filters
from monitor.web.render import render

LANGUAGES = ("de", "en")
SINCE_PRESETS = ("24h", "7d", "30d", "90d", "365d")


@dataclass
class Page:
    items: list[Item]
    total: int
    pages: int
    others: dict[int, list[str]]          # item id -> other sources that reported the story
    sources: list[str]
    first: int                            # 1-based position of the first item shown
    last: int


async def archive(request: Request) -> Response:
    web = request.app.state.web
    f = parse_filters(request.query_params, web.tz, utcnow())
    if not f.errors and sorted(request.query_params.multi_items()) != sorted(f.pairs()):
        return RedirectResponse(f.url(), 303)        # the form sends empty fields: show the clean, shareable URL
    page = await run_in_threadpool(load_page, web.store, f, [s.name for s in web.config.sources])
    return render(request, "web/archive.html", section="archive", f=f, page=page,
                  page_numbers=page_window(f.page, page.pages), platforms=platform_choices(web.config),
                  languages=LANGUAGES, since_presets=SINCE_PRESETS, feed_url=feed_url(web, f))


def load_page(store: Store, f: Filters, sources: list[str]) -> Page:
    total = store.count_items(f.query())
    pages = max(1, math.ceil(total / PER_PAGE))
    items = store.query_items(f.page_query()) if f.page <= pages else []
    first = (f.page - 1) * PER_PAGE + 1
    return Page(items=items, total=total, pages=pages, others=also_reported(store, items), sources=sources,
                first=first, last=first + len(items) - 1)


def also_reported(store: Store, items: list[Item]) -> dict[int, list[str]]:
    """For each item, the other sources in its story cluster, found in one query for the whole page."""
    clusters = {it.cluster for it in items if it.cluster is not None}
    if not clusters:
        return {}
    with store.session() as s:
        rows = s.execute(select(ItemRow.cluster_id, SourceRow.name).join(SourceRow, SourceRow.id == ItemRow.source_id)
                         .where(ItemRow.cluster_id.in_(sorted(clusters))).distinct()).all()
    by_cluster: dict[int, set[str]] = {}
    for cluster, name in rows:
        by_cluster.setdefault(cluster, set()).add(name)
    return {it.id: sorted(by_cluster.get(it.cluster, set()) - {it.source}) for it in items}


def page_window(current: int, pages: int, around: int = 2) -> list[int | None]:
    """Page numbers to link: first, last and a few around the current one; None marks a gap."""
    wanted = {1, pages, *range(max(1, current - around), min(pages, current + around) + 1)}
    out: list[int | None] = []
    for n in sorted(wanted):
        if out and out[-1] is not None and n - out[-1] > 1:
            out.append(None)
        out.append(n)
    return out


def platform_choices(config) -> list[str]:
    """The team's own platforms first, then the rest."""
    own = list(config.settings.platforms or [])
    return own + [p for p in PLATFORMS if p not in own]


def feed_url(web, f: Filters) -> str:
    """This view as RSS; with the feed token when there is one, so a feed reader can subscribe."""
    token = web.auth.rss_token if web.auth.enabled else None
    return f.at_page(1).url("/feed.xml", token=token)


ROUTES = [Route("/", archive, methods=["GET"])]
