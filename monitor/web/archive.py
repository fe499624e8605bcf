"""`/`: the archive, newest first, filtered by query parameters, 50 stories to a page.

Reports of the same story from several sources (one story cluster) are folded into one
row: its first matching report in the page's order, with 'also reported by N other
sources' opening the list of the other reports.

The daily views (all, new since my last visit, since the last digest), "tagged only" and
the reader's seen items come from views.py: `prepare` before the page is read (the
remembered choice, the visit), `finish` after it (the tabs' counts, what was seen)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from monitor.clock import utcnow
from monitor.config import PLATFORMS
from monitor.item import Item
from monitor.store import Store
from monitor.store.browse import Report
from monitor.tell import important
from monitor.web import teams, views
from monitor.web.counts import Counts
from monitor.web.filters import PER_PAGE, Filters, parse_filters
from monitor.web.render import render
from monitor.web.views import reader_of

if TYPE_CHECKING:
    from monitor.config import Config
    from monitor.web.app import Web

LANGUAGES = ("de", "en")
SINCE_PRESETS = ("24h", "7d", "30d", "90d", "365d")
IMPORTANT_FRESH = 60                      # seconds the "Das Wichtigste" block is reused (see important_block)
IMPORTANT_BUSY = 10                       # ... and at least this long while new items keep coming in
SOURCES_FRESH = 30                        # seconds the team's source names are reused (see source_choices)
SOURCE_LIST_MAX = 150                     # more sources than this: a text field that suggests names (see source_names)
SHOWN_REPORTS = 8                         # other reports listed under a story; the item page has them all


@dataclass
class Page:
    items: list[Item]                     # one per story: its first matching report
    total: int                            # matching reports (items)
    stories: int                          # stories they make up; pages count stories
    pages: int
    others: dict[int | None, list[str]]       # item id -> other sources that reported the story
    reports: dict[int | None, list[Report]]   # item id -> the story's other reports, newest first
    sources: list[str]
    first: int                            # 1-based position of the first story shown
    last: int


async def archive(request: Request) -> Response:
    web = request.app.state.web
    f = archive_filters(request)
    reader = reader_of(request)
    daily = await run_in_threadpool(views.prepare, web, request, f, reader)   # remembered view, visit
    if not f.errors and sorted(request.query_params.multi_items()) != sorted(f.pairs()):
        return RedirectResponse(f.url(), 303)        # the form sends empty fields: show the clean, shareable URL
    page = await run_in_threadpool(load_page, web.store, f, await run_in_threadpool(source_choices, web, f),
                                   web.counts)
    picks = await run_in_threadpool(important_block, web, f)   # f.team_id: the team's stories
    await run_in_threadpool(views.finish, web, daily, f, page.stories, page_ids(page))
    machine = f.at_page(1).for_machines()
    return render(request, "web/archive.html", section="archive", f=f, page=page, daily=daily,
                  page_numbers=page_window(f.page, page.pages), platforms=platform_choices(web.config),
                  languages=LANGUAGES, since_presets=SINCE_PRESETS, feed_url=feed_url(web, machine),
                  json_url=machine.url("/api/items"), csv_url=machine.url("/export.csv"),
                  reset_url="/?scope=all" if f.team_default else "/", shown_reports=SHOWN_REPORTS,
                  source_list_max=SOURCE_LIST_MAX,
                  important=picks, important_days=important.WINDOW.days, why=important.label)


def important_block(web: Web, f: Filters) -> list[important.Pick]:
    """"Das Wichtigste" of the last days, as the digest picks it (monitor.tell.important): on the
    first page of the plain archive, or of "new since my last visit" for a reader who chose that
    view (the archive opens in it every morning, and they never saw the block). It reads a week of
    items (0.1 s at 2,000 recent items, three times that while a worker stores), so it is
    reused while no new item came in, for at most a minute (a tag corrected in the archive
    shows within that), and while items keep coming in, for `IMPORTANT_BUSY` seconds: a
    crawl storing beside the archive would otherwise make every front page read that week
    again (benchmarks/bench_web_under_crawl.py). The stories listed below it are always current."""
    if f.page != 1 or any(key not in ("scope", "view") for key, _ in f.active) or f.errors \
            or f.view_name not in ("all", "new"):
        return []
    return list(web.remembered(("important", f.team_id), web.store.newest_item_id(),
                               lambda: important.recent(web.store, utcnow(), web.config.settings.platforms or [],
                                                        team_id=f.team_id,
                                                        language=web.team_config(f.team_id).settings.language),
                               fresh=IMPORTANT_FRESH, busy=IMPORTANT_BUSY))


def archive_filters(request: Request, params: QueryParams | None = None) -> Filters:
    """The archive's filters (of `params`, else the request's); with settings.hide_other_platforms
    the team's platforms are the default."""
    web = request.app.state.web
    settings = web.config.settings
    f = parse_filters(request.query_params if params is None else params, web.tz, utcnow(),
                      team=settings.platforms or [], team_default=settings.hide_other_platforms)
    f.team_id = teams.team_id(request)
    return f


def load_page(store: Store, f: Filters, sources: list[str], counts: Counts | None = None) -> Page:
    """One page of stories with their counts and their other reports (one store transaction);
    with `counts`, the filter's counts from an earlier view plus what came since (counts.py)."""
    query = f.page_query()
    known = counts.get(query) if counts is not None else None
    found = store.story_page(query, known)
    if counts is not None:
        counts.put(query, found.counted, known)
    total, stories, items, reports = found.total, found.stories, found.items, found.reports
    pages = max(1, math.ceil(stories / PER_PAGE))
    first = (f.page - 1) * PER_PAGE + 1
    others: dict[int | None, list[str]] = {}
    rest: dict[int | None, list[Report]] = {}
    for it in items:
        story = reports.get(it.cluster, []) if it.cluster is not None else []
        rest[it.id] = [r for r in story if r.id != it.id]
        others[it.id] = sorted({r.source for r in story} - {it.source})
    return Page(items=items, total=total, stories=stories, pages=pages, others=others, reports=rest,
                sources=sources, first=first, last=first + len(items) - 1)


def source_choices(web: Web, f: Filters) -> list[str]:
    """The team's sources for the filter: feeds.yaml's order for those it names, the rest by name.

    Kept for `SOURCES_FRESH` seconds per team: every archive page asks, and an agency's 4,000
    subscriptions took 10-20 ms to read and sort each time. A source added by `monitor config
    apply` shows in the filter within that time (the archive lists its items at once)."""
    def read() -> list[str]:
        mine = set(web.store.team_sources(f.team_id).values()) if f.team_id is not None \
            else {s.name for s in web.config.sources}
        listed = [s.name for s in web.config.sources if s.name in mine]
        return listed + sorted(mine - set(listed), key=str.lower)

    return web.remembered(("source-choices", f.team_id), None, read, fresh=SOURCES_FRESH)


async def source_names(request: Request) -> Response:
    """`GET /api/sources`: the names of the team's sources, as the archive's source filter offers
    them (a JSON array). The filter fetches them when a team has too many for a drop-down list
    (`SOURCE_LIST_MAX`): an agency's 4,000 names made every archive page 250 KB larger and a
    third slower to render."""
    web = request.app.state.web
    f = archive_filters(request, QueryParams(""))
    return JSONResponse(await run_in_threadpool(source_choices, web, f))


def page_ids(page: Page) -> list[int]:
    """Every item the page shows: its stories' first reports and the other reports listed under them."""
    ids = [it.id for it in page.items if it.id is not None]
    return ids + [r.id for rest in page.reports.values() for r in rest[:SHOWN_REPORTS]]


def page_window(current: int, pages: int, around: int = 2) -> list[int | None]:
    """Page numbers to link: first, last and a few around the current one; None marks a gap."""
    wanted = {1, pages, *range(max(1, current - around), min(pages, current + around) + 1)}
    out: list[int | None] = []
    for n in sorted(wanted):
        if out and out[-1] is not None and n - out[-1] > 1:
            out.append(None)
        out.append(n)
    return out


def platform_choices(config: Config) -> list[str]:
    """The team's own platforms first, then the rest."""
    own = list(config.settings.platforms or [])
    return own + [p for p in PLATFORMS if p not in own]


def feed_url(web: Web, f: Filters) -> str:
    """This view as RSS; with the team's own feed token when it has one, so a feed reader can subscribe."""
    own = web.own_config(f.team_id)
    token = (own.settings.web.rss_token or None) if web.auth.enabled and own is not None else None
    if f.view == "new":             # a feed reader is not the person whose visit it is
        f = f.replace(view="")
    return f.url("/feed.xml", token=token)


ROUTES = [Route("/", archive, methods=["GET"]), Route("/api/sources", source_names, methods=["GET"])]
