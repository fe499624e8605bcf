"""What the product knows beyond an item's words: the feed's own categories for the entry
and the category of its source. Production only (`monitor run`).

The model reads title and summary alone, and that is what `monitor classify` and `monitor
eval` judge, so a tag never depends on a hint being there. Where one is there, it nudges:

* an entry the publisher filed under a word that names a kind of change ("Recht",
  "Urteil", "Algorithmus", "Reichweite", "Produkt-News", "Release Notes") moves that tag's
  log-odds up by `CATEGORY_SHIFT`;
* an entry filed under a word for items that report nothing new ("Tipps", "Ratgeber",
  "Meinung", "Events", "Personalien", "Podcast") moves every tag down by `NO_NEWS_SHIFT`,
  unless a word above names the tag;
* a source in category `platform` (a platform's own newsroom or changelog) moves
  feature_rollout up by `SOURCE_SHIFTS`: most of what such a source posts is a product change.
  Category `legal` moves nothing: law-firm blogs publish evergreen guides as often as news,
  and watched legal pages are tagged by `legal_pages` anyway.

Shifts are in log-odds on the model's calibrated probability, so an item the model is sure
about keeps its tags and only items near a threshold change; the stored score is the
shifted probability. One log-odds unit moves 0.30 to about 0.54, 0.10 to about 0.23.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

from classifiers.labels import TAGS
from classifiers.text import fold

FEATURE, LEGAL, REACH = TAGS   # the model's order (classifiers/labels.py)
CATEGORY_SHIFT = 1.0
NO_NEWS_SHIFT = 1.0
SOURCE_SHIFTS: dict[str, dict[str, float]] = {"platform": {FEATURE: 0.5}}

# Folded words and phrases (ä -> ae, ß -> ss), matched as whole words inside a category.
_TAG_WORDS: dict[str, tuple[str, ...]] = {
    LEGAL: ("recht", "rechtliches", "urteil", "urteile", "gericht", "rechtsprechung", "gesetz",
                     "gesetzgebung", "regulierung", "datenschutz", "dsgvo", "gdpr", "dsa", "dma", "ai act",
                     "legal", "law", "laws", "regulation", "regulations", "policy", "court", "lawsuit",
                     "privacy", "kartellrecht", "antitrust", "urheberrecht", "copyright", "jugendschutz",
                     "bussgeld", "fines", "wettbewerbsrecht", "abmahnung", "compliance"),
    REACH: ("algorithmus", "algorithm", "algorithms", "reichweite", "reach", "ranking",
                               "rankings", "core update", "google update", "feed", "news feed",
                               "sichtbarkeit", "visibility", "organic reach", "organische reichweite"),
    FEATURE: ("neue funktionen", "neue funktion", "new features", "new feature", "features",
                        "feature", "produkt news", "produktnews", "product news", "product updates",
                        "product update", "release notes", "changelog", "launch", "launches",
                        "neuerungen", "neuerung", "api"),
}
_NO_NEWS_WORDS = ("tipps", "tipp", "tips", "how to", "howto", "anleitung", "ratgeber", "guide", "guides",
                  "tutorial", "meinung", "kommentar", "opinion", "kolumne", "column", "event", "events",
                  "veranstaltung", "veranstaltungen", "webinar", "personalien", "people", "karriere",
                  "jobs", "podcast", "interview", "grundlagen", "basics", "faq", "sponsored", "anzeige",
                  "werbung", "rueckblick")


def _pattern(words: Sequence[str]) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(re.escape(w) for w in words) + r")(?![a-z0-9])")


_TAG_PATTERNS = {tag: _pattern(words) for tag, words in _TAG_WORDS.items()}
_NO_NEWS = _pattern(_NO_NEWS_WORDS)


def shifts(categories: Sequence[str], source_category: str | None = None) -> dict[str, float]:
    """Log-odds shift per tag for an entry filed under `categories` from a source of
    `source_category`; empty when nothing is known."""
    text = " | ".join(fold(c).replace("-", " ") for c in categories)
    named = {tag for tag, pattern in _TAG_PATTERNS.items() if text and pattern.search(text)}
    no_news = bool(text) and _NO_NEWS.search(text) is not None
    out: dict[str, float] = {}
    for tag in TAGS:
        shift = SOURCE_SHIFTS.get(source_category or "", {}).get(tag, 0.0)
        if tag in named:
            shift += CATEGORY_SHIFT
        elif no_news:
            shift -= NO_NEWS_SHIFT
        if shift:
            out[tag] = shift
    return out


def apply_shifts(scores: Mapping[str, float], thresholds: Mapping[str, float],
                 moved: Mapping[str, float]) -> tuple[list[str], dict[str, float]]:
    """Tags (in model order) and scores once each tag's log-odds has moved by `moved`."""
    new = dict(scores)
    for tag, shift in moved.items():
        p = min(max(float(scores.get(tag, 0.0)), 1e-6), 1 - 1e-6)
        new[tag] = round(1.0 / (1.0 + math.exp(-(math.log(p / (1 - p)) + shift))), 4)
    return [tag for tag in TAGS if new.get(tag, 0.0) >= thresholds[tag]], new
