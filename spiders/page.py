"""kind: page — a watched page (terms of service, privacy policy, community guidelines).

Spiders are stateless, so this one only reads: it yields ONE Item of kind "snapshot"
whose `summary` is the page's whole normalised text (one block per line, noise
removed by monitor.watch.page_text.extract_page) and whose `title` is the page title. The
parent process compares it with the stored versions (monitor.watch.page_changes.apply_snapshots)
and replaces it by a "change" item, or by nothing. A snapshot is never stored as an item.

Options (SourceSpec.options, from feeds.yaml): `select` (CSS/XPath of the main text),
`ignore` (regexes removed from every line before comparing).
"""

from __future__ import annotations

from collections.abc import Iterable

from scrapy.http import Response

from monitor.item import SNAPSHOT, Item
from monitor.watch.page_text import SelectError, clean_lines, extract_page
from monitor.watch.urls import canonical_url
from spiders.base import SourceError, SourceSpec, SourceSpider
from spiders.listpage import html_response


class PageSpider(SourceSpider):
    name = "page"

    def parse_source(self, response: Response, spec: SourceSpec) -> Iterable[Item]:
        page = html_response(response)
        content_type = (page.headers.get("Content-Type") or b"").decode("latin-1").lower()
        ignore = spec.options.get("ignore") or ()
        if content_type.startswith("text/plain"):
            title, text = spec.name, clean_lines(page.text.splitlines(), ignore)
        else:
            try:
                found = extract_page(page.text, select=spec.options.get("select"), ignore=ignore)
            except SelectError as e:
                raise SourceError(str(e)) from None
            title, text = found.title, found.text
        if not text:
            raise SourceError("the page has no readable text (it may be built by JavaScript, or `select:` "
                              "points at an empty part)")
        yield snapshot(spec, title, text)


def snapshot(spec: SourceSpec, title: str, text: str) -> Item:
    return Item(source=spec.name, title=title or spec.name, url=spec.url, summary=text, kind=SNAPSHOT,
                guid=f"{spec.url}#snapshot", lang=spec.language, platforms=list(spec.platforms),
                canonical_url=canonical_url(spec.url))
