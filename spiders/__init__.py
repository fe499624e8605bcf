"""Scrapy spiders, one per source kind. A spider's `name` is its file name and the
`kind:` that selects it in feeds.yaml; adding one is one file plus one line in KINDS.

The registry names classes as "module:Class" and imports them only when a crawl
needs them, so that commands which merely validate feeds.yaml (all of them) do not
pay for importing Scrapy.
"""

from __future__ import annotations

from collections.abc import Iterator, KeysView
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spiders.base import SourceSpider

KINDS = {
    "feed": "spiders.feed:FeedSpider",
    "page": "spiders.page:PageSpider",
    "listpage": "spiders.listpage:ListPageSpider",
    "meta_changelog": "spiders.meta_changelog:MetaChangelogSpider",
    "linkedin_changes": "spiders.linkedin_changes:LinkedinChangesSpider",
    "tiktok_changelog": "spiders.tiktok_changelog:TiktokChangelogSpider",
}


def spider_class(kind: str) -> type[SourceSpider]:
    module, _, name = KINDS[kind].partition(":")
    return getattr(import_module(module), name)


class _Spiders(dict[str, "type[SourceSpider]"]):
    """`SPIDERS[kind]` imports the spider on first use; `set(SPIDERS)` is just the names."""

    def __missing__(self, kind: str) -> type[SourceSpider]:
        if kind not in KINDS:
            raise KeyError(kind)
        self[kind] = spider_class(kind)
        return self[kind]

    def __iter__(self) -> Iterator[str]:
        return iter(KINDS)

    def __contains__(self, kind: object) -> bool:
        return kind in KINDS

    def __len__(self) -> int:
        return len(KINDS)

    def keys(self) -> KeysView[str]:  # type: ignore[override]  # the names, loaded or not
        return KINDS.keys()


SPIDERS = _Spiders()

__all__ = ["KINDS", "SPIDERS", "spider_class"]
