"""kind: tiktok_changelog — the TikTok for Developers changelog.

https://developers.tiktok.com/doc/changelog is one documentation page (server-rendered)
where each release is a date heading ("February 26, 2026"), often followed by product
sub-headings ("Content Posting API", "Research API") and their paragraphs or bullets.
Each product under a date becomes one item; a date without product headings becomes one
item. Entries have no titles of their own, so the title is the product name and the
first sentence. Dates that are set as a bold paragraph instead of a heading count too.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from parsel import Selector
from scrapy.http import Response, TextResponse

from monitor.item import Item
from monitor.watch.text import html_to_text
from spiders.base import SourceError, SourceSpec, SourceSpider
from spiders.listpage import Entry, blocks, first_words, html_response, page_url, parse_date, slug, text_of

_DATE_CHARS = 40        # a heading longer than this is a title that mentions a date, not a date


class TiktokChangelogSpider(SourceSpider):
    name = "tiktok_changelog"

    def parse_source(self, response: Response, spec: SourceSpec) -> Iterable[Item]:
        return parse_changelog(html_response(response), spec)


def parse_changelog(response: TextResponse, spec: SourceSpec) -> list[Item]:
    root = (response.xpath("//main") or response.xpath("//body") or [response.selector])[0]
    walk = _Walk()
    for tag, block in blocks(root):
        walk.step(tag, block)
    walk.flush()
    if not walk.entries:
        raise SourceError("no dated entries (a heading such as 'February 26, 2026') found; "
                          "the page layout may have changed")
    return [e.item(spec, page_url(response)) for e in walk.entries]


def _release_date(tag: str, block: Selector) -> datetime | None:
    """The date a block announces when the block is nothing but a date (heading or bold line)."""
    text = text_of(block)
    if len(text) > _DATE_CHARS:
        return None
    if tag.startswith("h") or (tag == "p" and text == text_of(block.xpath("./strong | ./b"))):
        return parse_date(text)
    return None


class _Walk:
    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.date: datetime | None = None
        self.date_anchor = self.product = ""
        self.entry: Entry | None = None

    def step(self, tag: str, block: Selector) -> None:
        when = _release_date(tag, block)
        if when:
            self.flush()
            self.date, self.product = when, ""
            self.date_anchor = block.attrib.get("id") or slug(text_of(block))
        elif self.date is None:
            return                                   # the introduction above the first release
        elif tag.startswith("h"):
            self.flush()
            self.product = text_of(block)
        else:
            if self.entry is None:
                key = f"{self.date_anchor}--{slug(self.product)}" if self.product else self.date_anchor
                self.entry = Entry(title="", key=key, anchor=self.date_anchor, published=self.date)
            self.entry.add(block)

    def flush(self) -> None:
        entry, self.entry = self.entry, None
        if entry is None or not entry.parts:
            return
        opening = first_words(html_to_text("".join(entry.parts[:1])))
        entry.title = f"{self.product}: {opening}" if self.product else opening
        keys = {e.key for e in self.entries}
        while entry.key in keys:
            entry.key += "-"
        self.entries.append(entry)
