"""Who is reading, and the archive's views for them: all, new since their last visit, since the last digest.

Readers. With login on, a reader is the signed-in name (with the shared password: the
name typed at sign-in, else "team", so people sharing the password share their seen
state). With login off, a reader is one browser: a random id kept in the signed
session cookie (14 days, renewed on every visit). That id lives only in the cookie, so a
browser whose cookies are cleared starts as a new reader; what it saw and chose is kept
in the database under `browser:<id>` all the same, so one code path serves both cases.
Nothing is written for a browser's first request (it may be a script or link checker
that keeps no cookies): its visit counts, and its choices are kept, from its second.

Visits. Every load of the archive's list counts as activity (`touch`); an item's page
does not, since what arrived while someone read item pages was in no list they saw. A
pause longer than VISIT_GAP, or signing in, begins a new visit; "new since my last visit"
is what was stored after the previous visit's last look at the list, so it does not empty
itself while the person reads, and the next visit shows what came after. A first visit shows the
last FIRST_VISIT_WINDOW. To keep a page view cheap, activity is written to the database
at most once per TOUCH_EVERY per reader and process (the cache below holds the visit
in between); a visit boundary is never missed by that, as gaps are far longer.

Since the last digest: items stored after a digest last reached one of
`settings.digest.notify` (any target when none is set); before the first digest, the
last FIRST_VISIT_WINDOW.
"""

from __future__ import annotations

import dataclasses
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from starlette.requests import Request

from monitor.clock import utcnow
from monitor.store import Preferences, Store, Visit
from monitor.web.filters import VIEWS, BadParameter, Filters

if TYPE_CHECKING:
    from monitor.web.app import Web

VISIT_GAP = timedelta(minutes=30)
FIRST_VISIT_WINDOW = timedelta(hours=24)
TOUCH_EVERY = timedelta(seconds=60)
BROWSER_KEY = "reader"          # session key of a browser's reader id when login is off
FRESH_KEY = "fresh_visit"       # set at sign-in: the next page begins a new visit


@dataclass(frozen=True)
class Boundary:
    """Where a view begins: items stored after `since`; `first` when there was no earlier visit or digest."""
    view: str
    since: datetime
    first: bool


@dataclass
class Daily:
    """The archive page's daily-reading state: the reader, their visit, where the views begin,
    how many stories each view holds (with the page's other filters) and which shown items they saw."""
    reader: str | None
    visit: Visit | None = None
    edges: dict[str, Boundary] = field(default_factory=dict)      # new, digest
    counts: dict[str, int] = field(default_factory=dict)          # view -> stories
    seen: set[int] = field(default_factory=set)
    view: str = "all"

    @property
    def edge(self) -> Boundary | None:
        return self.edges.get(self.view)


class Visits:
    """The visits seen lately, per reader: (visit, when last written to the database)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: dict[str, tuple[Visit, datetime]] = {}

    def touch(self, store: Store, reader: str, *, fresh: bool, gap: timedelta, now: datetime) -> Visit:
        with self._lock:
            known = self._known.get(reader)
        if known is not None and not fresh and now - known[1] < min(TOUCH_EVERY, gap / 2):
            return known[0]
        visit = store.visit(reader, gap, fresh=fresh, now=now)
        with self._lock:
            if len(self._known) > 10_000:
                self._known.clear()
            self._known[reader] = (visit, now)
        return visit

    def forget(self, reader: str) -> None:
        with self._lock:
            self._known.pop(reader, None)


def reader_of(request: Request, *, create: bool = True) -> str | None:
    """The reader behind this request; with login off, a browser id is created (`create`) when missing."""
    web = request.app.state.web
    if web.auth.enabled:
        user = request.session.get("user")
        return f"user:{user}" if user else None
    browser = request.session.get(BROWSER_KEY)
    if not browser and create:
        browser = request.session[BROWSER_KEY] = secrets.token_urlsafe(12)
        request.state.new_browser = True
    return f"browser:{browser}" if browser else None


def touch(web: Web, request: Request, reader: str | None, now: datetime | None = None) -> Visit | None:
    """Record that the reader is active (a page view); their visit, None without a reader."""
    if reader is None:
        return None
    now = now or utcnow()
    if getattr(request.state, "new_browser", False):
        # Its first request: nothing is written until the browser comes back with the cookie, so
        # clients that keep no cookies (scripts, link checkers) leave no readers behind.
        return Visit(started=now, previous=None)
    fresh = bool(request.session.pop(FRESH_KEY, False))
    return web.visits.touch(web.store, reader, fresh=fresh, gap=web.visit_gap, now=now)


def boundary(web: Web, view: str, visit: Visit | None, now: datetime | None = None,
             team: int | None = None) -> Boundary | None:
    """Where `view` begins for a reader on `visit` (None for the whole archive)."""
    now = now or utcnow()
    if view == "new":
        if visit is None:
            raise BadParameter("view", view, "new needs a signed-in person (or, without login, the browser "
                                             "that visited the archive)")
        if visit.previous is None:
            return Boundary(view, visit.started - FIRST_VISIT_WINDOW, first=True)
        return Boundary(view, visit.previous, first=False)
    if view == "digest":
        last = web.store.last_digest_at(web.team_config(team).settings.digest.notify, team_id=team)
        return Boundary(view, last, first=False) if last else Boundary(view, now - FIRST_VISIT_WINDOW, first=True)
    return None


def apply_view(f: Filters, edge: Boundary | None) -> Filters:
    """The filters with the view's boundary in force."""
    f.arrived_after = edge.since if edge else None
    return f


def machine_view(request: Request, f: Filters) -> Filters:
    """`view=` for /api/items, the feed and the exports: the same boundary as the archive page shows,
    read without counting the request as a visit (a script reading the API is not the person)."""
    if f.view_name == "all":
        return f
    web = request.app.state.web
    reader = reader_of(request, create=False)
    visit = web.store.current_visit(reader) if reader else None
    return apply_view(f, boundary(web, f.view_name, visit, team=f.team_id))


def prepare(web: Web, request: Request, f: Filters, reader: str | None) -> Daily:
    """Before the archive page: the remembered view and "tagged only" fill in what the URL does not
    say (the page then redirects to the URL that says it), what the URL says is remembered, the
    visit is recorded, and the view's boundary is put into `f`."""
    store = web.store
    visit = touch(web, request, reader)          # first: a new reader's first visit has no previous one
    prefs = store.preferences(reader) if reader else Preferences()
    said_view, said_tagged = bool(request.query_params.get("view")), bool(request.query_params.get("tagged"))
    if not said_view and prefs.view and prefs.view != "all" and prefs.view in VIEWS:
        f.view = prefs.view
    if not said_tagged and prefs.tagged_only:
        f.tagged = "1"
    if reader and not getattr(request.state, "new_browser", False):
        # What the URL says (and could be read) is the new choice.
        view = f.view_name if f.view and f.view_name != (prefs.view or "all") else None
        tagged = f.tagged_only if f.tagged and f.tagged_only != prefs.tagged_only else None
        if view is not None or tagged is not None:
            store.remember(reader, view=view, tagged_only=tagged)
    daily = Daily(reader=reader, visit=visit)
    for view in ("new", "digest"):
        if view == "digest" or visit is not None:
            edge = boundary(web, view, visit, team=f.team_id)
            if edge is not None:
                daily.edges[view] = edge
    if f.view_name not in ("all", *daily.edges):
        f.errors.append(BadParameter("view", f.view))
        f.view = ""
    daily.view = f.view_name
    apply_view(f, daily.edge)
    return daily


def finish(web: Web, daily: Daily, f: Filters, stories: int, shown: list[int]) -> None:
    """After the page is read: the other views' story counts (same filters) and what the reader saw.

    The whole archive's count is shown only on its own tab: it is the one count that reads every
    item, and on the new and digest views what matters is how much is waiting there."""
    daily.counts[daily.view] = stories
    queries = {}
    for view in daily.edges:
        if view != daily.view:
            edge = daily.edges.get(view)
            other = dataclasses.replace(f, view=view, arrived_after=edge.since if edge else None)
            queries[view] = other.query()
    known = {view: web.counts.get(q) for view, q in queries.items()}      # a visit's tabs: the same each time
    for view, counted in web.store.view_counts(queries, known).items():
        web.counts.put(queries[view], counted, known[view])
        daily.counts[view] = counted.stories
    daily.seen = web.store.seen_among(daily.reader, shown) if daily.reader and shown else set()
