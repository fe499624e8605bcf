"""The tagger on real text: the floors of issue 11 on ../shared/eval/real-dev.jsonl.

That set is for evaluation only (never trained on; see its README). It sits beside the
repository, not in it, so this test skips cleanly where it is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from classifiers import Tagger, evaluate_breakdown, load_examples

REAL_DEV = Path(__file__).resolve().parents[2] / "shared" / "eval" / "real-dev.jsonl"


@pytest.fixture(scope="module")
def breakdown():
    if not REAL_DEV.exists():
        pytest.skip(f"the real evaluation set is not here ({REAL_DEV})")
    return evaluate_breakdown(Tagger.load(), load_examples(REAL_DEV), "real-dev")


def test_macro_f1_on_real_items(breakdown):
    assert breakdown.overall.macro_f1 >= 0.88, breakdown.format()


def test_every_tag_on_real_items(breakdown):
    weak = {tag: f[2] for tag, f in breakdown.overall.per_tag.items() if f[2] < 0.83}
    assert not weak, breakdown.format()


@pytest.mark.parametrize("part, floor", [("language = de", 0.86), ("language = en", 0.86),
                                         ("title = lead", 0.85)])
def test_german_english_and_lead_titles(breakdown, part, floor):
    figures = {p.title: p for p in breakdown.parts}
    assert figures[part].macro_f1 >= floor, breakdown.format()


def test_platforms_on_real_items(breakdown):
    assert breakdown.platforms is not None and breakdown.platforms.f1 >= 0.92, breakdown.format()
