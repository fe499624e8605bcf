# ruff: noqa: SIM905
"""The story clustering before cross-language stories (frozen copy of monitor/stories/clusters.py at d3ca954):
the baseline that benchmarks/bench_stories.py measures the current clustering against.

Near-duplicates ('EU fines TikTok €380m under DSA' / 'TikTok fined 380 million
euros by the EU under the DSA') are found here: token sets of the title and the start
of the summary, compared by Jaccard similarity weighted by how rare each word is
(shared 'TikTok', '380', 'Werbearchiv' say more than shared 'Kommission'), through an
inverted index, so a run
with tens of thousands of items compares each only with the few that share rare words.
"""

from __future__ import annotations

import math
import re
import sys
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import lru_cache

from monitor.watch.text import fold as normalize

SIMILARITY = 0.24         # IDF-weighted Jaccard of token sets (tuned on the demo's multi-source stories)
MIN_SHARED = 3            # tokens two reports must share
SUMMARY_WORDS = 25
COMMON = 300              # a token in more recent items than this says nothing about the story

_WORD = re.compile(r"[a-z0-9][a-z0-9+#-]*")
_STOP = frozenset("""
der die das den dem des ein eine einen einem einer eines und oder aber mit von fuer auf aus bei nach
ueber unter vor zum zur im in am an als auch auf dass nicht nur noch mehr wie was wer wird werden
wurde sind ist hat haben kann koennen soll sollen jetzt neue neuen neuer neues sich sie er es wir ihr
the a an and or but with from for on in at of to by as is are was were be been has have had will
can could new now its it this that these those their they you your our how what why when who more
about after over into than then also just says said amp
""".split())


def tokens(title: str, summary: str = "", folded: bool = False) -> frozenset[str]:
    """Distinctive word stems of the title and the start of the summary (`folded`: both
    already passed through monitor.watch.text.fold)."""
    if not folded:
        title, summary = normalize(title), normalize(summary)
    text = f"{title} {' '.join(summary.split(None, SUMMARY_WORDS)[:SUMMARY_WORDS])}"
    return frozenset(_stem(word) for word in _WORD.findall(text)
                     if word not in _STOP and (len(word) >= 3 or word.isdigit()))


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    """Very light: plural and case endings of German and English, so forms meet.

    Interned: the story index holds the same few thousand stems for tens of thousands
    of items, once each."""
    for suffix in ("ungen", "en", "es", "er", "s", "e", "n"):
        if len(word) > 5 and word.endswith(suffix):
            return sys.intern(word[: -len(suffix)])
    return sys.intern(word)


class StoryIndex:
    """Recent items' token sets, with postings for lookup."""

    def __init__(self) -> None:
        self.sets: dict[int, frozenset[str]] = {}
        self.cluster: dict[int, int] = {}
        self.postings: dict[str, array] = defaultdict(lambda: array("l"))   # compact int lists
        self.mass: dict[int, float] = {}     # an item's total token weight when it was added

    def add(self, item_id: int, cluster: int, toks: frozenset[str]) -> None:
        self.sets[item_id], self.cluster[item_id] = toks, cluster
        for tok in toks:
            self.postings[tok].append(item_id)
        self.mass[item_id] = sum(self._weights(toks).values())

    def load(self, rows: Iterable[tuple[int, int | None, str, str]]) -> None:
        for item_id, cluster, title, summary in rows:
            self.add(item_id, cluster or item_id, tokens(title, summary))

    def match(self, toks: frozenset[str], exclude: int | None = None) -> int | None:
        """The cluster of the most similar recent item, if similar enough."""
        shared: Counter[int] = Counter()
        for tok in toks:
            posting = self.postings.get(tok)
            if posting and len(posting) <= COMMON:
                shared.update(posting)
        candidates = [(other, n) for other, n in shared.most_common(20) if n >= MIN_SHARED and other != exclude]
        if not candidates:
            return None
        weights = self._weights(toks)
        mine = sum(weights.values())
        best, best_score = None, 0.0
        for other, _count in candidates:
            common = sum(weights[t] for t in toks & self.sets[other])
            score = common / max(mine + self.mass[other] - common, 1e-9)
            if score > best_score:
                best, best_score = other, score
        return self.cluster[best] if best is not None and best_score >= SIMILARITY else None

    def _weights(self, toks: frozenset[str]) -> dict[str, float]:
        """IDF weight of each token among the recent items: rare words say more about the story."""
        n = len(self.sets) + 1
        return {t: math.log(n / (len(self.postings.get(t, ())) + 1)) + 1 for t in toks}
