"""kind: feed — RSS, Atom, RDF and JSON Feed bodies handed to feedparser.

feedparser is told not to sanitise or resolve URIs itself: we sanitise once with an
allow-list (monitor.watch.text), and skipping its own passes roughly halves parse time.
Entity declarations are refused before parsing (a DOCTYPE on the same line as
`<?xml?>` gets past feedparser's own stripping: billion-laughs territory).
"""

from __future__ import annotations

import calendar
import json
import re
import time
import warnings
from collections.abc import Iterable
from datetime import UTC, datetime

import feedparser
from feedparser import FeedParserDict
from scrapy.http import Response

from monitor.item import Item
from monitor.watch.text import clean_title, html_to_text, sanitize_html
from monitor.watch.urls import canonical_url
from spiders.base import SourceError, SourceSpec, SourceSpider

_ENTITY_DECL = re.compile(rb"<!ENTITY", re.I)
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*(<!doctype\s+html|<html)", re.I | re.S)
_TITLE_WORDS = 12
# feedparser warns on every entry that has `updated` but no `published` (its issue 310).
warnings.filterwarnings("ignore", category=DeprecationWarning, module="feedparser")


class FeedSpider(SourceSpider):
    name = "feed"

    def parse_source(self, response: Response, spec: SourceSpec) -> Iterable[Item]:
        return parse_feed(response.body, spec, headers=_headers(response), base_url=response.url)


def _headers(response: Response) -> dict[str, str]:
    wanted = ("content-type", "content-location", "content-language")
    return {k.decode("latin-1").lower(): v[0].decode("latin-1")
            for k, v in response.headers.items() if k.decode("latin-1").lower() in wanted and v}


def parse_feed(body: bytes, spec: SourceSpec, headers: dict[str, str] | None = None,
               base_url: str | None = None) -> list[Item]:
    """Items of one feed body; SourceError with a plain reason when it is no usable feed."""
    if not body.strip():
        raise SourceError("the server sent an empty answer instead of a feed")
    if _ENTITY_DECL.search(body[:65536]):
        raise SourceError("the feed declares XML entities; refused (entity-expansion attacks)")
    if body.lstrip()[:1] == b"{":
        return _json_feed(body, spec)
    parsed = feedparser.parse(body, response_headers=headers or {}, sanitize_html=False,
                              resolve_relative_uris=False)
    if not parsed.entries and not parsed.get("version"):
        if _HTML_START.match(body[:4096]):
            raise SourceError("the address returns a web page (HTML), not a feed; look for the page's RSS link")
        reason = parsed.get("bozo_exception")
        raise SourceError(f"not a readable feed ({reason or 'unknown format'})")
    lang = spec.language or _lang(parsed.feed.get("language"))
    return [it for it in (_entry_item(e, spec, lang, base_url) for e in parsed.entries) if it]


def _lang(value: str | None) -> str | None:
    if not value:
        return None
    code = value.strip().lower()[:2]
    return code if code.isalpha() else None


def _entry_item(entry: FeedParserDict, spec: SourceSpec, lang: str | None, base_url: str | None) -> Item | None:
    body_html = _body(entry)
    summary = html_to_text(body_html)
    title = clean_title(entry.get("title")) or _title_from(summary)
    link = entry.get("link") or _first_link(entry) or ""
    if not title and not link:
        return None
    url = link if link.startswith(("http://", "https://")) else (base_url or spec.url)
    published = _date(entry.get("published_parsed") or entry.get("updated_parsed"))
    return Item(source=spec.name, title=title or url, url=url, summary=summary,
                content_html=sanitize_html(body_html), published=published,
                guid=(entry.get("id") or None), lang=_lang(entry.get("language")) or lang,
                platforms=list(spec.platforms), canonical_url=canonical_url(url))


def _body(entry: FeedParserDict) -> str:
    contents = entry.get("content") or []
    richest = max((c.get("value", "") for c in contents), key=len, default="")
    summary = entry.get("summary", "") or ""
    if not richest and not summary:
        media = entry.get("media_description") or ""   # YouTube: the text lives here
        return media
    return richest if len(richest) > len(summary) else summary


def _first_link(entry: FeedParserDict) -> str | None:
    for link in entry.get("links", []):
        if link.get("href") and link.get("rel", "alternate") == "alternate":
            return link["href"]
    return None


def _title_from(summary: str) -> str:
    """Mastodon and Bluesky posts have no titles: the first words stand in."""
    words = summary.split()
    if not words:
        return ""
    return " ".join(words[:_TITLE_WORDS]) + ("…" if len(words) > _TITLE_WORDS else "")


def _date(parsed: time.struct_time | None) -> datetime | None:
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    except (OverflowError, ValueError, TypeError):
        return None


def _json_feed(body: bytes, spec: SourceSpec) -> list[Item]:
    """JSON Feed 1.x (jsonfeed.org), which feedparser does not read."""
    try:
        data = json.loads(body, strict=False)   # real feeds carry raw control characters
    except ValueError as e:
        raise SourceError(f"the answer looks like JSON but is not valid ({e})") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise SourceError("the JSON answer is not a JSON Feed (no items list)")
    items = []
    for entry in data["items"]:
        if not isinstance(entry, dict):
            continue
        body_html = entry.get("content_html") or entry.get("summary") or entry.get("content_text") or ""
        summary = html_to_text(str(body_html))
        url = str(entry.get("url") or entry.get("external_url") or "")
        title = clean_title(str(entry.get("title") or "")) or _title_from(summary)
        if not (title or url):
            continue
        when = entry.get("date_published") or entry.get("date_modified")
        items.append(Item(source=spec.name, title=title or url, url=url or spec.url, summary=summary,
                          content_html=sanitize_html(str(body_html)), published=_iso(when),
                          guid=str(entry.get("id")) if entry.get("id") is not None else None,
                          lang=spec.language or _lang(data.get("language")), platforms=list(spec.platforms),
                          canonical_url=canonical_url(url)))
    return items


def _iso(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
