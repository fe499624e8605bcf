"""Framed titles: a section kicker, a site's name or a row of hashtags around an item does not
change its tags. Real titles come framed ("Netzwelt: …", "… | Marketing Daily", a LinkedIn
post ending in #socialmedia), our written examples do not; `classifiers.framing` trains the
model on framed copies. The frames tested here are not among those it trained on."""

from __future__ import annotations

import unicodedata
from dataclasses import replace

import numpy as np
import pytest

from classifiers import Example, Tagger, default_dev_files, evaluate, load_examples
from classifiers.cues import CueMatcher
from classifiers.features import Featurizer, parse
from classifiers.framing import HASHTAGS, KICKERS, SITES, framed_copies
from classifiers.platforms import find_platforms
from tests.test_tagger_real import REAL_DEV

# Frames the model never saw in training (none is in `framing`'s lists).
UNSEEN_KICKERS = {"de": ("Netzpolitik:", "Onlinewelt:", "Digitales:"),
                  "en": ("Social Networks:", "Internet Culture:", "Big Tech:")}
UNSEEN_SITES = {"de": ("Markt und Medien", "Agenturblog", "Kommunikationswoche"),
                "en": ("Brand Notes", "Newsdesk Daily", "The Comms Letter")}
UNSEEN_HASHTAGS = ("#agenturleben", "#brandbuilding", "#teamwork")
# What a frame may cost the real set at most, in macro-F1. Before the framed copies these kickers
# cost it 0.037 and these hashtags 0.042; with them 0.023 and 0.016. A site's name costs 0.026 as
# before (the nineteenth round in classifiers/README.md says why): held where it is.
MAX_REAL_COST = {"kicker": 0.03, "site": 0.035, "hashtags": 0.025,
                 # Furniture the tagger strips (`text.strip_boilerplate`): before, a photo credit cost the
                 # real set 0.013-0.016, an agency's dateline 0.013, a WordPress excerpt's footer 0.042.
                 "credit": 0.005, "dateline": 0.005, "excerpt": 0.005,
                 # an editor's mark in brackets ("[Update]", "(Video)") cost 0.015-0.019 before
                 "mark": 0.005,
                 # a byline with its date before the summary and its source after it: 0.023 and 0.017
                 # before; a reading time or an autoblog's "[ad_1]" before it: 0.016 and 0.024
                 "byline": 0.005, "reading": 0.005,
                 # decomposed umlauts cost 0.015 before, the title repeated before the summary 0.016, a
                 # link or a site's address after it 0.010-0.016
                 "decomposed": 0.005, "repeated": 0.005, "linked": 0.005}
# The written dev files, which frames cost 0.005 / 0.002 / 0.006 before and 0.005 / 0.009 / 0.006
# now (our own examples are clear enough that a frame rarely moves them): held where they are.
MAX_DEV_COST = {"kicker": 0.01, "site": 0.015, "hashtags": 0.01, "credit": 0.005, "dateline": 0.005, "excerpt": 0.005,
                "mark": 0.005, "byline": 0.005, "reading": 0.005, "decomposed": 0.005, "repeated": 0.005,
                "linked": 0.005}


def _kicked(examples: list[Example]) -> list[Example]:
    return [replace(ex, title=f"{UNSEEN_KICKERS[ex.lang or 'en'][i % 3]} {ex.title}") for i, ex in enumerate(examples)]


def _signed(examples: list[Example]) -> list[Example]:
    return [replace(ex, title=f"{ex.title} | {UNSEEN_SITES[ex.lang or 'en'][i % 3]}") for i, ex in enumerate(examples)]


def _tagged(examples: list[Example]) -> list[Example]:
    return [replace(ex, summary=f"{ex.summary} {UNSEEN_HASHTAGS[i % 3]} #socialmedia".strip())
            for i, ex in enumerate(examples)]


CREDITS = {"de": ("(Foto: dpa)", "Bild: Shutterstock", "(Symbolbild)"),
           "en": ("(Photo: Getty Images)", "Image credit: Shutterstock", "© Brand Notes")}
DATELINES = {"de": ("BERLIN (dpa) - ", "Hamburg (dpa/lno) - ", "BRÜSSEL (AFP) - "),
             "en": ("NEW YORK (Reuters) - ", "LONDON — ", "SAN FRANCISCO (AP) — ")}
FOOTERS = {"de": " […] Der Beitrag {title} erschien zuerst auf Agenturblog.",
           "en": " [&hellip;] The post {title} appeared first on Brand Notes."}


def _credited(examples: list[Example]) -> list[Example]:
    return [replace(ex, summary=f"{ex.summary} {CREDITS[ex.lang or 'en'][i % 3]}".strip()) for i, ex in enumerate(examples)]


def _datelined(examples: list[Example]) -> list[Example]:
    return [replace(ex, summary=DATELINES[ex.lang or "en"][i % 3] + ex.summary) if ex.summary else ex
            for i, ex in enumerate(examples)]


def _excerpted(examples: list[Example]) -> list[Example]:
    """A WordPress feed's excerpt: the text cut with an ellipsis, the footer in the same line."""
    return [replace(ex, summary=ex.summary.rstrip(".") + FOOTERS[ex.lang or "en"].format(title=ex.title))
            if ex.summary else ex for ex in examples]


MARKS = ("[Update]", "(Video)", "[UPDATE – 01. März 2018]", "[Infografik]", "(Podcast)", "[Exklusiv]")


def _marked(examples: list[Example]) -> list[Example]:
    return [replace(ex, title=f"{MARKS[i % 6]} {ex.title}" if i % 2 else f"{ex.title} {MARKS[i % 6]}")
            for i, ex in enumerate(examples)]


BYLINES = {"de": "Von Anna Berger | Markt und Medien | 2. Aug. 2021 ", "en": "By Jane Doe | Brand Notes | Aug 2, 2021 "}
SOURCES = {"de": " Quelle: Agenturblog", "en": " Source: The Comms Letter"}
READING = ("Lesezeit: 3 Min. ", "4 min read ", "[ad_1] ")


def _bylined(examples: list[Example]) -> list[Example]:
    return [replace(ex, summary=BYLINES[ex.lang or "en"] + ex.summary + SOURCES[ex.lang or "en"]) if ex.summary else ex
            for ex in examples]


def _timed(examples: list[Example]) -> list[Example]:
    return [replace(ex, summary=READING[i % 3] + ex.summary) if ex.summary else ex for i, ex in enumerate(examples)]


def _decomposed(examples: list[Example]) -> list[Example]:
    """Umlauts as a letter and a combining mark, as text copied from some systems comes."""
    return [replace(ex, title=unicodedata.normalize("NFD", ex.title), summary=unicodedata.normalize("NFD", ex.summary))
            for ex in examples]


def _repeated(examples: list[Example]) -> list[Example]:
    """The title again before the summary, as many feeds send the description."""
    return [replace(ex, summary=f"{ex.title} {ex.summary}".strip()) for ex in examples]


LINKS = (" https://t.co/Xy12Ab", " via markt-und-medien.de", " www.brandnotes.com/news")


def _linked(examples: list[Example]) -> list[Example]:
    return [replace(ex, summary=f"{ex.summary}{LINKS[i % 3]}".strip()) for i, ex in enumerate(examples)]


FRAMES = [("kicker", _kicked), ("site", _signed), ("hashtags", _tagged), ("credit", _credited),
          ("dateline", _datelined), ("excerpt", _excerpted), ("mark", _marked), ("byline", _bylined),
          ("reading", _timed), ("decomposed", _decomposed), ("repeated", _repeated), ("linked", _linked)]


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger.load()


@pytest.mark.parametrize("name, frame", FRAMES, ids=[name for name, _ in FRAMES])
def test_an_unseen_frame_costs_the_written_dev_files_little(tagger, name, frame):
    dev = load_examples(*default_dev_files())
    plain = evaluate(tagger, dev).macro_f1
    assert evaluate(tagger, frame(dev)).macro_f1 >= plain - MAX_DEV_COST[name]


@pytest.mark.parametrize("name, frame", FRAMES, ids=[name for name, _ in FRAMES])
def test_an_unseen_frame_costs_the_real_items_little(tagger, name, frame):
    if not REAL_DEV.exists():
        pytest.skip(f"the real evaluation set is not here ({REAL_DEV})")
    real = load_examples(REAL_DEV)
    plain = evaluate(tagger, real).macro_f1
    assert evaluate(tagger, frame(real)).macro_f1 >= plain - MAX_REAL_COST[name]


def test_a_kicker_about_social_media_does_not_hide_a_reach_change(tagger):
    item = {"title": "LinkedIn zeigt Beiträge mit externen Links seltener im Feed", "lang": "de"}
    assert "algorithm_reach_change" in tagger.predict([item])[0].tags
    framed = {**item, "title": "Social Media: " + item["title"]}
    assert "algorithm_reach_change" in tagger.predict([framed])[0].tags


def test_framed_copies_keep_their_examples_labels_language_and_style():
    examples = [Example("Instagram testet neue Reels-Ansicht", "Ein Test in Kanada.", "de", ["feature_rollout"],
                        style="s_test"),
                Example("Court fines X over the DSA", "", "en", ["legal_change"], weight=2.0, style="s_law")]
    copies = framed_copies(examples, 0.15, seed=3)
    assert len(copies) == 6
    for original, three in ((examples[0], copies[:3]), (examples[1], copies[3:])):
        for copy in three:
            assert (copy.tags, copy.lang, copy.style) == (original.tags, original.lang, original.style)
            assert copy.weight == pytest.approx(original.weight * 0.15)
        kicked, signed, tagged = three
        assert kicked.title.endswith(original.title) and kicked.title != original.title
        assert signed.title.startswith(original.title) and signed.title != original.title
        assert tagged.title == original.title and tagged.summary.startswith(original.summary)
        assert tagged.summary.split()[-1].startswith("#")
    again = framed_copies(examples, 0.15, seed=3)
    assert again == copies                                   # a model trains the same way twice


def test_no_frame_names_a_platform_or_a_cue():
    """A copy keeps its example's tags only if its frame says nothing about a change."""
    frames = [*KICKERS["de"], *KICKERS["en"], *SITES["de"], *SITES["en"], " ".join(HASHTAGS)]
    matcher = CueMatcher()
    for frame in frames:
        assert find_platforms(frame) == [], frame
        for lang in ("de", "en"):
            words = parse({"title": frame, "lang": lang}).title
            assert not matcher.matches(words), frame


def test_the_packaged_model_was_trained_with_framed_copies(tagger):
    meta = tagger.meta
    assert meta["n_framed"] == 3 * meta["n_examples"]
    assert meta["settings"]["frame_weight"] > 0


def test_a_word_pair_of_one_example_is_not_kept_but_its_words_are():
    """A copy counts its example's words again: single words of one example pass `min_df`, word pairs
    need as many documents as two examples with their copies make (training passes `pair_min_df`)."""
    one = parse({"title": "Rarely seen phrase", "lang": "en"})
    two = parse({"title": "Common pair here", "lang": "en"})
    docs = [one] * 4 + [two] * 8                     # one example and its three copies; two examples
    fitted = Featurizer.fit(docs, min_df=2, pair_min_df=8)
    assert {"rarely", "seen", "phrase", "common pair", "pair here"} <= set(fitted.words)
    assert "rarely seen" not in fitted.words and "seen phrase" not in fitted.words


def test_the_vocabulary_is_stored_as_text_and_old_string_arrays_still_load(tagger):
    state = tagger.featurizer.to_state()
    assert state["words_text"].dtype == np.uint8 and "words" not in state
    old_style = {**{k: v for k, v in state.items() if not k.endswith("_text")},
                 "words": np.array(tagger.featurizer.words, dtype=str),
                 "grams": np.array(tagger.featurizer.grams, dtype=str)}
    again = Featurizer.from_state(old_style)
    assert again.words == tagger.featurizer.words and again.grams == tagger.featurizer.grams
