"""The legal-page rule: changes to terms and policies are legal changes, whatever the model says.

Which sources count: `legal: true`, or watched pages in category legal unless
`legal: false`. Applied after tagging, so the model never has to learn it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from classifiers.labels import LEGAL_TAG
from monitor.item import Item

if TYPE_CHECKING:
    from monitor.config import Source


def legal_sources(sources: Iterable[Source]) -> set[str]:
    """Names whose items are legal changes: `legal: true`, or pages in category legal unless `legal: false`."""
    return {s.name for s in sources
            if s.legal or (s.legal is None and s.kind == "page" and s.category == "legal")}


FORCED_SCORE = 1.0      # the legal score of an item this rule tagged: no model gives exactly 1.0 (rounded to 4 places)


def force_legal(items: Sequence[Item], sources: Iterable[Source]) -> None:
    """After tagging: terms and policy changes are legal changes whatever the model says."""
    names = legal_sources(sources)
    for item in items:
        if item.source in names:
            mark_legal(item)


def mark_legal(item: Item) -> None:
    """Tag the item legal by this rule, with the score that says so (`was_forced`)."""
    if LEGAL_TAG not in item.tags:
        item.tags.append(LEGAL_TAG)
    item.scores[LEGAL_TAG] = FORCED_SCORE


def was_forced(item: Item) -> bool:
    """Whether this rule tagged the stored item legal: tagging it again (a team's model, `monitor
    retag`) must keep that, whatever the model says now."""
    return item.scores.get(LEGAL_TAG) == FORCED_SCORE
