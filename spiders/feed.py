"""kind: feed — RSS, Atom, RDF and JSON Feed bodies handed to feedparser(-rs).

The bytes are decoded here first (monitor.watch.charset: BOM, declarations, a charset
detector for feeds that declare nothing), so the entity refusal sees the very text the
parser will read, whatever the encoding: a DOCTYPE with entity declarations is refused
(billion-laughs territory) in UTF-16 as in UTF-8. feedparser-rs then reads UTF-8 where it
reads it as feedparser would, feedparser elsewhere (spiders/fast_feed.py).

feedparser is told not to sanitise HTML or resolve links inside it: we sanitise once
with an allow-list (monitor.watch.text) and resolve those links after it, which roughly
halves parse time. Item links are resolved against `xml:base` and the document's
address after redirects; only http(s) links leave this module. A feed that parses only
with repairs stays ok, and says where it is damaged (`Feed.warning`).
"""

from __future__ import annotations

import calendar
import html
import json
import re
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin

from feedparser import FeedParserDict
from scrapy.http import Response

from monitor.item import Item
from monitor.watch.charset import Decoded, decode
from monitor.watch.errors import describe
from monitor.watch.text import (
    MAX_HTML_CHARS,
    absolute_links,
    clean_title,
    html_to_text,
    looks_like_markup,
    plain_text,
    plain_title,
    sanitize_html,
)
from monitor.watch.urls import canonical_url, resolve_link
from spiders import fast_feed
from spiders.base import SourceError, SourceSpec, SourceSpider
from spiders.categories import feed_categories

_XML_DECLARATION = re.compile(r"^(\s*)<\?xml[^>]*\?>")
_HTML_START = re.compile(r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
                         r"(?:<!doctype\s+html|<(?:html|head|body|title|meta|h1|p|div|center)\b)", re.I | re.S)
_FEED_ROOT = re.compile(r"<(?:[\w-]+:)?(?:rss|feed|RDF|channel)\b")
_MOVED = re.compile(r"<(title|h1)>[^<]*(\bmoved\b|\b30[1278]\b)", re.I)
_FIRST_HREF = re.compile(r"""<a\s[^>]*?href\s*=\s*["']?([^"'\s>]+)""", re.I)
_TITLE_WORDS = 12
# feedparser warns on every entry that has `updated` but no `published` (its issue 310).
warnings.filterwarnings("ignore", category=DeprecationWarning, module="feedparser")


class FeedSpider(SourceSpider):
    name = "feed"

    def parse_source(self, response: Response, spec: SourceSpec) -> Iterable[Item]:
        feed = read_feed(response.body, spec, headers=_headers(response), base_url=response.url)
        if feed.warning:
            self.note(spec, feed.warning)
        return feed.items


@dataclass
class Feed:
    items: list[Item]
    warning: str | None = None      # read only by repairing it: what and where (monitor.watch.errors)


def _headers(response: Response) -> dict[str, str]:
    wanted = ("content-type", "content-location", "content-language")
    return {k.decode("latin-1").lower(): v[0].decode("latin-1")
            for k, v in response.headers.items() if k.decode("latin-1").lower() in wanted and v}


def parse_feed(body: bytes, spec: SourceSpec, headers: dict[str, str] | None = None,
               base_url: str | None = None) -> list[Item]:
    """Items of one feed body; SourceError with a plain reason when it is no usable feed."""
    return read_feed(body, spec, headers, base_url).items


def read_feed(body: bytes, spec: SourceSpec, headers: dict[str, str] | None = None,
              base_url: str | None = None) -> Feed:
    """`parse_feed`, plus what had to be repaired to read it."""
    if not body.strip():
        raise SourceError(describe("empty"))
    headers = headers or {}
    base = _document_url(base_url or spec.url, headers.get("content-location"))
    decoded = decode(body, headers.get("content-type"), spec.language)
    if decoded.text.lstrip()[:1] == "{":
        return Feed(_json_feed(decoded.text, spec, base))
    if declares_entities(decoded.text):
        raise SourceError(describe("entities"))
    utf8, shifted = _as_utf8(decoded.text)
    parsed = fast_feed.parse(utf8, decoded.text, _parser_headers(headers, base, decoded.text))
    damage = _damaged_line(parsed, shifted)
    if not parsed.entries:
        _explain_no_entries(parsed, decoded.text, damage, headers.get("content-type", ""), base)
    lang = spec.language or _lang(parsed.feed.get("language"))
    atom = str(parsed.get("version", "")).startswith("atom")
    items = [it for it in (_entry_item(e, spec, lang, base, atom) for e in parsed.entries) if it]
    if damage is not None and not items:
        raise SourceError(describe("damaged", line=damage))
    return Feed(items, _repairs(damage, decoded, len(items)))


def declares_entities(text: str) -> bool:
    """A DOCTYPE followed by an entity declaration. Exact case, as the XML parser reads it
    (`<!doctype` or `<!entity` make the strict parser fail, and the lenient one expands
    nothing). Not parsed further: a quoted ">" in the DOCTYPE must not hide its subset."""
    doctype = text.find("<!DOCTYPE")
    return doctype >= 0 and text.find("<!ENTITY", doctype) >= 0


def _parser_headers(headers: dict[str, str], base: str, text: str) -> dict[str, str]:
    """What feedparser is told. The document's address only when the feed uses xml:base:
    given one, feedparser joins URLs at every element (a third more parse time), and without
    xml:base, links resolve against the document's address alone, which we do ourselves."""
    told = {"content-type": "application/xml; charset=utf-8",
            "content-language": headers.get("content-language", "")}
    if "xml:base" in text:
        told["content-location"] = base
    return told


def _document_url(url: str, content_location: str | None) -> str:
    """The base for relative links: the final URL after redirects, or its Content-Location."""
    if content_location:
        try:
            return urljoin(url, content_location.strip())
        except ValueError:
            pass
    return url


def _as_utf8(text: str) -> tuple[bytes, int]:
    """UTF-8 bytes with a declaration that says so; leading blank lines dropped (they make the
    strict parser fail), and how many lines that shifted, for reporting damage."""
    m = _XML_DECLARATION.match(text)
    if not m:
        return text.encode("utf-8"), 0
    shifted = m.group(1).count("\n")
    return ('<?xml version="1.0" encoding="utf-8"?>' + text[m.end():]).encode("utf-8"), shifted


def _damaged_line(parsed: FeedParserDict, shifted: int) -> int | None:
    """The line where the strict XML parser gave up, when feedparser had to read leniently."""
    exc = parsed.get("bozo_exception") if parsed.get("bozo") else None
    line = getattr(exc, "getLineNumber", None)
    if not callable(line):
        return None
    try:
        return max(int(line()), 1) + shifted
    except (TypeError, ValueError):
        return 1 + shifted


def _explain_no_entries(parsed: FeedParserDict, text: str, damage: int | None, content_type: str, base: str) -> None:
    """No entries: fine for a well-formed empty feed; otherwise raise with what the answer is."""
    if parsed.get("version") and damage is None:
        return
    head = text[:4096]
    if _HTML_START.match(head) or (content_type.lower().startswith("text/html") and not _FEED_ROOT.search(head)):
        moved = _MOVED.search(head) and _FIRST_HREF.search(text[:20_000])
        if moved:
            raise SourceError(describe("moved_page", target=resolve_link(html.unescape(moved.group(1)), base)
                                       or moved.group(1)[:200]))
        raise SourceError(describe("html_page"))
    if damage is not None and (parsed.get("version") or _FEED_ROOT.search(head)):
        raise SourceError(describe("damaged", line=damage))
    raise SourceError(describe("not_feed"))


def _repairs(damage: int | None, decoded: Decoded, items: int) -> str | None:
    if damage is not None:
        return describe("damaged_partly", line=damage, items=items)
    if decoded.overruled:
        return describe("wrong_encoding", declared=decoded.declared, actual=decoded.encoding)
    return None


def _lang(value: str | None) -> str | None:
    if not value:
        return None
    code = value.strip().lower()[:2]
    return code if code.isalpha() else None


def _entry_item(entry: FeedParserDict, spec: SourceSpec, lang: str | None, base: str, atom: bool) -> Item | None:
    body_html, summary = _body(entry, atom, base)
    title = _title(entry, atom) or _title_from(summary)
    link = _link(entry, base, _joined(base, _entry_base(entry)))
    if not title and not link:
        return None
    published = _date(entry.get("published_parsed") or entry.get("updated_parsed"))
    return Item(source=spec.name, title=title or link, url=link, summary=summary, content_html=body_html,
                published=published, guid=(entry.get("id") or None), lang=_lang(entry.get("language")) or lang,
                platforms=list(spec.platforms), canonical_url=canonical_url(link),
                categories=feed_categories(entry.get("tags")))


def is_text(content_type: str | None, value: str, atom: bool) -> bool:
    """Plain text by the feed's word: Atom says so exactly; RSS and JSON Feed titles are text
    unless they plainly carry markup (feedparser's own guess, widened)."""
    if (content_type or "text/plain") != "text/plain":
        return False
    return atom or not looks_like_markup(value)


def _title(entry: FeedParserDict, atom: bool) -> str:
    raw = entry.get("title") or ""
    kind = (entry.get("title_detail") or {}).get("type")
    return plain_title(raw) if is_text(kind, raw, atom) else clean_title(raw)


def _body(entry: FeedParserDict, atom: bool, base: str) -> tuple[str, str]:
    """(sanitised HTML, plain-text summary) of the richest body the entry has."""
    contents = [c for c in entry.get("content") or [] if c.get("value")]
    summary = _summary(entry, contents)
    richest = max(contents, key=lambda c: len(c["value"]), default=None)
    chosen = richest if richest and len(richest["value"]) >= len(summary["value"]) else summary
    value = chosen.get("value") or ""
    if not value:
        media = entry.get("media_description") or ""     # YouTube: the text lives here
        return html.escape(media[:MAX_HTML_CHARS]), plain_text(media)
    if is_text(chosen.get("type"), value, atom):
        return html.escape(value[:MAX_HTML_CHARS]), plain_text(value)
    return absolute_links(sanitize_html(value), _joined(base, chosen.get("base"))), html_to_text(value)


def _joined(base: str, xml_base: str | None) -> str:
    """The document's address with an xml:base (absolute, or relative to the document) applied."""
    if not xml_base:
        return base
    try:
        return urljoin(base, xml_base)
    except ValueError:
        return base


def _summary(entry: FeedParserDict, contents: list[dict]) -> dict:
    """The summary with its type and base. feedparser's `summary` may be a content's text (an
    Atom entry without summary) or outlive its detail (overwritten by a later element)."""
    value = entry.get("summary") or ""
    detail = entry.get("summary_detail")
    if detail and detail.get("value") == value:
        return detail
    same = next((c for c in contents if c["value"] == value), None)
    return same or {"value": value, "type": "text/html"}


def _entry_base(entry: FeedParserDict) -> str | None:
    """The xml:base in force for the entry, as feedparser records it on its parts."""
    for part in ("title_detail", "summary_detail"):
        detail = entry.get(part)
        if detail and detail.get("base"):
            return detail["base"]
    return None


def _link(entry: FeedParserDict, base: str, entry_base: str) -> str:
    """The entry's web address: its link, else an alternate link, else its enclosure (a podcast
    episode without a page); relative ones resolved, anything but http(s) dropped. feedparser
    has applied xml:base to links already, not to enclosures."""
    links = entry.get("links") or []
    for href in (entry.get("link"), *(k.get("href") for k in links if k.get("rel", "alternate") == "alternate")):
        if url := resolve_link(href, base):
            return url
    for href in (k.get("href") for k in links if k.get("rel") == "enclosure"):
        if url := resolve_link(href, entry_base):
            return url
    return ""


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


def _json_feed(text: str, spec: SourceSpec, base: str) -> list[Item]:
    """JSON Feed 1.x (jsonfeed.org), which feedparser does not read."""
    try:
        data = json.loads(text, strict=False)   # real feeds carry raw control characters
    except json.JSONDecodeError as e:
        raise SourceError(describe("damaged", line=e.lineno)) from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise SourceError(describe("not_feed"))
    lang = spec.language or _lang(_str(data.get("language")))
    return [it for it in (_json_item(e, spec, lang, base) for e in data["items"] if isinstance(e, dict)) if it]


def _json_item(entry: dict[str, object], spec: SourceSpec, lang: str | None, base: str) -> Item | None:
    if entry.get("content_html") or not (entry.get("content_text") or entry.get("summary")):
        raw_html = _str(entry.get("content_html"))
        body_html, summary = absolute_links(sanitize_html(raw_html), base), html_to_text(raw_html)
    else:
        text = _str(entry.get("content_text") or entry.get("summary"))
        body_html, summary = html.escape(text[:MAX_HTML_CHARS]), plain_text(text)
    raw_title = _str(entry.get("title"))
    title = (plain_title(raw_title) if is_text(None, raw_title, atom=False) else clean_title(raw_title)) \
        or _title_from(summary)
    url = resolve_link(_str(entry.get("url")), base) or resolve_link(_str(entry.get("external_url")), base)
    if not (title or url):
        return None
    guid = _str(entry.get("id"))
    return Item(source=spec.name, title=title or url, url=url, summary=summary, content_html=body_html,
                published=_iso(entry.get("date_published") or entry.get("date_modified")),
                guid=guid or None, lang=lang,
                platforms=list(spec.platforms), canonical_url=canonical_url(url),
                categories=feed_categories(entry.get("tags")))


def _str(value: object) -> str:
    """A JSON Feed field as text: JSON Feed's fields are strings; a number is taken as written, a
    list, an object or a boolean as missing (its Python form, "['a']", would become a title or a link)."""
    if isinstance(value, str):
        return value
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else ""


def _iso(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
