"""The tagger on real text, on ../shared/eval/real-dev.jsonl.

That set is for evaluation only (never trained on; see its README). It sits beside the
repository, not in it, so these tests skip cleanly where it is absent. Two kinds of
floor: what the packaged model reaches today (a fall below it is a regression), and
the floors issue 11 asks for, which it does not reach yet (expected failures until it
does, so the gap stays visible in every test run).
"""

from __future__ import annotations

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
    # The packaged model reaches 0.886 / de 0.868 / leads 0.852 / platforms 0.907: a little room for
    # retraining noise (one item is about 0.01 of a tag's F1), none for a real fall.
    assert breakdown.overall.macro_f1 >= 0.875, breakdown.format()
    assert breakdown.platforms is not None and breakdown.platforms.f1 >= 0.903, breakdown.format()


def test_english_floor_on_real_items(breakdown):
    """Issue 11's floor for English items, reached (0.906)."""
    assert _part(breakdown, "language = en") >= 0.86, breakdown.format()


def test_macro_f1_floor_on_real_items(breakdown):
    """Issue 11's floor, reached (0.886) since English has its own thresholds."""
    assert breakdown.overall.macro_f1 >= 0.88, breakdown.format()


def test_every_tag_floor_on_real_items(breakdown):
    """Issue 11's floor per tag, reached (feature 0.859, legal 0.919, reach 0.879)."""
    weak = {tag: f[2] for tag, f in breakdown.overall.per_tag.items() if f[2] < 0.83}
    assert not weak, breakdown.format()


@pytest.mark.parametrize("part, floor", [("language = de", 0.86), ("title = lead", 0.85)])
def test_german_and_lead_title_floors(breakdown, part, floor):
    """Issue 11's floors for German items and first sentences as titles, reached (0.868, 0.852)."""
    assert _part(breakdown, part) >= floor, breakdown.format()


@NOT_YET
def test_platform_floor_on_real_items(breakdown):
    """Out of reach for a dictionary: most platforms still missed are not named in title or summary."""
    assert breakdown.platforms is not None and breakdown.platforms.f1 >= 0.92, breakdown.format()
