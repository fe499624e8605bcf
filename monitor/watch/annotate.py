"""What an item's own text says about it before any model looks at it: its language
(where the feed does not declare one) and the platforms it names.

Done where items are made, in the crawl processes, which parse on every core while
the parent process tags and stores: the parent is the busier of the two on a large
run. Whatever was not annotated there (change items made from watched pages, items
from elsewhere) is annotated by `monitor.tag.tagging.tag_items`. Light on purpose: the
crawl processes import this, and nothing here may pull in the tagger's libraries.
"""

from __future__ import annotations

from collections.abc import Iterable

from classifiers.language import detect_language
from classifiers.platforms import named_platforms, platforms_of_link
from monitor.item import SNAPSHOT, Item


def annotate(items: Iterable[Item]) -> None:
    """Set `lang` (if missing) and `platforms` on every item not annotated yet.

    Watched pages' snapshots are skipped: they are a whole page's text, and the parent
    turns them into new change items (annotated then) or into nothing."""
    for item in items:
        if item.annotated or item.kind == SNAPSHOT:
            continue
        if not item.lang:
            item.lang = detect_language(item.text)
        item.platforms = item_platforms(item)
        item.annotated = True


def item_platforms(item: Item) -> list[str]:
    """Platforms named in the title and the summary's first sentences (`named_platforms`: a whole
    article's later paragraphs name others for context); when it names none, a single-platform
    source's hint, else what the item's link says (a source added without a hint): the platform
    whose own newsroom or blog it is on, or the platforms its slug names
    (`classifiers.platforms.platforms_of_link`).

    A multi-platform hint (Meta's newsroom covers five apps) would mislabel most items.
    """
    named = named_platforms(item.title, item.summary)
    if named:
        return named
    if len(item.platforms) == 1:
        return list(item.platforms)
    return [] if item.platforms else platforms_of_link(item.url)
