"""A team's own model drives that team's tags (`team_tags`, see monitor.store.team_view).

After `monitor train --team SLUG` the team should see what its model says, not only in its
alerts: in its archive, API, feed and digest too. So the model's tags are written down per
team and item: at training time for the team's items of the last RECENT days (what the
team is reading now; older items keep the installation's tags, as they were), and from
then on for each new item of the team's sources as it is stored (`monitor run`, the daemon's
runs, the workers: monitor.tell.team_alerts). The team's corrections still come first.

A page whose changes are legal changes by its configuration (`legal: true`) stays a
legal change for the team too: the installation marked it so with a score of exactly 1.0.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from monitor.clock import utcnow
from monitor.tag.legal_pages import mark_legal, was_forced

if TYPE_CHECKING:
    from classifiers.tagger import Tagger
    from monitor.item import Item
    from monitor.store import Store

RECENT = timedelta(days=2)
BATCH = 500


Tagged = tuple[list[str], dict[str, float]]       # an item's tags and scores by one model


def model_tags(tagger: Tagger, items: Sequence[Item], categories: Mapping[str, str] | None = None) -> dict[int, Tagged]:
    """Position in `items` -> the tags and scores `tagger` gives the item. The items are copied, not changed."""
    import dataclasses

    from monitor.tag.tagging import tag_items
    local = [dataclasses.replace(it, tags=list(it.tags), scores=dict(it.scores)) for it in items]
    tag_items(tagger, local, categories)
    out = {}
    for n, (before, after) in enumerate(zip(items, local)):
        if was_forced(before):
            mark_legal(after)              # forced by the source's configuration (monitor.tag.legal_pages)
        out[n] = (sorted(set(after.tags)), dict(after.scores))
    return out


def retag_recent(store: Store, tagger: Tagger, team_id: int, now: datetime | None = None) -> int:
    """Write the team model's tags for the team's items of the last RECENT days; how many."""
    ids = store.team_item_ids_since(team_id, (now or utcnow()) - RECENT)
    categories = store.team_categories(team_id)
    written = 0
    for chunk in _chunks(ids, BATCH):
        items = store.items_by_ids(chunk, team_id)        # under the team's names: its categories apply
        tags = model_tags(tagger, items, categories)
        written += store.put_team_tags(team_id, {it.id: tags[n][0] for n, it in enumerate(items) if it.id is not None})
    return written


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]
