"""Explaining a linear score in words a reader recognises.

A raw score is the sum of feature value x weight. Word and phrase features are
readable as they are; a character gram ("eichw") is not, so its contribution is
shared out among the item's words that contain it, and "Reichweitenverlust"
gets the credit; so do the compound's parts ("reichweite", "verlust") that count as
words of their own. A cue group is shown as the phrase that matched in the item.
Contributions landing on the same word are added up; lone function words ("für",
"the") are left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from .cues import CUE_NAMES
from .features import Featurizer, Parsed, word_types
from .function_words import QUIET_WORDS
from .text import doc_fields, fold, surface_forms

if TYPE_CHECKING:
    import scipy.sparse as sp

# Words Lagebild itself writes into items (a watched page's change summary): they say
# nothing about what the source reported, so they never explain a tag.
GENERATED_WORDS = frozenset(fold(word) for word in (
    "geändert geaendert entfernt hinzugefügt neu neuer neue neues gestrichen ergänzt fassung version "
    "changed removed added new deleted wording version sentence sentences satz sätze").split())


def explain_scores(featurizer: Featurizer, parsed: Parsed, doc: Mapping, row: sp.csr_matrix,
                   weights: np.ndarray, top: int) -> list[tuple[str, float]]:
    """The `top` terms of one item with the largest positive contribution to one tag."""
    gram_start, cue_start, lang_start = featurizer.block_starts
    contributions = row.data * weights[row.indices]
    by_column = dict(zip(row.indices.tolist(), contributions.tolist()))
    totals: dict[str, float] = defaultdict(float)
    compounds = _compounds_by_part(featurizer, parsed)
    for column, value in by_column.items():
        if column < gram_start:
            term = featurizer.words[column]
            totals[compounds.get(term, term)] += value
    for word, value in _grams_to_words(featurizer, parsed, by_column, gram_start, cue_start).items():
        totals[word] += value
    matches = featurizer.cues.matches(parsed.title + parsed.summary)
    for offset, name in enumerate(CUE_NAMES):
        if name in matches and cue_start + offset in by_column:
            totals[matches[name]] += by_column[cue_start + offset]
    forms = surface_forms(" ".join(doc_fields(doc)))
    ranked = sorted(((v, k) for k, v in totals.items() if v > 0 and _telling(k)), reverse=True)[:top]
    return [(_display(term, forms), round(value, 4)) for value, term in ranked]


def _compounds_by_part(featurizer: Featurizer, parsed: Parsed) -> dict[str, str]:
    """A compound's parts that the item does not contain as words themselves, each mapped
    to the compound: the reader sees "Reichweitenverlust", the word the item wrote."""
    own = set(parsed.title) | set(parsed.summary)
    if parsed.lang != "de" or not featurizer.split_compounds:
        return {}
    return {part: word for word in own for part in featurizer.compound_parts(word) if part not in own}


def _telling(term: str) -> bool:
    """A term worth showing: no function word in it, no single letter but X (the "s" of "Earth's"
    says nothing), and nothing Lagebild wrote itself."""
    words = term.split()
    return bool(words) and not any(w in QUIET_WORDS or w in GENERATED_WORDS or w.isdigit() or (len(w) < 2 and w != "x")
                                   for w in words)


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
