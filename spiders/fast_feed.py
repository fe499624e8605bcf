"""Feed parsing through feedparser-rs where it reads a feed as feedparser would, else feedparser.

feedparser is about 0.2 ms of CPU per realistic item, the largest share of a crawl
process's work on a first run; feedparser-rs (Rust, a feedparser-compatible API) reads
the same item in a few microseconds. Its answers differ from feedparser's in places
that change what Lagebild makes of an entry, so it is used only where they cannot:

* never for a feed it calls damaged (bozo), that has no entries, or whose version it
  does not know: feedparser's lenient reading, its error's line number and its view of
  an empty or unknown document are what the crawl reports (spiders/feed.py);
* never where feedparser resolves or rewrites: `xml:base`, a DOCTYPE (entities), XHTML
  and base64 content, Windows-1252 character references, characters XML forbids;
* only for documents made of elements both read alike (a list of what real feeds use:
  RSS, Atom, Dublin Core, content:encoded, Media RSS, iTunes, ...), and only when every
  date is in a form both read alike (RFC 822 with a four-digit year, ISO 8601): feedparser
  guesses at `2020/1/10 14:33` differently;
* the content types are set as feedparser sets them: RSS text is plain unless it looks
  like HTML by feedparser's own test, an Atom text without `type` is plain text (the
  Rust parser calls it HTML), and a feed whose Atom texts mix both falls back;
* an RSS `<guid>` that is a permalink stands in for a missing link, as in feedparser;
* a feed with an empty link goes to feedparser: the Rust parser blanks links to loopback
  and private addresses (127.0.0.1, 10.x, localhost), which feedparser keeps.

`tests/test_fast_parse.py` holds the equivalence: feedparser's own test corpus, real
feeds and our hostile fixtures parsed both ways give identical items. Whatever it finds
to differ is either mapped here or made a reason to fall back.
"""

from __future__ import annotations

import re
from typing import Any

import feedparser
from feedparser import FeedParserDict

feedparser_rs: Any
try:        # a wheel for every common platform; without it, everything goes to feedparser
    import feedparser_rs
except ImportError:  # pragma: no cover - depends on the platform
    feedparser_rs = None

_looks_like_html = feedparser.mixin._FeedParserMixin.looks_like_html   # feedparser's own guess for RSS text

# Versions whose structure the Rust parser reads like feedparser (others, e.g. CDF or RSS 0.90, go to feedparser).
_VERSIONS = {"rss20", "rss092", "rss091u", "rss091n", "rss094", "rss10", "atom10"}
# Anything feedparser reads differently or that needs its repairs and messages: xml:base (feedparser
# resolves links), a DOCTYPE (entities), XHTML and base64 content, empty type attributes, and the C1
# control characters that feedparser reads as Windows-1252 ("demoronize").
_FALLBACK = re.compile(r"xml:base|<!DOCTYPE|xhtml|base64|type\s*=\s*(?:\"\"|'')|[\x80-\x9f]"
                       r"|&#(?:0*(?:12[89]|1[34]\d|15\d)|[xX]0*[89][0-9a-fA-F]);"     # as Windows-1252
                       r"|[\x00-\x08\x0b\x0c\x0e-\x1f]|&#(?:0*(?:[0-8]|1[124-9]|2\d|3[01])|5[5-7]\d{3}"
                       r"|[xX]0*(?:[0-8bcefBCEF]|1[0-9a-fA-F]|[dD][89a-fA-F]\w\w|[fF]{3}[eEfF]));",  # not XML
                       re.I)
# Dates both parsers read alike: RFC 822 with a four-digit year and a numeric or common US/UTC zone,
# and ISO 8601 / W3C-DTF. Others (`2020/1/10 14:33`, two-digit years, "CEST") feedparser guesses at.
_DATES = re.compile(r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),\s*)?\d{1,2}\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct"
                    r"|Nov|Dec)\s+\d{4}\s+\d{2}:\d{2}(?::\d{2})?\s*(?:[+-]\d{4}|GMT|UTC?|Z|[ECMP][SD]T)?"
                    r"|\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?")
_CDATA = re.compile(r"<!\[CDATA\[.*?\]\]>", re.S)
_ELEMENT = re.compile(r"<([A-Za-z_][\w:.-]*)")
# The elements of the feeds Lagebild reads (WordPress, Substack, Medium, YouTube, Mastodon, Reddit,
# newsrooms, podcasts) that both parsers read alike, checked against feedparser's corpus and real
# feeds. A document with any other element (naked HTML in a description, nested images in an
# entry, RSS with Atom's elements, chapters, ...) goes to feedparser.
_COMMON = {"title", "link", "author", "category", "name", "email", "uri", "url", "width", "height", "description",
           "language", "generator", "copyright", "rights", "image",
           "atom:link", "atom10:link", "dc:creator", "dc:subject", "dc:language", "dc:rights", "dc:publisher",
           "dc:identifier",
           "content:encoded", "media:content", "media:thumbnail", "media:title", "media:description",
           "media:group", "media:keywords", "media:credit", "media:player", "media:statistics",
           "media:community", "media:starrating", "media:starRating", "media:copyright", "media:rating",
           "media:license",
           "itunes:author", "itunes:summary", "itunes:subtitle", "itunes:explicit", "itunes:image",
           "itunes:category", "itunes:owner", "itunes:name", "itunes:email", "itunes:duration",
           "itunes:episode", "itunes:season", "itunes:episodetype", "itunes:episodeType", "itunes:type",
           "itunes:keywords", "itunes:block", "itunes:new-feed-url",
           "sy:updatePeriod", "sy:updateFrequency", "sy:updateBase", "slash:comments", "wfw:commentRss",
           "feedburner:origLink", "feedburner:info", "georss:point", "yt:videoId", "yt:channelId",
           "webfeeds:icon", "webfeeds:logo", "webfeeds:accentColor", "webfeeds:related", "webfeeds:cover",
           "webfeeds:analytics", "cc:license", "creativeCommons:license", "thr:total"}
_RSS = _COMMON | {"rss", "channel", "item", "pubDate", "lastBuildDate", "guid", "comments", "enclosure", "ttl",
                  "docs", "managingEditor", "webMaster", "cloud", "skipHours", "skipDays", "hour", "day",
                  "rdf:RDF", "rdf:li", "rdf:Seq", "items", "dc:date", "dc:format", "dc:type", "dc:source",
                  "textinput", "textInput"}
_ATOM = _COMMON | {"feed", "entry", "id", "updated", "published", "subtitle", "summary", "content", "icon",
                   "logo", "contributor"}
# Namespaces whose elements feedparser keeps under their own names, which Lagebild never reads.
_IGNORED_PREFIXES = {"feedburner", "openSearch", "opensearch", "googleplay", "geo", "georss", "gd", "app",
                     "webfeeds", "sy", "slash", "wfw", "thr", "itunes", "yt", "creativeCommons", "cc"}
# Nested in an entry these confuse feedparser's context, or add links the Rust parser does not see.
_PER_ITEM = {"image", "textinput", "textInput", "atom:link", "atom10:link"}
_KNOWN = {"rss": _RSS, "atom": _ATOM}
_ATOM_TEXT = re.compile(r"<(title|summary|subtitle|rights)(\s[^>]*)?>")
_TYPE_ATTRIBUTE = re.compile(r"\stype\s*=")
_FIRST_ENTRY = re.compile(r"<(?:item|entry)\b")


def parse(utf8: bytes, text: str, response_headers: dict[str, str]) -> FeedParserDict:
    """The feed as feedparser would return it, for the fields spiders/feed.py reads.

    `utf8` is the document as UTF-8 with a declaration that says so, `text` the same
    document decoded (for the checks), `response_headers` what feedparser is told."""
    fast = fast_parse(utf8, text, response_headers)
    if fast is not None:
        return fast
    return slow_parse(utf8, response_headers)


def slow_parse(utf8: bytes, response_headers: dict[str, str]) -> FeedParserDict:
    return feedparser.parse(utf8, response_headers=response_headers, sanitize_html=False, resolve_relative_uris=False)


def fast_parse(utf8: bytes, text: str, response_headers: dict[str, str]) -> FeedParserDict | None:
    """feedparser-rs's reading in feedparser's shape, or None where it may differ."""
    if feedparser_rs is None or _FALLBACK.search(text):
        return None
    try:
        parsed = feedparser_rs.parse(utf8, sanitize_html=False, resolve_relative_uris=False)
    except Exception:  # noqa: BLE001 - whatever it cannot read, feedparser reads (or explains)
        return None
    version = parsed.version or ""
    if parsed.bozo or version not in _VERSIONS or not parsed.entries:
        return None
    atom = version.startswith("atom")
    if not _only_known_elements(text, _KNOWN["atom" if atom else "rss"]):
        return None
    if parsed.feed.get("language") is None and "xml:lang" in text:
        return None     # feedparser takes the root's xml:lang as the feed's language; the Rust parser, in RSS, not
    plain_by_default = _atom_defaults(text) if atom else {}
    if plain_by_default is None:
        return None
    try:
        entries = [_entry(e, atom, plain_by_default) for e in parsed.entries]
    except Exception:  # noqa: BLE001 - _Differs, or a shape this mapping does not know: feedparser decides
        return None
    language = parsed.feed.get("language") or response_headers.get("content-language") or None
    feed = FeedParserDict(language=language.replace("_", "-")) if language else FeedParserDict()
    return FeedParserDict(entries=entries, feed=feed, version=version, bozo=False)


def _only_known_elements(text: str, known: set[str]) -> bool:
    """Every element of the document (outside CDATA) is one both parsers read alike."""
    bare = _CDATA.sub("", text) if "<![CDATA[" in text else text
    first = _FIRST_ENTRY.search(bare)
    head, entries = (bare[:first.start()], bare[first.start():]) if first else (bare, "")
    return (all(_known(name, known) for name in set(_ELEMENT.findall(head)))
            and all(_known(name, known - _PER_ITEM) for name in set(_ELEMENT.findall(entries))))


def _known(name: str, known: set[str]) -> bool:
    return name in known or name.partition(":")[0] in _IGNORED_PREFIXES


class _Differs(Exception):
    """An entry feedparser would read differently."""


def _atom_defaults(text: str) -> dict[str, bool] | None:
    """For each Atom text element, whether its untyped occurrences are plain text (True: none
    carries `type`, so the Rust parser's text/html means text/plain). None when some carry
    a type and others not: which is which is not in the Rust parser's answer."""
    typed: dict[str, set[bool]] = {}
    for match in _ATOM_TEXT.finditer(text):
        typed.setdefault(match.group(1), set()).add(bool(_TYPE_ATTRIBUTE.search(match.group(2) or "")))
    if any(len(kinds) > 1 for kinds in typed.values()):
        return None
    return {name: not kinds.pop() for name, kinds in typed.items()}


def _detail(value: Any, kind: str | None, atom: bool, untyped_plain: bool = False) -> FeedParserDict:
    """A text construct as feedparser gives it: value, type, base (always '' here: no xml:base)."""
    if kind == "text/html" and untyped_plain:
        kind = "text/plain"
    if not atom and kind == "text/plain" and value and _looks_like_html(value):
        kind = "text/html"
    return FeedParserDict(value=value or "", type=kind or "text/plain", base="", language=None)


def _entry(e: Any, atom: bool, plain: dict[str, bool]) -> FeedParserDict:
    out = FeedParserDict()
    if e.title is not None:
        out["title"] = e.title
        detail = e.title_detail
        kind = detail.type if (detail is not None and atom) else "text/plain"
        out["title_detail"] = _detail(e.title, kind, atom, plain.get("title", False))
    if e.summary is not None:
        detail = e.summary_detail
        out["summary"] = e.summary
        out["summary_detail"] = _detail(e.summary, detail.type if detail is not None else "text/html", atom,
                                        plain.get("summary", False))
    if e.content:
        out["content"] = [_detail(c.value, c.type, atom) for c in e.content]
    if e.media_description:
        out["media_description"] = e.media_description
    links = [FeedParserDict(rel=k.rel or "alternate", href=k.href or "", type=k.type) for k in e.links or []]
    if any(not k["href"] for k in links) or any(not k.href for k in e.enclosures or []):
        raise _Differs("a link the Rust parser blanked (it drops loopback and private addresses)")
    out["links"] = links
    link = e.link
    if not link and not atom and e.guidislink and e.id:
        link = e.id
    if link:
        out["link"] = link
    if e.id is not None:
        out["id"] = e.id
    for raw in (e.published, e.updated, e.dc_date):
        if raw is not None and not _DATES.fullmatch(raw.strip()):
            raise _Differs(raw)
    if e.published_parsed is not None:
        out["published_parsed"] = e.published_parsed
    updated = e.updated_parsed or e.dc_date_parsed      # feedparser reads dc:date as `updated`
    if updated is not None:
        out["updated_parsed"] = updated
    if e.tags:
        out["tags"] = [FeedParserDict(term=t.term, label=t.label, scheme=t.scheme) for t in e.tags]
    return out
