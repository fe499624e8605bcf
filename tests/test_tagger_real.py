"""The tagger on real text, on ../shared/eval/real-dev.jsonl.

That set is for evaluation only (never trained on; see its README). It sits beside the
repository, not in it, so these tests skip cleanly where it is absent. Two kinds of
floor: what the packaged model reaches today (a fall below it is a regression), and
the floors issue 11 asks for, which it does not reach yet (expected failures until it
does, so the gap stays visible in every test run).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from classifiers import Tagger, evaluate_breakdown, load_examples
from classifiers.evaluation import Breakdown


def _find_real_dev() -> Path:
    """`shared/eval/real-dev.jsonl` beside the project root (`../shared/eval`), or beside one of its
    parents: a worktree at /work/wt/<name> finds /work/shared/eval as the main checkout does."""
    root = Path(__file__).resolve().parents[1]
    candidates = [folder / "shared" / "eval" / "real-dev.jsonl" for folder in root.parents]
    return next((path for path in candidates if path.exists()), candidates[0])


REAL_DEV = _find_real_dev()
NOT_YET = pytest.mark.xfail(reason="issue 11's floor is not reached yet", strict=False)


@pytest.fixture(scope="module")
def breakdown() -> Breakdown:
    if not REAL_DEV.exists():
        pytest.skip(f"the real evaluation set is not here ({REAL_DEV})")
    return evaluate_breakdown(Tagger.load(), load_examples(REAL_DEV), "real-dev")


def _part(breakdown: Breakdown, title: str) -> float:
    return next(p.macro_f1 for p in breakdown.parts if p.title == title)


def test_no_regression_on_real_items(breakdown):
    # The packaged model reaches 0.882 / de 0.868 / leads 0.871 / platforms 0.907: a little room for
    # retraining noise (one item is about 0.01 of a tag's F1), none for a real fall.
    assert breakdown.overall.macro_f1 >= 0.875, breakdown.format()
    assert breakdown.platforms is not None and breakdown.platforms.f1 >= 0.903, breakdown.format()


def test_english_floor_on_real_items(breakdown):
    """Issue 11's floor for English items, reached (0.899)."""
    assert _part(breakdown, "language = en") >= 0.86, breakdown.format()


def test_macro_f1_floor_on_real_items(breakdown):
    """Issue 11's floor, reached (0.882) since English has its own reach threshold."""
    assert breakdown.overall.macro_f1 >= 0.88, breakdown.format()


def test_every_tag_floor_on_real_items(breakdown):
    """Issue 11's floor per tag, reached (feature 0.848, legal 0.919, reach 0.879)."""
    weak = {tag: f[2] for tag, f in breakdown.overall.per_tag.items() if f[2] < 0.83}
    assert not weak, breakdown.format()


@pytest.mark.parametrize("part, floor", [("language = de", 0.86), ("title = lead", 0.85)])
def test_german_and_lead_title_floors(breakdown, part, floor):
    """Issue 11's floors for German items and first sentences as titles, reached (0.868, 0.871)."""
    assert _part(breakdown, part) >= floor, breakdown.format()


def test_real_items_read_as_whole_articles_keep_their_tags():
    """A feed that carries whole articles gives the tagger 2,000 characters, not a teaser. Here each real
    item's summary is followed by summaries of untagged real items in its language up to that length: the
    worst background an article can have, guides and opinion full of the tags' words. Read whole, the set
    fell to 0.54 macro-F1 (reach tagged on half the items); read as far as `classifiers.text.lede` goes,
    it reads 0.74."""
    import random

    if not REAL_DEV.exists():
        pytest.skip(f"the real evaluation set is not here ({REAL_DEV})")
    from classifiers.evaluation import evaluate

    examples = load_examples(REAL_DEV)
    background = {lang: [ex.summary for ex in examples if not ex.tags and ex.summary] for lang in ("de", "en")}
    rng = random.Random(0)
    articles = []
    for ex in examples:
        summary, pool = ex.summary, [s for s in background[ex.lang] if s != ex.summary]
        for _ in range(100):                      # bounded: each pick adds at least one sentence
            if len(summary) >= 2000:
                break
            summary += " " + rng.choice(pool)
        articles.append(replace(ex, summary=summary[:2000]))
    result = evaluate(Tagger.load(), articles, "real items as whole articles")
    assert result.macro_f1 >= 0.70, result.format()


@NOT_YET
def test_platform_floor_on_real_items(breakdown):
    """Out of reach for a dictionary: most platforms still missed are not named in title or summary."""
    assert breakdown.platforms is not None and breakdown.platforms.f1 >= 0.92, breakdown.format()
