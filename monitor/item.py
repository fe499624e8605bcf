"""The one item type every source produces and every stage consumes.

Feeds, watched pages and spiders all yield `Item`s (the habit Miniflux keeps with its
single `model.Entry`), so storing, deduplicating, tagging and delivering never see raw
dicts or format-specific objects.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from monitor.watch.urls import safe_url

SNAPSHOT = "snapshot"   # kind of a watched page's whole text, before the store turns it into a change


@dataclass
class Item:
    source: str
    title: str
    url: str
    summary: str = ""              # plain text, shown everywhere
    content_html: str = ""         # sanitised HTML, shown on the item page
    published: datetime | None = None
    guid: str | None = None
    lang: str | None = None
    platforms: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    kind: str = "entry"            # entry | change (a watched page changed) | snapshot (see SNAPSHOT)
    canonical_url: str = ""
    annotated: bool = False        # lang and platforms read from the text (monitor.watch.annotate)
    # The feed's own categories or keywords for the entry (RSS <category>, Atom category, JSON Feed
    # tags), as written; they may inform the tags in production (monitor.tag.hints), never the text.
    categories: list[str] = field(default_factory=list)
    # A new source's story tokens (monitor.stories.features.Report), read in the crawl process
    # (spiders/new_sources.py); the store reads them itself where they are missing.
    story: Any = field(default=None, repr=False, compare=False)
    # Set by the store.
    id: int | None = None
    fetched: datetime | None = None
    cluster: int | None = None

    def __post_init__(self) -> None:
        # The one place an item's link is set, whether it comes from a parser or from the
        # store: only a web address passes (monitor.watch.urls.safe_url), so no output
        # (item page, digest, alerts, /feed.xml, exports) can show a `javascript:` link,
        # not even one stored before this check existed.
        self.url = safe_url(self.url)

    def sort_date(self, now: datetime) -> datetime:
        """The date the archive sorts by and stories are dated by: publication, never in the future
        (a feed's clock or a scheduled post), else arrival."""
        return min(self.published, now) if self.published else now

    @property
    def fingerprint(self) -> str:
        """Identity within one source: GUID, else canonical URL, else title + summary + date.

        Stable across runs so that the unique constraint in the store makes re-runs
        add nothing twice, even when a feed reorders entries. Never the feed's own
        address: items without GUID and link would all collapse into one.
        """
        basis = self.guid or self.canonical_url or self.url or self._content_key()
        return hashlib.sha256(basis.strip().encode("utf-8")).hexdigest()[:32]

    def _content_key(self) -> str:
        when = self.published.isoformat() if self.published else ""
        return f"{self.title}\n{self.summary}\n{when}"

    @property
    def text(self) -> str:
        """What the tagger and the search index read."""
        return f"{self.title}\n{self.summary}".strip()
