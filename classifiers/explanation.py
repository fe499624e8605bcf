"""Explaining a linear score in words a reader recognises.

A raw score is the sum of feature value x weight. Word and phrase features are
readable as they are; a character gram ("eichw") is not, so its contribution is
shared out among the item's words that contain it, and "Reichweitenverlust"
gets the credit. A cue group is shown as the phrase that matched in the item.
Contributions landing on the same word are added up; lone function words ("für",
"the") are left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import numpy as np
import scipy.sparse as sp

from .cues import CUE_NAMES
from .features import Featurizer, Parsed, word_types
from .language import FUNCTION_WORDS
from .text import doc_fields, fold, surface_forms

# Function words carry weight in the model (word order, phrasing) but explain nothing
# to a reader, so explanations leave them out when they stand alone.
_QUIET = frozenset(fold(word) for word in FUNCTION_WORDS)


def explain_scores(featurizer: Featurizer, parsed: Parsed, doc: Mapping, row: sp.csr_matrix,
                   weights: np.ndarray, top: int) -> list[tuple[str, float]]:
    """The `top` terms of one item with the largest positive contribution to one tag."""
    gram_start, cue_start, lang_start = featurizer.block_starts
    contributions = row.data * weights[row.indices]
    by_column = dict(zip(row.indices.tolist(), contributions.tolist()))
    totals: dict[str, float] = defaultdict(float)
    for column, value in by_column.items():
        if column < gram_start:
            totals[featurizer.words[column]] += value
    for word, value in _grams_to_words(featurizer, parsed, by_column, gram_start, cue_start).items():
        totals[word] += value
    matches = featurizer.cues.matches(parsed.title + parsed.summary)
    for offset, name in enumerate(CUE_NAMES):
        if name in matches and cue_start + offset in by_column:
            totals[matches[name]] += by_column[cue_start + offset]
    forms = surface_forms(" ".join(doc_fields(doc)))
    ranked = sorted(((v, k) for k, v in totals.items() if v > 0 and k not in _QUIET), reverse=True)[:top]
    return [(_display(term, forms), round(value, 4)) for value, term in ranked]


def _grams_to_words(featurizer: Featurizer, parsed: Parsed, by_column: dict[int, float],
                    start: int, stop: int) -> dict[str, float]:
    """Share each character gram's contribution equally among the words holding it."""
    holders: dict[int, list[str]] = defaultdict(list)
    for word in set(word_types(parsed)):
        for gram in set(featurizer.gram_ids(word).tolist()):
            holders[start + gram].append(word)
    shares: dict[str, float] = defaultdict(float)
    for column, value in by_column.items():
        if start <= column < stop and holders.get(column):
            for word in holders[column]:
                shares[word] += value / len(holders[column])
    return shares


def _display(term: str, forms: dict[str, str]) -> str:
    """The term spelt as in the item ("bussgeld" -> "bußgeld"), word by word."""
    return " ".join(forms.get(word, word) for word in term.split())
