"""Boilerplate sentences are dropped in one pass: the same result as the plain
whole-sentence pattern, without its cost on long sentences (it backtracks at every
character, so a long feed summary ending in "Read more" cost milliseconds per item)."""

from __future__ import annotations

import random
import re
import time

from classifiers.text import _BOILERPLATE, strip_boilerplate

# The definition: a run without stops, a boilerplate phrase, the rest of the sentence and its stops.
REFERENCE = re.compile(rf"[^.!?\n]*\b(?:{_BOILERPLATE})\b[^.!?\n]*(?:[.!?]+|$)", re.IGNORECASE)
PIECES = ["read more", "Read More", "weiterlesen", "subscribe to our newsletter", "our newsletter", ".", "!", "?",
          "\n", " ", "Plattform", "neue Regeln", "xread more", "read morex", "...", "é", "Abonniere", "a.b", "?!",
          "erschien zuerst auf", "Reels für alle"]


def test_same_sentences_dropped_as_the_definition_says() -> None:
    rng = random.Random(15)
    for _ in range(20_000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 14)))
        if "|" not in text:
            assert strip_boilerplate(text) == REFERENCE.sub(" ", text), text


def test_long_sentence_with_a_phrase_costs_one_pass() -> None:
    words = "Die Plattform testet eine neue Funktion für ausgewählte Konten und Kanäle "
    text = words * 2000 + "read more"          # 150,000 characters without a stop
    started = time.process_time()
    assert strip_boilerplate(text).strip() == ""
    assert strip_boilerplate("Neu bei Reels. " + text + ". Danach mehr.") == "Neu bei Reels.  Danach mehr."
    assert time.process_time() - started < 1.0
