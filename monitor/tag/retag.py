"""`monitor retag`: the archive's items tagged again by today's model and reading.

An item keeps the tags, scores and platforms it got when it was stored. After an upgrade
that ships a better model or a better reading of long articles, or after `monitor train`,
only new items would show it; the archive a team searches and counts would not. This
re-annotates the stored items of a window the way a run annotates new ones
(`monitor.tag.tagging.tag_items`): platforms from the title and the summary's first
sentences, else the source's hint or the item's link; tags from the model with the feed's
categories and the source's category as hints; a terms page's change stays a legal change.

What people decided stays: corrections live in their own table and win on every read.
Nothing is sent: an item that gains a legal tag here is old news, not an alert, and
digests already sent are not sent again. Stories keep their clusters (they are made from
the text, not from tags). A team's own model (`monitor train --team`) keeps writing its own
tags for that team; this re-tags what everyone else reads.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from monitor.tag.legal_pages import force_legal, mark_legal, was_forced
from monitor.tag.tagging import tag_items

if TYPE_CHECKING:
    from classifiers.tagger import Tagger
    from monitor.config import Config
    from monitor.item import Item
    from monitor.store import Store

BATCH = 500          # items read, tagged and written per transaction


@dataclass
class RetagReport:
    """What a re-tagging changed: items read, items whose tags or platforms differ, and per tag
    and platform how many items gained (+) or lost (-) it."""
    items: int = 0
    tags_changed: int = 0
    platforms_changed: int = 0
    tag_moves: Counter[str] = field(default_factory=Counter)
    platform_moves: Counter[str] = field(default_factory=Counter)

    def count(self, before: Item, after: Item) -> None:
        self.items += 1
        for moves, old, new, attr in ((self.tag_moves, before.tags, after.tags, "tags_changed"),
                                      (self.platform_moves, before.platforms, after.platforms, "platforms_changed")):
            gained, lost = set(new) - set(old), set(old) - set(new)
            if gained or lost:
                setattr(self, attr, getattr(self, attr) + 1)
            moves.update({f"+{name}": 1 for name in gained})
            moves.update({f"-{name}": 1 for name in lost})


def retag_archive(store: Store, tagger: Tagger, config: Config | None, since: datetime | None = None,
                  write: bool = True, batch: int = BATCH, on_item: Callable[[], None] | None = None,
                  ids: Sequence[int] | None = None) -> RetagReport:
    """Tag the items stored or published since `since` (all without; or the items `ids`, when the
    caller has listed them already) again; with `write` False, only report what would change.
    `config` gives each source's platform hint, category and whether it is a terms page; a source it
    does not name keeps its items' platforms as the hint. `on_item` is called after each item (a
    progress bar)."""
    report = RetagReport()
    sources = list(config.sources) if config is not None else []
    hints = {s.name: list(s.platforms) for s in sources}
    categories = {s.name: s.category for s in sources if s.category}
    for chunk in _chunks(store.item_ids_since(since) if ids is None else ids, batch):
        before = store.items_by_ids(chunk)            # the model's tags: no team's corrections laid over
        after = [_fresh(item, hints) for item in before]
        tag_items(tagger, after, categories)
        force_legal(after, sources)
        for old, new in zip(before, after):
            if was_forced(old):
                mark_legal(new)                 # forced when stored (a terms page), whatever the model says now
            new.tags = sorted(new.tags)
            report.count(old, new)
            if on_item is not None:
                on_item()
        if write:
            store.relabel(after)
    return report


def restore_model_tags(store: Store, load_tagger: Callable[[], Tagger], config: Config | None) -> int:
    """The model's tags back in `item_tags` for items corrected before teams existed; how many.

    Versions before teams wrote a person's tags over the model's. Migration 0010 gave the
    correction to the default team, where it still wins on every read, but every other team
    reads `item_tags` as the model's tags and saw the person's instead (an item corrected to
    no tags showed none to a client team that follows the same source). One look at an index
    that is empty once this has run; `monitor run` and the workers call it before they store."""
    ids = store.corrected_before_teams()
    if ids:
        retag_archive(store, load_tagger(), config, ids=ids)
    return len(ids)


def _fresh(item: Item, hints: dict[str, list[str]]) -> Item:
    """A copy of the stored item as the crawl hands it over: the source's hint as its platforms, not
    yet annotated, untagged."""
    hint = hints.get(item.source, item.platforms)
    return replace(item, platforms=list(hint), tags=[], scores={}, annotated=False)


def report_lines(report: RetagReport, written: bool) -> list[str]:
    """What `monitor retag` prints."""
    verb = "Re-tagged" if written else "Would re-tag"
    lines = [f"{verb} {report.items} items: {report.tags_changed} with other tags, "
             f"{report.platforms_changed} with other platforms."]
    for label, moves in (("tags", report.tag_moves), ("platforms", report.platform_moves)):
        if moves:
            lines.append(f"  {label}: " + ", ".join(f"{key} {n}" for key, n in _ordered(moves)))
    if written:
        lines.append("Corrections made in the archive stay as they were; nothing was sent.")
    else:
        lines.append("Nothing was written (--dry-run).")
    return lines


def _ordered(moves: Counter[str]) -> list[tuple[str, int]]:
    return sorted(moves.items(), key=lambda kv: (kv[0][1:], kv[0][0]))


def _chunks(ids: Sequence[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start:start + size])
