"""`/trends`: terms and platforms that more sources mention than usual, a card per story with a small
bar chart; `/trends/items`: every item behind one card.

A card links to its own list, not to the archive's full-text search: the search matches
inside words and over the whole period ('EU' finds 'euren' and 'EU-Kommission'), the
trend counts whole words in its rolling window. The list shows exactly the items the
card counted, so its numbers and the card's always agree.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from monitor.item import Item
from monitor.trends import rising
from monitor.trends.rising import Trend
from monitor.web import teams
from monitor.web.render import render

if TYPE_CHECKING:
    from monitor.config import Settings
    from monitor.store import Store
    from monitor.web.app import Web

log = logging.getLogger(__name__)
DAY_CHOICES = (1, 7, 14, 30)
SHOWN_ITEMS = 3
READ_FOR_SHOWN = 30      # a card's newest items read to pick SHOWN_ITEMS of different stories
CHART_WIDTH, CHART_HEIGHT = 196, 36
FRESH_SECONDS = 300       # trends are computed again after this long, and at once when new items came in


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    recent: bool      # inside the trend window (the rest is the baseline)
    count: int


@dataclass
class TrendView:
    trend: Trend
    bars: list[Bar]
    items: list[Item]          # the newest few, shown on the card
    list_url: str            # the card's list of items (`items_url`)
    usual: int
    count: int = 0             # items behind the link
    more_terms: list[str] = field(default_factory=list)   # the story's other terms, folded into this card
    chart_from: datetime | None = None   # the first day of the chart (the day the archive's history starts)


async def trends_page(request: Request) -> Response:
    web = request.app.state.web
    days = _days(request.query_params.get("days"))
    failed = False
    team = await run_in_threadpool(teams.team_id, request)
    try:
        views = await run_in_threadpool(cached_trends, web, days, team)
    except Exception:  # noqa: BLE001 - a broken trend computation must not take the page down
        log.exception("computing trends failed")
        views, failed = [], True
    return render(request, "web/trends.html", section="trends", views=views, days=days, failed=failed,
                  day_choices=DAY_CHOICES, chart_width=CHART_WIDTH, chart_height=CHART_HEIGHT)


def cached_trends(web: Web, days: int, team_id: int | None = None) -> list[TrendView]:
    """`load_trends`, reused while no new item came in, for at most five minutes.

    Trends are computed over the whole window and its baseline (about a second at
    100,000 items); their rolling days barely move in five minutes, new items end the
    reuse at once."""
    return web.remembered(("trends", days, team_id), web.store.newest_item_id(),
                          lambda: load_trends(web.store, days, web.config.settings, team_id), fresh=FRESH_SECONDS)


def load_trends(store: Store, days: int, settings: Settings, team_id: int | None = None) -> list[TrendView]:
    """The trends over the team's sources (every source without a team), as cards."""
    trends = rising.compute_trends(store, days=days, language=settings.language, timezone=settings.timezone,
                                   team_id=team_id)
    wanted = [iid for tr in trends for iid in list(tr.item_ids)[:READ_FOR_SHOWN]]
    found = {it.id: it for it in store.items_by_ids(list(dict.fromkeys(wanted)), team_id)} if wanted else {}
    views = [TrendView(trend=tr, bars=bars(charted(tr), days), chart_from=chart_start(tr),
                       items=shown_items([found[i] for i in list(tr.item_ids)[:READ_FOR_SHOWN] if i in found]),
                       list_url=items_url(tr, days), usual=round(float(tr.baseline)), count=len(tr.item_ids),
                       more_terms=list(getattr(tr, "terms", None) or [tr.term])[1:])
             for tr in trends]
    return views


def shown_items(items: list[Item]) -> list[Item]:
    """The newest few items of a card, one per story while there are several: a platform's card
    in a week of one big story shows what else is happening, not three reports of the same."""
    first: dict[int | None, Item] = {}
    for it in items:
        first.setdefault(it.cluster if it.cluster is not None else -(it.id or 0), it)
    picked = {id(it) for it in list(first.values())[:SHOWN_ITEMS]}
    picked |= {id(it) for it in [it for it in items if id(it) not in picked][:SHOWN_ITEMS - len(picked)]}
    return [it for it in items if id(it) in picked]


async def trend_items_page(request: Request) -> Response:
    """Every item one card counted, newest first; back to /trends when that card is gone."""
    web = request.app.state.web
    days = _days(request.query_params.get("days"))
    key = (request.query_params.get("key") or "").strip()
    team = await run_in_threadpool(teams.team_id, request)
    try:
        views = await run_in_threadpool(cached_trends, web, days, team)
    except Exception:  # noqa: BLE001 - a broken trend computation must not take the page down
        log.exception("computing trends failed")
        views = []
    view = next((v for v in views if _key(v.trend) == key), None)
    if view is None:
        return RedirectResponse(f"/trends?{urlencode({'days': days})}", status_code=303)
    items = await run_in_threadpool(web.store.items_by_ids, list(view.trend.item_ids), team)
    return render(request, "web/trend.html", section="trends", view=view, items=items, days=days,
                  sources=len({it.source for it in items}))


def items_url(trend: Trend, days: int) -> str:
    """The list of exactly the items a card counted (`/trends/items`)."""
    return rising.list_path(trend, days)


def _key(trend: Trend) -> str:
    return getattr(trend, "key", "") or trend.term


def charted(trend: Trend) -> list[int]:
    """The days of a trend's chart: the window and the days before it the archive has items for.
    A new archive has four weeks of history; six weeks of bars with two empty ones first read
    as "nobody wrote about it", when nobody was being read."""
    daily = list(trend.daily)
    return daily[-min(len(daily), trend.history_days + trend.days):]


def chart_start(trend: Trend) -> datetime | None:
    """The first day `charted` shows, for the axis under the chart."""
    if trend.since is None:
        return None
    return trend.since + timedelta(days=len(trend.daily) - len(charted(trend)))


def bars(daily: list[int], window: int) -> list[Bar]:
    """Geometry of a bar per day, oldest first; the last `window` days are the trend window."""
    if not daily:
        return []
    top = max(max(daily), 1)
    step = CHART_WIDTH / len(daily)
    gap = min(2.0, step * 0.25)
    out = []
    for n, count in enumerate(daily):
        height = max(1.0, (CHART_HEIGHT - 2) * count / top) if count else 1.0
        out.append(Bar(x=round(n * step, 2), y=round(CHART_HEIGHT - height, 2), width=round(step - gap, 2),
                       height=round(height, 2), recent=n >= len(daily) - window, count=int(count)))
    return out


def _days(raw: str | None) -> int:
    try:
        return min(max(int(raw or 7), 1), 90)
    except ValueError:
        return 7


ROUTES = [Route("/trends", trends_page, methods=["GET"]), Route("/trends/items", trend_items_page, methods=["GET"])]
