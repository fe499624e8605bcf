"""Query parameters <-> archive filters, and the shareable URLs that carry them.

One parser serves `/`, `/api/items`, `/feed.xml` and the exports, so a filtered view
means the same everywhere and its URL can be pasted into a chat or a feed reader.
"""

from __future__ import annotations

import base64
import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from starlette.datastructures import QueryParams

from classifiers.labels import CATEGORIES, TAGS
from monitor.durations import parse_duration
from monitor.store import ItemQuery
from monitor.store.paging import Key
from monitor.web.ids import whole_number

PER_PAGE = 50
ORDERS = ("newest", "relevance")
SCOPES = ("team", "all")         # team: the team's platforms and items naming none (settings.platforms)
# all: the whole archive; new: what arrived since the reader's last visit; digest: since the last digest went out.
VIEWS = ("all", "new", "digest")
# URL parameter -> Filters attribute, for the parameters that may repeat.
MULTI = {"tag": "tags", "platform": "platforms", "source": "sources", "category": "categories"}
_ALIASES = {"twitter": "x"}
# Parameters whose values are a fixed vocabulary (platforms are not: a source may carry its own).
KNOWN: dict[str, tuple[str, ...]] = {"tag": TAGS, "category": CATEGORIES}
_DE_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


class BadParameter(ValueError):
    """A query parameter that cannot be read; `name` and `value` say which, `hint` what would do."""

    def __init__(self, name: str, value: str, hint: str = ""):
        super().__init__(f"{name}={value!r} cannot be read" + (f": {hint}" if hint else ""))
        self.name, self.value, self.hint = name, value, hint


@dataclass
class Filters:
    q: str = ""
    tags: list[str] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    lang: str = ""
    since: str = ""              # as written in the URL: 7d, 24h, 2026-01-31
    until: str = ""
    order: str = "newest"
    page: int = 1
    scope: str = ""              # as written in the URL: team | all | '' (the default)
    view: str = ""               # as written in the URL: all | new | digest | '' (all)
    tagged: str = ""             # as written in the URL: 1 (tagged items only) | 0 | '' (not said)
    arrived_after: datetime | None = None    # the view's boundary, filled in by monitor.web.views
    since_at: datetime | None = None
    until_at: datetime | None = None
    errors: list[BadParameter] = field(default_factory=list)
    team: list[str] = field(default_factory=list)    # settings.platforms
    team_default: bool = False                        # no `scope` means team (settings.hide_other_platforms)
    team_id: int | None = None       # the team reading (monitor/web/teams.py), never from the URL

    # ------------------------------------------------------------------ store
    def query(self, limit: int | None = None, offset: int = 0) -> ItemQuery:
        return ItemQuery(tags=list(self.tags), platforms=list(self.platforms), sources=list(self.sources),
                         categories=list(self.categories), lang=self.lang or None, since=self.since_at,
                         until=self.until_at, q=self.q or None, order=self.order, limit=limit, offset=offset,
                         platform_scope=list(self.team) if self.team_only else None,
                         arrived_after=self.arrived_after, tagged_only=self.tagged_only, team_id=self.team_id)

    @property
    def view_name(self) -> str:
        return self.view or "all"

    @property
    def tagged_only(self) -> bool:
        return self.tagged == "1"

    @property
    def team_only(self) -> bool:
        """Only the team's platforms (and items naming none)? Never when platforms are picked by hand."""
        wanted = self.scope == "team" or (self.scope == "" and self.team_default)
        return bool(self.team) and wanted and not self.platforms

    def for_machines(self) -> Filters:
        """The same view for /api/items, /feed.xml and the exports, whose default is every platform."""
        return dataclasses.replace(self, scope="team") if self.team_only and not self.scope else self

    def page_query(self) -> ItemQuery:
        return self.query(limit=PER_PAGE, offset=(self.page - 1) * PER_PAGE)

    # ------------------------------------------------------------------ URLs
    def pairs(self) -> list[tuple[str, str]]:
        """The filter state as query parameters, always in the same order."""
        out: list[tuple[str, str]] = [("q", self.q)] if self.q else []
        for key, attr in MULTI.items():
            out += [(key, v) for v in getattr(self, attr)]
        out += [(key, getattr(self, key)) for key in ("lang", "since", "until", "scope", "view", "tagged")
                if getattr(self, key)]
        if self.order != "newest":
            out.append(("order", self.order))
        if self.page > 1:
            out.append(("page", str(self.page)))
        return out

    def url(self, path: str = "/", **extra: str | int | None) -> str:
        pairs = self.pairs() + [(k, str(v)) for k, v in extra.items() if v not in (None, "")]
        return path + ("?" + urlencode(pairs) if pairs else "")

    def replace(self, **changes: Any) -> Filters:
        """A copy with some filters changed; back to the first page unless a page is given."""
        changes.setdefault("page", 1)
        return dataclasses.replace(self, **changes)

    def adding(self, key: str, value: str) -> Filters:
        attr = MULTI[key]
        values = getattr(self, attr)
        return self.replace(**{attr: values if value in values else [*values, value]})

    def removing(self, key: str, value: str | None = None) -> Filters:
        if key in MULTI:
            return self.replace(**{MULTI[key]: [v for v in getattr(self, MULTI[key]) if v != value]})
        if key == "since":
            return self.replace(since="", since_at=None)
        if key == "until":
            return self.replace(until="", until_at=None)
        if key == "scope":
            return self.replace(scope="all" if self.team_default else "")
        return self.replace(**{key: ""})

    def at_page(self, page: int) -> Filters:
        return dataclasses.replace(self, page=page)

    @property
    def active(self) -> list[tuple[str, str]]:
        """(parameter, value) of every filter in force, for the removable chips."""
        chips = [(k, v) for k, v in self.pairs() if k not in ("page", "order", "scope", "view", "tagged")]
        return chips + ([("scope", "team")] if self.team_only else [])

    @property
    def since_is_date(self) -> bool:
        return bool(self.since) and _looks_like_date(self.since)

    @property
    def since_day(self) -> str:
        """The `since` day as YYYY-MM-DD for a date field, when `since` is a day."""
        return self.since_at.date().isoformat() if self.since_is_date and self.since_at else ""

    @property
    def until_day(self) -> str:
        """The last day included, when `until` is a day."""
        if self.until and _looks_like_date(self.until) and self.until_at:
            return (self.until_at - timedelta(days=1)).date().isoformat()
        return ""


# ---------------------------------------------------------------------- parsing

def parse_filters(params: QueryParams, tz: ZoneInfo, now: datetime, team: list[str] | None = None,
                  team_default: bool = False) -> Filters:
    """Read filters from a (multi-)mapping of query parameters; bad values are collected, not raised.

    `team` (settings.platforms) makes `scope=team` possible; `team_default` makes it the
    default when no `scope` is given (the archive with settings.hide_other_platforms)."""
    f = Filters(q=_search_words(_one(params, "q")[:300]), lang=_one(params, "lang").lower()[:8], team=list(team or []),
                team_default=team_default and bool(team))
    for key, attr in MULTI.items():
        values = _many(params, key, split=key != "source")   # source names may contain commas
        if key != "source":
            values = _unique(_ALIASES.get(v.lower(), v.lower()) for v in values)
        known = KNOWN.get(key)
        if known is not None:        # a tag or category no item can have: said, not shown as a filter chip
            f.errors += [BadParameter(key, v[:60], ", ".join(known)) for v in values if v not in known]
            values = [v for v in values if v in known]
        setattr(f, attr, values)
    f.order = _one(params, "order") or "newest"
    if f.order not in ORDERS:
        f.errors.append(BadParameter("order", f.order))
        f.order = "newest"
    f.page = _positive(params, "page", f.errors) or 1
    f.scope = _one(params, "scope").lower()
    if f.scope not in ("", *SCOPES):
        f.errors.append(BadParameter("scope", f.scope))
        f.scope = ""
    f.view = _one(params, "view").lower()
    if f.view not in ("", *VIEWS):
        f.errors.append(BadParameter("view", f.view, "all, new or digest"))
        f.view = ""
    f.tagged = _one(params, "tagged").lower()
    if f.tagged not in ("", "0", "1"):
        f.errors.append(BadParameter("tagged", f.tagged, "1 (tagged items only) or 0"))
        f.tagged = ""
    since = _one(params, "from") or _one(params, "since")
    if since:
        try:
            f.since, f.since_at = since, parse_when(since, tz, now, end=False)
        except BadParameter as e:
            f.errors.append(e)
    until = _one(params, "until")
    if until:
        try:
            f.until, f.until_at = until, parse_when(until, tz, now, end=True)
        except BadParameter as e:
            f.errors.append(e)
    return f


def parse_when(value: str, tz: ZoneInfo, now: datetime, *, end: bool) -> datetime:
    """`24h`/`7d` (that long ago), `2026-01-31` or `31.01.2026` (a local day; `end` means its end),
    or an ISO date-time. Returns an aware datetime between `EARLIEST` and `LATEST`: a moment
    outside them ("1000000d", "9999-12-31") is a BadParameter, where it overflowed Python's
    dates or the database's and answered 500."""
    raw = value.strip()
    name = "until" if end else "since"
    try:
        moment = _moment(raw, tz, now, end)
    except (ValueError, OverflowError):
        raise BadParameter(name, value) from None
    if not EARLIEST <= moment <= LATEST:
        raise BadParameter(name, value, f"a date from {EARLIEST.year} to {LATEST.year - 1}")
    return moment


EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def _moment(raw: str, tz: ZoneInfo, now: datetime, end: bool) -> datetime:
    day = _date(raw)
    if day is not None:
        return datetime.combine(day + timedelta(days=1) if end else day, time(0), tz)
    try:
        return now - parse_duration(raw)
    except ValueError:
        pass
    moment = datetime.fromisoformat(raw)
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def parse_limit(params: QueryParams, name: str, default: int | None = None, maximum: int | None = None,
                minimum: int = 0, hint: str = "") -> int | None:
    """An optional whole-number parameter such as `limit` or `offset`, within [minimum, maximum];
    `hint` says what would do when it is not."""
    raw = _one(params, name)
    if not raw:
        return default
    top = LARGEST if maximum is None else maximum
    if not _is_number(raw) or int(raw) < minimum or int(raw) > top:
        bounds = f"from {minimum} to {top:,}"
        raise BadParameter(name, raw, hint or f"{name} takes a whole number {bounds}")
    return int(raw)


# No count, offset or id here is larger (the database's integers stop at 2**63 - 1; a larger one
# overflowed there and answered 500, or broke an export's stream after its first line).
LARGEST = 10**15


def _is_number(raw: str) -> bool:
    """Digits 0-9 only, at most 16 of them (`ids.whole_number`)."""
    return whole_number(raw, 16) is not None


# ---------------------------------------------------------------------- cursors

def encode_cursor(key: Key, order: str) -> str:
    """The opaque `cursor` of a next-page link: where the page ended, in which order."""
    parts = [order[:1], key.when.astimezone(UTC).isoformat(), str(key.id)]
    if key.score is not None:
        parts.append(repr(key.score))
    return base64.urlsafe_b64encode("|".join(parts).encode()).decode().rstrip("=")


def parse_cursor(params: QueryParams, order: str) -> Key | None:
    """The `cursor` parameter as a store key; a cursor that is damaged, or was made for another
    order, is a BadParameter (a client should follow the Link header, not build cursors)."""
    raw = _one(params, "cursor")
    if not raw:
        return None
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        kind, when, iid, *score = text.split("|")
        if kind != order[:1] or len(score) != (1 if order == "relevance" else 0):
            raise ValueError(kind)
        moment = datetime.fromisoformat(when)
        if moment.tzinfo is None or not EARLIEST <= moment <= LATEST or not _is_number(iid):
            raise ValueError(when)
        return Key(when=moment, id=int(iid), score=float(score[0]) if score else None)
    except (ValueError, UnicodeDecodeError, OverflowError):
        raise BadParameter("cursor", raw[:40], "take the next page's URL from the Link header as it is, "
                                              "with the same filters and order") from None


def _date(raw: str) -> date | None:
    m = _DE_DATE.match(raw)
    try:
        if m:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            return date.fromisoformat(raw)
    except ValueError:
        return None
    return None


def _looks_like_date(raw: str) -> bool:
    return _date(raw.strip()) is not None


def _search_words(raw: str) -> str:
    """The search as typed, without control characters (a NUL split "a\\0b" into two words); a
    search with no word in it ("!!") is none, rather than a chip over an unfiltered list."""
    text = "".join(c if c.isprintable() else " " if c.isspace() else "" for c in raw).strip()
    return text if re.search(r"\w", text) else ""


def _one(params: QueryParams, key: str) -> str:
    return (params.get(key) or "").strip()


def _many(params: QueryParams, key: str, split: bool = True) -> list[str]:
    values = params.getlist(key)
    parts = (part for v in values for part in (v.split(",") if split else [v]))
    return _unique(p.strip() for p in parts if p.strip())


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _positive(params: QueryParams, key: str, errors: list[BadParameter]) -> int | None:
    raw = _one(params, key)
    if not raw:
        return None
    if not _is_number(raw) or int(raw) < 1:
        errors.append(BadParameter(key, raw))
        return None
    return min(int(raw), 100_000)
