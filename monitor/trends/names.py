"""Which terms deserve a trend card: names, not the generic words every week's news is full of.

A trend card says "this is what more sources than usual write about". 'EU', 'AI', 'KI',
'EUR', 'USA', 'CEO', 'Social Media' or 'Update' rise and fall with whatever else is in
the news; they never say what the week is about. Names do: laws, authorities, courts,
companies, products and features ('DSA', 'DMA', 'DSGVO', 'EU-Kommission', 'Threads
Communities', 'Broadcast-Kanäle').

Two lists decide, both read from the story vocabulary (monitor/stories/vocabulary.py), so
that trends and stories know the same names and nothing is kept twice:

* names: every form of a '#' token (law, authority, court, institution) or an '@' token
  (company, platform). Only these may be abbreviations of two or three letters: 'DSA',
  'DMA', 'FTC', 'BGH' are cards, 'EU', 'AI', 'KI', 'EUR', 'USA', 'CEO' never.
* generic words: every form of a '~' token (the common words of the trade: fine, law,
  update, users, video) and of a '!' token (places: EU, Europe, Germany, USA), plus the
  few below that the vocabulary has no use for (business words, money, formats). A
  term made of nothing but generic words (and stop words) is no card: 'EU-Bußgeld',
  'Social Media', 'KI-Modelle'.

Everything else is judged by how it is written (`worth_tracking`).
"""

from __future__ import annotations

import re
from functools import cache

from monitor.stories.vocabulary import vocabulary
from monitor.trends.terms import HASHTAG, PHRASE, STOP_WORDS, kind_of, looks_like_name
from monitor.trends.terms import fold as term_fold
from monitor.watch.text import fold

NAME_KINDS = "#@"        # vocabulary token kinds whose forms are names
GENERIC_KINDS = "~!"     # ... and whose forms are generic words
SHORTEST_WORD = 4        # letters; shorter single words are abbreviations, cards only when names

# Generic words the story vocabulary does not list (it only needs what tells stories apart).
# Written folded (lower case, umlauts spelled out), one word or phrase each.
GENERIC = frozenset("""
eur usd gbp chf euro euros dollar dollars mio mrd million millionen milliarde milliarden billion prozent percent
kurs kurse wechselkurs aktie aktien boerse shares stock stocks price
ceo cto cfo coo cmo vp chef chefin gmbh inc ltd llc kg ag se ug
social media socialmedia marketing online internet digital digitale digitalen plattform plattformen platform
platforms netzwerk netzwerke network networks unternehmen company companies firma firmen marke marken brand brands
kunden customers business businesses app apps web tech technologie technology it pr seo faq pdf tv b2b b2c kpi roi
news breaking exklusiv exclusive tipps tips tipp guide studie study report bericht umfrage survey interview podcast
webinar newsletter analyse analysis checkliste checklist beispiele examples zahlen numbers trend trends
""".split())

_PARTS = re.compile(r"[\s\-‐‑/]+")


@cache
def _lists() -> tuple[frozenset[str], frozenset[str]]:
    """(names, generic words) from the story vocabulary, folded as monitor.watch.text.fold folds."""
    vocab = vocabulary()
    forms = [(form, token) for form, token in vocab.words.items()]
    forms += [(" ".join(words), token) for entries in vocab.phrases.values() for words, token in entries]
    names = frozenset(form for form, token in forms if token[0] in NAME_KINDS)
    generic = frozenset(form for form, token in forms if token[0] in GENERIC_KINDS) | GENERIC
    return names, generic


def is_name(surface: str) -> bool:
    """'DSA', 'Digital Services Act', 'EU-Kommission', 'Bundeskartellamt', 'TikTok': yes. 'EU', 'AI': no."""
    names, _ = _lists()
    text = fold(surface.strip().lstrip("#"))
    return text in names or " ".join(_PARTS.split(text)) in names


def is_generic(surface: str) -> bool:
    """Made of generic words only: 'EU', 'KI', 'EUR', 'Social Media', 'EU-Bußgeld', 'Update', 'Millionen'.

    A name is never generic, even when its words are ('EU-Kommission' is an authority).
    """
    if is_name(surface):
        return False
    _, generic = _lists()
    text = surface.strip().lstrip("#")
    if fold(text) in generic:
        return True
    words = [w.strip("'’.:") for w in _PARTS.split(text) if w.strip("'’.:")]
    return bool(words) and all(fold(w) in generic or term_fold(w) in STOP_WORDS for w in words)


def is_short_abbreviation(surface: str) -> bool:
    """A single word of two or three letters ('EU', 'AI', 'EUR', 'Ads'), which is a card only as a name."""
    word = surface.strip().lstrip("#")
    return len(word) < SHORTEST_WORD and not _PARTS.search(word)


def worth_tracking(key: str, surface: str) -> bool:
    """Whether a term may be a trend card.

    Platforms always are. Hashtags and phrases are not when generic (see the module) or a
    two- or three-letter word that is not a name. Of the rest, a phrase of several words
    is when it reads like a name ('Digital Fairness Act', 'broadcast channels'; not 'train
    AI' or 'Bluesky wächst', a word and its verb: `looks_like_name`); a single word only
    when it looks like one: 'DSGVO', 'TikTok', 'Broadcast-Kanäle', 'A/B-Tests',
    'Kennzeichnungspflicht' yes; 'content', 'change', 'Profil', 'Millionen' no. Such
    everyday words rise and fall with the news of the week without being what the week
    is about.
    """
    kind = kind_of(key)
    if kind not in (PHRASE, HASHTAG):
        return True
    if is_generic(surface):
        return False
    if is_short_abbreviation(surface):
        return is_name(surface)
    word = surface.strip()
    if kind == HASHTAG:
        return True
    if " " in word:
        return looks_like_name(word)
    acronym = len(word) <= 6 and word.isupper()
    inner_capital = any(c.isupper() for c in word[1:]) and not word.isupper()
    marked = any(c in word for c in "-/") or any(c.isdigit() for c in word)
    long_compound = len(word) >= 12 and word[0].isupper()
    return acronym or inner_capital or marked or long_compound
