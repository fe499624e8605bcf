"""kind: listpage — a changelog or newsroom without a feed, read with selectors from feeds.yaml.

    selectors:
      item: "article.post"          # one match per entry (CSS, or XPath: '//…' or 'xpath:…')
      title: "h2"                   # inside the item; elements give their text, ::text/@attr give strings
      link: "a::attr(href)"         # optional: default the first link in the item
      date: "time"                  # optional: <time datetime>, else text (ISO, RFC 2822, EN/DE month names)
      summary: ".teaser"            # optional

Inside an item, XPath that starts with '/' is read relative to the item ('//a' means
'.//a'), the mistake everyone makes once. The helpers below (dates, text, links) are
shared with the dedicated changelog spiders.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit, urlunsplit

from parsel import Selector, SelectorList
from scrapy.http import Response, TextResponse

from monitor.item import Item
from monitor.watch.text import clean_title, html_to_text, sanitize_html
from monitor.watch.urls import canonical_url
from spiders.base import SourceError, SourceSpec, SourceSpider

_MONTHS = {"jan": 1, "january": 1, "januar": 1, "jän": 1, "jänner": 1, "feb": 2, "february": 2, "februar": 2,
           "mar": 3, "march": 3, "mär": 3, "märz": 3, "maerz": 3, "apr": 4, "april": 4, "may": 5, "mai": 5,
           "jun": 6, "june": 6, "juni": 6, "jul": 7, "july": 7, "juli": 7, "aug": 8, "august": 8,
           "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "okt": 10, "oktober": 10,
           "nov": 11, "november": 11, "dec": 12, "december": 12, "dez": 12, "dezember": 12}
_MONTH = r"(?P<month>[A-Za-zÄäÖöÜü]{3,9})\.?"
_PATTERNS = [re.compile(p, re.I) for p in (
    r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?:[T ](?P<time>\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?)"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?)?",
    r"(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})",
    r"\b(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})\b",
    rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\.?\s+{_MONTH}\s+(?P<y>\d{{4}})\b",
    rf"\b{_MONTH}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})\b",
)]
_MONTH_ONLY = re.compile(rf"\b{_MONTH}\s+(?P<y>\d{{4}})\b", re.I)
_WORDS = 14


def parse_date(text: str | None, month_only: bool = False) -> datetime | None:
    """The first date in `text` as aware UTC (midnight when no time is given); None when there is none.

    `month_only` also accepts 'March 2024' (the first of the month), as monthly changelogs head their sections.
    """
    if not text:
        return None
    text = " ".join(text.split())
    try:
        stamp = parsedate_to_datetime(text)   # RFC 2822, as in HTTP and mail headers
        return stamp.astimezone(UTC) if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    except (TypeError, ValueError, IndexError):
        pass
    found = [m for pattern in _PATTERNS + ([_MONTH_ONLY] if month_only else []) for m in pattern.finditer(text)]
    for m in sorted(found, key=lambda m: (m.start(), -len(m.group(0)))):
        when = _from_match(m)
        if when:
            return when
    return None


def _from_match(m: re.Match) -> datetime | None:
    parts = m.groupdict()
    month = int(parts["m"]) if parts.get("m") else _MONTHS.get((parts.get("month") or "").lower())
    if not month:
        return None
    try:
        if parts.get("time"):
            iso = f"{parts['y']}-{month:02d}-{int(parts['d']):02d}T{parts['time']}{parts.get('tz') or ''}"
            when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
            return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
        return datetime(int(parts["y"]), month, int(parts.get("d") or 1), tzinfo=UTC)
    except ValueError:
        return None


def slug(text: str) -> str:
    return re.sub(r"[^\w]+", "-", text.lower()).strip("-")[:80]


def fold(text: str) -> str:
    return " ".join(text.split())


def first_words(text: str, words: int = _WORDS) -> str:
    """A title for entries that have none: the first sentence, at most `words` words."""
    sentence = re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0]
    parts = sentence.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def text_of(selection: SelectorList | Selector) -> str:
    """Readable text of a selection: strings as they are, elements without their scripts and styles."""
    selectors = selection if isinstance(selection, SelectorList) else [selection]
    parts = []
    for sel in selectors:
        if isinstance(sel.root, str):
            parts.append(sel.root)
        else:
            parts.extend(sel.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]").getall())
    return fold(" ".join(parts))


def select(node: Selector, expr: str | None, relative: bool = True) -> SelectorList:
    if not expr:
        return SelectorList([])
    if expr.startswith(("xpath:", "/", "./", "(")):
        xpath = expr.removeprefix("xpath:").strip()
        if relative and xpath.startswith("/"):
            xpath = "." + xpath
        return node.xpath(xpath)
    return node.css(expr)


_BLOCKS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "blockquote", "table", "dt", "dd")
_INSIDE = ("p", "li", "pre", "blockquote", "table", "dd", "nav", "header", "footer", "aside", "script", "style")
_BLOCK_XPATH = (".//*[" + " or ".join(f"self::{t}" for t in _BLOCKS) + "][not("
                + " or ".join(f"ancestor::{t}" for t in _INSIDE) + ")]")


def blocks(root: Selector) -> list[tuple[str, Selector]]:
    """Headings and outermost text blocks under `root`, in document order, as (tag, selector)."""
    return [(sel.root.tag.lower(), sel) for sel in root.xpath(_BLOCK_XPATH) if isinstance(sel.root.tag, str)]


@dataclass
class Entry:
    """One changelog entry gathered from a run of blocks: a heading, then its body."""
    title: str
    key: str                       # unique within the page: the guid's fragment
    anchor: str = ""               # an id that exists on the page, for the link
    published: datetime | None = None
    parts: list[str] = field(default_factory=list)

    def add(self, block: Selector) -> None:
        self.parts.append(block.get())

    def item(self, spec: SourceSpec, page_url: str) -> Item:
        body = "".join(self.parts)
        url = f"{page_url}#{self.anchor}" if self.anchor else page_url
        return Item(source=spec.name, title=clean_title(self.title), url=url, summary=html_to_text(body),
                    content_html=sanitize_html(body), published=self.published, guid=f"{page_url}#{self.key}",
                    lang=spec.language, platforms=list(spec.platforms),
                    canonical_url=f"{canonical_url(page_url)}#{self.key}")


def page_url(response: Response, drop_query: bool = False) -> str:
    """The page's address without fragment (and query), the base of every entry's link and guid."""
    parts = urlsplit(response.url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "" if drop_query else parts.query, ""))


def html_response(response: Response) -> TextResponse:
    if not isinstance(response, TextResponse):
        kind = (response.headers.get("Content-Type") or b"unknown").decode("latin-1")
        raise SourceError(f"the answer is not a web page ({kind})")
    return response


class ListPageSpider(SourceSpider):
    name = "listpage"

    def parse_source(self, response: Response, spec: SourceSpec) -> Iterable[Item]:
        return parse_list(html_response(response), spec)


def parse_list(response: TextResponse, spec: SourceSpec) -> list[Item]:
    chosen = spec.options.get("selectors") or {}
    if not chosen.get("item") or not chosen.get("title"):
        raise SourceError("kind listpage needs `selectors:` with item and title in feeds.yaml")
    entries = select(response.selector, chosen["item"], relative=False)
    if not entries:
        raise SourceError(f"the item selector {chosen['item']!r} matched nothing; the page layout may have changed")
    items = [_entry(entry, chosen, response, spec) for entry in entries]
    found = [it for it in items if it]
    if not found:
        raise SourceError(f"no entry had a title with {chosen['title']!r}; the page layout may have changed")
    return found


def _entry(entry: Selector, chosen: dict, response: TextResponse, spec: SourceSpec) -> Item | None:
    title = clean_title(text_of(select(entry, chosen["title"])))
    if not title:
        return None
    href = _link(entry, chosen.get("link"))
    url = response.urljoin(href) if href else response.url
    summary_sel = select(entry, chosen.get("summary"))
    body = "".join(s.get() for s in summary_sel)
    key = None if href else f"#{slug(title)}"    # no link: the title tells entries apart
    return Item(source=spec.name, title=title, url=url,
                summary=html_to_text(body) if body else "", content_html=sanitize_html(body),
                published=_date(entry, chosen.get("date")), guid=f"{url}{key}" if key else None,
                lang=spec.language, platforms=list(spec.platforms), canonical_url=canonical_url(url) + (key or ""))


def _link(entry: Selector, expr: str | None) -> str | None:
    found = select(entry, expr) if expr else entry.xpath("self::a[@href] | .//a[@href]")[:1]
    for sel in found:
        if isinstance(sel.root, str):
            return sel.root.strip() or None
        href = sel.xpath("@href").get() or sel.xpath(".//a/@href").get()
        if href:
            return href.strip()
    return None


def _date(entry: Selector, expr: str | None) -> datetime | None:
    if not expr:
        return None
    for sel in select(entry, expr):
        if isinstance(sel.root, str):
            when = parse_date(sel.root)
        else:
            when = parse_date(sel.xpath("@datetime").get() or sel.xpath("@content").get()) \
                or parse_date(sel.xpath(".//time/@datetime").get()) or parse_date(text_of(sel))
        if when:
            return when
    return None
