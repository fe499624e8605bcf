"""Framed copies of the training examples: the same item with a section kicker before its
title, a site's name after it, or a post's hashtags after its summary.

Why: real titles come framed, and the examples we write do not. News sites put a section
before the headline ("Netzwelt: …", "Social Media: …"), pages end their titles with the
site's name ("… | Marketing Daily"), and posts on LinkedIn or Mastodon end with a row of
hashtags. A framing word says nothing about whether a change is reported, yet the text model
had learnt some of them as evidence: "social" and "media" weighed -2.5 and -1.8 for reach,
because our negatives (tips, usage figures) say "social media" where our reach items name a
network. And every added word takes a share of a short title's weight. On the real set, section
kickers the model never saw took macro-F1 down by 0.037 ("Social Media:" alone by 0.07), two
hashtags by 0.042. A copy of every example in each of three frames, weighing 0.15 of the example,
teaches that a frame changes nothing: the same kickers then cost 0.023, the hashtags 0.016, and
the real set itself reads as before (classifiers/README.md, "nineteenth round"). A site's name
after the title still costs what it did (0.026); only a vocabulary that keeps every word pair of
a single example learnt that, at a price measured there.

The words below are generic: section names, made-up site names and marketing hashtags. None
names a platform, a law or a change, so a copy keeps its example's tags. The copies keep the
example's style too, so cross-validation holds an example and its copies out together.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import replace

from .examples import Example

KICKERS: dict[str, tuple[str, ...]] = {
    "de": ("Social Media:", "Netzwelt:", "Digital:", "Marketing:", "Online-Marketing:", "Medien:",
           "Internet:", "Web:", "Netzwerke:", "Kommunikation:", "Plattformen:", "Exklusiv:"),
    "en": ("Social Media:", "Tech:", "Marketing:", "Digital:", "Media:", "Social:", "Platforms:",
           "Online:", "Exclusive:", "Briefing:", "Internet:", "Creators:"),
}
SITES: dict[str, tuple[str, ...]] = {
    "de": ("Social-Media-Magazin", "Digitalmagazin", "Marketing-Blog", "Onlinemarketing Praxis",
           "Medienmagazin", "Netzwelt News", "Tech-Portal", "Social Media Blog", "Digital Business"),
    "en": ("Social Media Weekly", "Marketing Daily", "Tech News", "Digital Trends Blog", "Media Watch",
           "Creator Journal", "Social Media News", "The Marketing Post", "Digital Insider"),
}
SEPARATORS = (" | ", " - ", " – ")
COPIES_PER_EXAMPLE = 3   # one per frame: kicker, site's name, hashtags
HASHTAGS = ("#socialmedia", "#marketing", "#digitalmarketing", "#onlinemarketing", "#contentmarketing",
            "#smm", "#b2b", "#kommunikation", "#digitalisierung", "#socialmediamarketing", "#pr")


def framed_copies(examples: Iterable[Example], weight: float, seed: int = 0) -> list[Example]:
    """`COPIES_PER_EXAMPLE` (three) copies of each example, in the examples' order, each weighing
    `weight` times the example: with a kicker before the title, with a site's name after it, and
    with two to four hashtags after the summary. The words are drawn with `seed`, so a model
    trains the same way twice."""
    rng = random.Random(seed)
    copies: list[Example] = []
    for ex in examples:
        lang = ex.lang if ex.lang in KICKERS else "en"
        light = ex.weight * weight
        kicker, site = rng.choice(KICKERS[lang]), rng.choice(SITES[lang])
        separator = rng.choice(SEPARATORS)
        hashtags = " ".join(rng.sample(HASHTAGS, rng.randint(2, 4)))
        copies += [
            replace(ex, title=f"{kicker} {ex.title}", weight=light),
            replace(ex, title=f"{ex.title}{separator}{site}", weight=light),
            replace(ex, summary=f"{ex.summary} {hashtags}".strip(), weight=light),
        ]
    return copies
