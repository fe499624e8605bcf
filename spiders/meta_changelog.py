"""kind: meta_changelog — Meta's API version tables (Graph API, Marketing API, Threads, WhatsApp).

https://developers.facebook.com/docs/graph-api/changelog/versions and the Marketing API
changelog list every version in a table: Version (linking to that version's changes),
Date Introduced, Available Until. Each row becomes one item: a new Graph/Marketing API
version is what breaks or opens up tools for the teams we serve. The page's class names
are generated (`_51mx`, `_4-u2`) and change, so the table is found by its header words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from parsel import Selector
from scrapy.http import Response, TextResponse

from monitor.item import Item
from monitor.watch.text import clean_title
from monitor.watch.urls import canonical_url
from spiders.base import SourceError, SourceSpec, SourceSpider
from spiders.listpage import html_response, page_url, parse_date, slug, text_of

_VERSION = re.compile(r"^v?\d+(?:\.\d+)+$", re.I)
_API_NAME = re.compile(r"\b([A-Z][\w-]*(?:\s+[A-Z][\w-]*)*\s+API)\b")


class MetaChangelogSpider(SourceSpider):
    name = "meta_changelog"

    def parse_source(self, response: Response, spec: SourceSpec) -> Iterable[Item]:
        return parse_versions(html_response(response), spec)


def parse_versions(response: TextResponse, spec: SourceSpec) -> list[Item]:
    items: list[Item] = []
    for table in response.xpath("//table"):
        rows = [[text_of(cell) for cell in row.xpath("./th | ./td")] for row in table.xpath(".//tr")]
        columns = _columns(rows[0] if rows else [])
        if columns is None:
            continue
        api = _api_name(table, response)
        for row, sel in zip(rows[1:], table.xpath(".//tr")[1:]):
            item = _row_item(row, sel, columns, api, response, spec)
            if item:
                items.append(item)
    if not items:
        raise SourceError("no version table (Version / Date Introduced) found; the page layout may have changed")
    return items


def _columns(header: list[str]) -> dict[str, int] | None:
    """Positions of version, introduced date and 'available until' by header words; None if not a version table."""
    low = [h.lower() for h in header]
    version = next((i for i, h in enumerate(low) if "version" in h), None)
    introduced = next((i for i, h in enumerate(low) if "introduced" in h or "released" in h or "date" in h), None)
    if version is None or introduced is None:
        return None
    until = next((i for i, h in enumerate(low) if "until" in h or "availab" in h), None)
    return {"version": version, "introduced": introduced, "until": until if until is not None else -1}


def _api_name(table: Selector, response: TextResponse) -> str:
    """'Graph API', 'Marketing API' …: from the nearest heading above the table, else the page title."""
    nearest = table.xpath("preceding::*[self::h1 or self::h2 or self::h3 or self::h4][position() <= 3]")
    for heading in reversed(nearest):   # lxml answers in document order: the nearest comes last
        found = _API_NAME.search(text_of(heading))
        if found:
            return found.group(1)
    found = _API_NAME.search(text_of(response.xpath("//title")))
    return found.group(1) if found else "Meta API"


def _row_item(row: list[str], sel: Selector, columns: dict[str, int], api: str, response: TextResponse,
              spec: SourceSpec) -> Item | None:
    cells = sel.xpath("./th | ./td")
    if len(row) <= max(columns["version"], columns["introduced"]):
        return None
    version = row[columns["version"]].split()[0] if row[columns["version"]] else ""
    if not _VERSION.match(version):
        return None
    version = version if version.lower().startswith("v") else f"v{version}"
    href = cells[columns["version"]].xpath(".//a/@href").get()
    base = page_url(response)
    url = response.urljoin(href) if href else f"{base}#{slug(version)}"
    introduced = row[columns["introduced"]]
    until = row[columns["until"]] if 0 <= columns["until"] < len(row) else ""
    if until and not until.lower().startswith(("unavailable", "available")):
        until = f"available until {until}"
    summary = f"{api} {version}, introduced {introduced}" + (f"; {until[0].lower()}{until[1:]}" if until else "") + "."
    return Item(source=spec.name, title=clean_title(f"{api} {version}"), url=url, summary=summary,
                published=parse_date(introduced), guid=f"{base}#{slug(api)}-{slug(version)}",
                lang=spec.language or "en", platforms=list(spec.platforms), canonical_url=canonical_url(url))
