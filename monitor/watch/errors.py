"""One table from what went wrong with a source to plain words.

When a fetch fails, or reads a feed only by repairing it, the crawl stores an English
sentence in the source's `last_error` (the contract's field; `monitor sources --format
json` shows it). Every such sentence is written here (`describe`) and read back here
(`explain`) into a kind and its details; `monitor/locale/errors.yaml` says each kind in
German and English, for `/sources` and the digest. Texts stored before this table and
raw library messages are recognised by the same patterns, so parser jargon ("junk after
document element") never reaches a person.

When (nearly) every source fails because the network is down, one line says so instead
of one line per source (`outage`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING

if TYPE_CHECKING:       # the crawl processes import this module; they need no Babel
    from monitor.i18n import Translator


@dataclass(frozen=True)
class Kind:
    key: str               # `errors.<key>` in monitor/locale/errors.yaml
    sentence: str          # what `describe` stores, English, with {details}
    pattern: str           # recognises stored texts of this kind (named groups give details)
    network: bool = False  # the site was not reached at all: counts towards an outage


# First match wins: HTTP statuses before words that their reason phrases contain ("Gateway
# Timeout"), entity refusals before "refused", a redirect to another scheme before loops.
KINDS: tuple[Kind, ...] = (
    Kind("http", "HTTP {status} {phrase}", r"^HTTP (?P<status>[1-5]\d\d)\b"),
    Kind("entities", "the feed declares XML entities; refused (entity-expansion attacks)", r"declares (xml )?entities"),
    Kind("redirect_scheme", "the address redirects to {target}, which is not a web address",
         r"redirects to (?P<target>.+), which is not a web address"),
    Kind("redirect_loop", "the address redirects in a loop or through too many steps", r"redirect"),
    Kind("dns", "the host name could not be resolved (DNS)",
         r"\bdns\b|resolv|name or service not known|getaddrinfo|nodename nor servname|no address associated",
         network=True),
    Kind("refused", "connection refused: nothing is listening at that address", r"refused", network=True),
    Kind("timeout", "no complete answer in time (timeout)", r"time[ds]?[ -]?out|took longer than", network=True),
    Kind("unreachable", "the network or the host cannot be reached", r"unreachable|cannot be reached|no route to host",
         network=True),
    Kind("tls", "the secure connection (TLS) failed", r"\b(ssl|tls|certificate|handshake)\b|wrong version number"),
    Kind("reset", "the connection broke off before the answer was complete",
         r"broke off|connection (was )?(lost|reset|closed)|data ?loss|connection ?(lost|done)"),
    Kind("too_big", "the answer is too large (over the size limit)", r"too large|larger than|max ?size|size limit"),
    Kind("empty", "the server sent an empty answer instead of a feed", r"empty answer"),
    Kind("moved_page", "the address returns a web page saying the feed has moved to {target}",
         r"saying the feed has moved to (?P<target>\S+)"),
    Kind("select_missed", "select {select} matched nothing readable on the page (the layout may have changed); "
         "the whole page was read instead", r"select (?P<select>.+) matched nothing readable"),
    Kind("long_page", "the page's text is longer than {limit} characters; only its beginning is watched (name "
         "the part that matters with `select:`)", r"longer than (?P<limit>[\d,.]+) characters; only its beginning"),
    Kind("blocked", "the site answered with an access-denied, bot-check, cookie or maintenance page instead of "
         "the page; it is compared again next time", r"instead of the page"),
    Kind("html_page", "the address returns a web page (HTML), not a feed", r"web page|\(html\)"),
    Kind("damaged_partly", "the feed is damaged at line {line}; {items} read",
         r"damaged at line (?P<line>\d+); (?P<items>\d+) items? read"),
    Kind("damaged", "the feed is damaged at line {line}; no item could be read",
         r"damaged at line (?P<line>\d+)|:(?P<line_>\d+):\d+: |line (?P<line__>\d+) column"),
    Kind("long_list", "the feed lists {listed} entries; the first {kept} were read",
         r"the feed lists (?P<listed>\d+) entries; the first (?P<kept>\d+) were read"),
    Kind("wrong_encoding", "the feed declares {declared} but is written in {actual}; read as {actual}",
         r"declares (?P<declared>.+) but is written in (?P<actual>\S+?);"),
    Kind("not_feed", "the answer is not a feed (neither RSS, Atom nor JSON Feed)",
         r"not a (readable )?feed|not a json feed|unknown format"),
    Kind("crash", "could not read the answer ({detail})", r"could not read the (response|answer)"),
)
BY_KEY = {kind.key: kind for kind in KINDS}
_PATTERNS = [(kind, re.compile(kind.pattern, re.I)) for kind in KINDS]
# HTTP statuses with words of their own; other 5xx are "server", other 4xx "http".
STATUS_KEYS = {401: "login", 403: "forbidden", 404: "gone", 410: "removed", 429: "rate_limited"}
NETWORK = frozenset(kind.key for kind in KINDS if kind.network)
OUTAGE_SHARE = 0.9        # "nearly all" sources failing with network errors is an outage
DETAIL_CHARS = 160


@dataclass(frozen=True)
class Problem:
    key: str
    details: dict = field(default_factory=dict)

    @property
    def network(self) -> bool:
        return self.key in NETWORK


def describe(key: str, **details: object) -> str:
    """The English sentence stored for a kind of failure (see KINDS)."""
    if key == "http":
        status = int(details["status"])  # type: ignore[call-overload]
        details.setdefault("phrase", _phrase(status))
        return BY_KEY["http"].sentence.format(**details).strip()
    if key == "damaged_partly":
        items = int(details["items"])  # type: ignore[call-overload]
        details["items"] = f"{items} item" if items == 1 else f"{items} items"
    return BY_KEY[key].sentence.format(**details)


def explain(text: str | None, status: int | None = None) -> Problem:
    """The kind of a stored error text (and the HTTP status of the last answer, if any)."""
    text = (text or "").strip()
    for kind, pattern in _PATTERNS:
        m = pattern.search(text)
        if m:
            details = {k.rstrip("_"): v for k, v in m.groupdict().items() if v is not None}
            if kind.key == "http":
                return _http(int(details["status"]))
            if kind.key == "crash":
                return Problem("crash")
            return Problem(kind.key, details)
    if status and status >= 400:
        return _http(status)
    return Problem("other", {"detail": _shorten(text) or "?"})


def words(t: Translator, text: str | None, status: int | None = None) -> str:
    """`explain` in the translator's language (a monitor.i18n.Translator)."""
    problem = explain(text, status)
    details = dict(problem.details)
    if "items" in details:
        return t.plural(f"errors.{problem.key}", int(details.pop("items")), **details)
    return t(f"errors.{problem.key}", **details)


@dataclass
class Health:
    """What `/sources` and the digest say about the sources, in one language."""
    outage: str | None = None                               # one line when the network is down
    problems: dict[str, str] = field(default_factory=dict)  # failing source -> its words ...
    unreachable: set[str] = field(default_factory=set)      # ... except these, during an outage
    notes: dict[str, str] = field(default_factory=dict)     # ok source read by repairing it -> words


def health_words(sources: Iterable[dict], t: Translator) -> Health:
    """Words for the contract's Source objects (`status`, `last_error`, `last_status`)."""
    sources = list(sources)
    failing = {s["name"]: explain(s.get("last_error"), s.get("last_status"))
               for s in sources if s.get("status") == "failing"}
    fetched = sum(1 for s in sources if s.get("status") != "new")
    down = outage(failing.values(), fetched)
    health = Health(outage=outage_words(t, down, fetched) if down else None)
    for source in sources:
        name = source["name"]
        if name in failing:
            if down and failing[name].network:
                health.unreachable.add(name)
            else:
                health.problems[name] = words(t, source.get("last_error"), source.get("last_status"))
        elif source.get("status") == "ok" and source.get("last_error"):
            health.notes[name] = words(t, source["last_error"])
    return health


def outage(problems: Iterable[Problem | None], total: int) -> int:
    """How many sources failed with network errors, when that is all or nearly all of
    `total` (at least two): then one line says "no source reachable"; else 0."""
    down = sum(1 for p in problems if p is not None and p.network)
    return down if down >= 2 and down >= OUTAGE_SHARE * total else 0


def outage_words(t: Translator, down: int, total: int) -> str:
    if down >= total:
        return t("errors.outage.all")
    return t("errors.outage.most", n=t.number(down), total=t.number(total))


def _http(status: int) -> Problem:
    key = STATUS_KEYS.get(status) or ("server" if status >= 500 else "http")
    return Problem(key, {"status": str(status)})


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= DETAIL_CHARS else text[:DETAIL_CHARS - 1].rsplit(" ", 1)[0] + "…"
