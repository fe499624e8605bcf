"""kind: linkedin_changes — LinkedIn's "Recent Marketing API Changes" on Microsoft Learn.

https://learn.microsoft.com/en-us/linkedin/marketing/integrations/recent-changes (and the
DMA portability page of the same shape) is one long article: an <h2> per month
("March 2024"), an <h3> per kind of change ("Product & Platform Announcements",
"Breaking Changes", "Reminders"), and in it the entries, each either an <h4> heading or a
paragraph that starts with a bold title. Each entry becomes one item dated the first of
its month; a section without entry titles (a list of sunset versions) becomes one item
named after the section. The `?view=li-lms-…` query changes monthly and is dropped.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import datetime

from parsel import Selector
from scrapy.http import Response, TextResponse

from monitor.item import Item
from spiders.base import SourceError, SourceSpec, SourceSpider
from spiders.listpage import Entry, blocks, fold, html_response, page_url, parse_date, slug, text_of


class LinkedinChangesSpider(SourceSpider):
    name = "linkedin_changes"

    def parse_source(self, response: Response, spec: SourceSpec) -> Iterable[Item]:
        return parse_changes(html_response(response), spec)


def parse_changes(response: TextResponse, spec: SourceSpec) -> list[Item]:
    root = (response.xpath("//main") or response.xpath("//body") or [response.selector])[0]
    base = page_url(response, drop_query=True)
    walk = _Walk()
    for tag, block in blocks(root):
        walk.step(tag, block)
    walk.flush()
    if not walk.entries:
        raise SourceError("no month sections (<h2>March 2024</h2>) with entries found; "
                          "the page layout may have changed")
    return [entry.item(spec, base) for entry in walk.entries]


class _Walk:
    """Reads the article top to bottom, one block at a time, keeping month, section and entry."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.month = self.month_anchor = self.section = ""
        self.published: datetime | None = None
        self.entry: Entry | None = None

    def step(self, tag: str, block: Selector) -> None:
        text = text_of(block)
        if tag == "h2":
            self.flush()
            self.published = parse_date(text, month_only=True)
            self.month = text if self.published else ""
            self.month_anchor, self.section = block.attrib.get("id") or slug(text), ""
        elif not self.month:
            return                                     # the introduction above the first month
        elif tag == "h3":
            self.flush()
            self.section = text
        elif tag in ("h4", "h5", "h6"):
            self.start(text, block.attrib.get("id", ""))
        elif tag == "p" and (lead := _bold_lead(block)):
            entry = self.start(lead.rstrip(":").strip(), "")
            rest = fold(text[len(lead):] if text.startswith(lead) else text).lstrip(":").strip()
            if rest:
                entry.parts.append(f"<p>{html.escape(rest)}</p>")
        else:
            current = self.entry
            if current is None:
                title = f"{self.section} ({self.month})" if self.section else self.month
                current = self.start(title, "", section=True)
            current.add(block)

    def start(self, title: str, anchor: str, section: bool = False) -> Entry:
        self.flush()
        key = f"{self.month_anchor}--{slug(title if section else f'{self.section} {title}')}"
        self.entry = Entry(title=title, key=key, anchor=anchor or self.month_anchor, published=self.published)
        return self.entry

    def flush(self) -> None:
        if self.entry is not None and (self.entry.parts or self.entry.title):
            keys = {e.key for e in self.entries}
            while self.entry.key in keys:               # the same title twice in one month
                self.entry.key += "-"
            self.entries.append(self.entry)
        self.entry = None


def _bold_lead(block: Selector) -> str:
    """The bold title a paragraph starts with ('<p><strong>Title</strong><br>Text'), else ''."""
    first = block.xpath("./node()[not(self::text() and normalize-space() = '')][1]")
    if first and getattr(first[0].root, "tag", None) in ("strong", "b"):
        return text_of(first[0])
    return ""
