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


def force_legal(items: Sequence[Item], sources: Iterable[Source]) -> None:
    """After tagging: terms and policy changes are legal changes whatever the model says."""
    names = legal_sources(sources)
    for item in items:
        if item.source in names:
            if LEGAL_TAG not in item.tags:
                item.tags.append(LEGAL_TAG)
            item.scores[LEGAL_TAG] = 1.0
