"""kind: page — a watched page (terms of service, privacy policy, community guidelines).

Spiders are stateless, so this one only reads: it yields ONE Item of kind "snapshot"
whose `summary` is the page's whole normalised text (one block per line, noise
removed by monitor.watch.page_text.extract_page) and whose `title` is the page title. The
parent process compares it with the stored versions (monitor.watch.page_changes.apply_snapshots)
and replaces it by a "change" item, or by nothing. A snapshot is never stored as an item.

Options (SourceSpec.options, from feeds.yaml): `select` (CSS/XPath of the main text),
`remove` (CSS/XPath of parts to cut out first), `ignore` (regexes removed from every
line before comparing), `variant` (name -> regex of the versions the page serves).
A `select` that no longer matches is not a failure: the page is read whole, and the
fetch is `ok` with a `warning` that the store keeps as `last_error`, so /sources shows it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from scrapy.http import Response

from monitor.item import SNAPSHOT, Item
from monitor.watch.contract import FetchResult
from monitor.watch.errors import describe
from monitor.watch.page_text import clean_lines, extract_page, looks_blocked
from monitor.watch.urls import canonical_url
from spiders.base import SourceError, SourceSpec, SourceSpider
from spiders.listpage import html_response


class PageSpider(SourceSpider):
    name = "page"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.warnings: dict[str, str] = {}    # source name -> what its health should say, though it was read

    def parse_source(self, response: Response, spec: SourceSpec) -> Iterable[Item]:
        page = html_response(response)
        content_type = (page.headers.get("Content-Type") or b"").decode("latin-1").lower()
        ignore = spec.options.get("ignore") or ()
        if content_type.startswith("text/plain"):
            title, text = spec.name, clean_lines(page.text.splitlines(), ignore)
        else:
            found = extract_page(page.text, select=spec.options.get("select"), ignore=ignore,
                                 remove=spec.options.get("remove") or (), variants=spec.options.get("variant"))
            title, text = found.title, found.text
            if found.warning:
                self.warnings[spec.name] = found.warning
        if not text:
            raise SourceError("the page has no readable text (it may be built by JavaScript, or `remove:` "
                              "cuts out all of it)")
        if looks_blocked(title, text):      # kept as a failed fetch: no version, no change, none when it is back
            raise SourceError(describe("blocked"))
        yield snapshot(spec, title, text)

    def _answered(self, response: Response) -> Iterator[FetchResult]:
        for result in super()._answered(response):
            warning = self.warnings.pop(result.source, None)
            if warning and result.outcome.ok and not result.outcome.warning:
                result.outcome.warning = warning
            yield result


def snapshot(spec: SourceSpec, title: str, text: str) -> Item:
    return Item(source=spec.name, title=title or spec.name, url=spec.url, summary=text, kind=SNAPSHOT,
                guid=f"{spec.url}#snapshot", lang=spec.language, platforms=list(spec.platforms),
                canonical_url=canonical_url(spec.url))
