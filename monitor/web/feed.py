"""`/feed.xml`: the archive's filtered view as RSS 2.0, newest 50 unless `limit` says otherwise."""

from __future__ import annotations

import html
import re
from datetime import datetime
from email.utils import format_datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from lxml import etree
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from monitor.clock import utcnow
from monitor.item import Item
from monitor.web.api import number, request_filters
from monitor.web.filters import Filters

if TYPE_CHECKING:
    from monitor.i18n import Translator

FEED_DEFAULT = 50
FEED_MAX = 1000
ATOM = "http://www.w3.org/2005/Atom"
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


async def feed(request: Request) -> Response:
    web = request.app.state.web
    f = await request_filters(request)
    # More than FEED_MAX is cut to it, as before: a feed reader cannot act on an error.
    limit = min(number(request, "limit", FEED_DEFAULT, minimum=1), FEED_MAX)
    offset = number(request, "offset", 0)
    items = await run_in_threadpool(web.store.query_items, f.query(limit=limit, offset=offset))
    base = (web.config.settings.web.base_url or str(request.base_url)).rstrip("/")
    own = web.own_config(f.team_id)
    urls = {s.name: public_address(s.url) for s in own.sources} if own is not None else {}
    body = rss(items, f, base=base, t=web.t, source_urls=urls)
    return Response(body, media_type="application/rss+xml; charset=utf-8")


def public_address(url: str) -> str:
    """A source's address as a feed reader may see it: without user, password, query or fragment,
    where private feeds carry their tokens (`${FEED_TOKEN}` in feeds.yaml)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))


def rss(items: list[Item], f: Filters, *, base: str, t: Translator, source_urls: dict[str, str]) -> bytes:
    """An RSS 2.0 document; lxml does the XML escaping, control characters are dropped.

    `description` is HTML by convention, so the plain-text summary is HTML-escaped first:
    a summary that reads "<script>" is shown as those characters, never run.
    """
    root = etree.Element("rss", {"version": "2.0"}, nsmap={"atom": ATOM})
    channel = etree.SubElement(root, "channel")
    described = ", ".join(f"{k}={v}" for k, v in f.active)
    _text(channel, "title", "Lagebild" + (f" – {described}" if described else ""))
    _text(channel, "link", base + f.at_page(1).url("/"))
    _text(channel, "description", t("web.feed.description"))
    _text(channel, "language", t.language)
    _text(channel, "generator", "Lagebild")
    _text(channel, "lastBuildDate", format_datetime(utcnow()))
    etree.SubElement(channel, f"{{{ATOM}}}link", {"href": base + f.at_page(1).url("/feed.xml"), "rel": "self",
                                                 "type": "application/rss+xml"})
    for it in items:
        entry = etree.SubElement(channel, "item")
        _text(entry, "title", it.title)
        _text(entry, "link", it.url or f"{base}/items/{it.id}")     # an item without a web address
        _text(entry, "description", html.escape(it.summary, quote=False))   # readers take it as HTML
        etree.SubElement(entry, "guid", {"isPermaLink": "false"}).text = f"lagebild-item-{it.id}"
        _text(entry, "pubDate", format_datetime(_when(it)))
        for tag in it.tags:
            _text(entry, "category", tag)
        for platform in it.platforms:
            _text(entry, "category", platform).set("domain", "platform")
        if it.source in source_urls:
            _text(entry, "source", it.source).set("url", source_urls[it.source])
    return etree.tostring(root, encoding="utf-8", xml_declaration=True, pretty_print=True)


def _text(parent: etree._Element, tag: str, value: str | None) -> etree._Element:
    node = etree.SubElement(parent, tag)
    node.text = _XML_INVALID.sub("", value or "")
    return node


def _when(item: Item) -> datetime:
    return item.published or item.fetched or utcnow()


ROUTES = [Route("/feed.xml", feed, methods=["GET"])]
