"""How far an evaluation figure can be trusted, and two models side by side (`monitor eval --against`).

A macro-F1 on a few hundred labelled items moves by a few hundredths with the choice of items, so
a team deciding between the model it trained and the packaged one, or a developer between two
training runs, needs to know whether a difference is more than that.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from classifiers import Tagger, compare_models, evaluate_breakdown, load_examples
from classifiers.evaluation import RESAMPLES, Interval, macro_f1_interval, report
from classifiers.labels import TAGS

DEV_EN = Path(__file__).resolve().parents[1] / "classifiers" / "data" / "dev_en.jsonl"


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger.load()


@pytest.fixture(scope="module")
def timid(tagger: Tagger) -> Tagger:
    """The same model deciding only when it is all but certain: it misses most tags."""
    return tagger.with_thresholds({tag: 0.995 for tag in TAGS}, {})


def _labels(n: int, flipped: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = rng.random((n, len(TAGS))) < 0.3
    return truth, truth ^ (rng.random((n, len(TAGS))) < flipped)


def test_the_interval_holds_the_figure_and_narrows_with_more_items():
    truth, predicted = _labels(200, 0.15, seed=1)
    figure = report(truth, predicted, TAGS, "sample").macro_f1
    few = macro_f1_interval(truth, predicted)
    assert few.low < figure < few.high
    assert few.high - few.low > 0.05          # 200 items leave real doubt
    assert macro_f1_interval(truth, predicted) == few      # the same items give the same interval
    many = macro_f1_interval(np.tile(truth, (16, 1)), np.tile(predicted, (16, 1)))
    assert many.low < figure < many.high
    assert many.high - many.low < (few.high - few.low) / 2.5     # 16 times the items: about a quarter as wide


def test_a_tagger_that_is_always_right_leaves_no_doubt():
    truth, _ = _labels(50, 0.0, seed=2)
    assert macro_f1_interval(truth, truth) == Interval(1.0, 1.0, RESAMPLES)


def test_the_breakdown_prints_the_interval_of_its_macro_figure(tagger):
    breakdown = evaluate_breakdown(tagger, load_examples(DEV_EN), "dev_en")
    assert breakdown.interval is not None
    assert breakdown.interval.low < breakdown.overall.macro_f1 < breakdown.interval.high
    assert f"macro 95 % interval: {breakdown.interval.low:.3f} to {breakdown.interval.high:.3f}" in breakdown.format()
    assert breakdown.to_dict()["macro_f1_interval"] == [breakdown.interval.low, breakdown.interval.high]


def test_a_file_without_tags_has_no_interval(tagger, tmp_path):
    unlabelled = tmp_path / "offtopic.jsonl"
    unlabelled.write_text('{"title": "Neue Kaffeemaschine im Test"}\n{"title": "Bundesliga: 2:1 in Bremen"}\n',
                          encoding="utf-8")
    breakdown = evaluate_breakdown(tagger, load_examples(unlabelled))
    assert breakdown.interval is None and "interval" not in breakdown.format()


def test_a_model_compared_with_itself_differs_in_nothing(tagger):
    comparison = compare_models(tagger, tagger, load_examples(DEV_EN), "dev_en", ("first", "second"))
    assert comparison.macro[0] == comparison.macro[1]
    assert (comparison.low, comparison.high, comparison.ahead) == (0.0, 0.0, 0.0)
    assert "within what the choice of items explains" in comparison.format()


def test_a_model_that_misses_most_tags_is_behind_beyond_chance(tagger, timid):
    examples = load_examples(DEV_EN)
    comparison = compare_models(tagger, timid, examples, "dev_en", ("packaged", "timid"))
    assert comparison.macro[0] == evaluate_breakdown(tagger, examples).overall.macro_f1
    assert comparison.macro[0] - comparison.macro[1] > 0.1
    assert 0 < comparison.low <= comparison.macro[0] - comparison.macro[1] <= comparison.high
    assert comparison.ahead == 1.0
    assert "packaged is ahead beyond what the choice of items explains" in comparison.format()
    assert [name for name, *_ in comparison.parts] == ["language = en"]
    assert comparison.to_dict()["difference_interval"] == [comparison.low, comparison.high]


def _monitor(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(MONITOR_HOME=str(home), MONITOR_DB=f"sqlite:///{home / 'lagebild.db'}")
    return subprocess.run([sys.executable, "-m", "monitor", *args], env=env, capture_output=True, text=True,
                          timeout=300)


def test_monitor_eval_against_another_model_directory(timid, tmp_path):
    timid.save(tmp_path / "timid")
    home = tmp_path / "home"
    home.mkdir()
    done = _monitor(home, "eval", str(DEV_EN), "--against", str(tmp_path / "timid"))
    assert done.returncode == 0, done.stderr
    assert "macro 95 % interval:" in done.stdout
    assert f"in use against {tmp_path / 'timid'}" in done.stdout
    assert "in use is ahead beyond what the choice of items explains" in done.stdout


def test_monitor_eval_against_a_folder_without_a_model_says_so_plainly(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    done = _monitor(home, "eval", str(DEV_EN), "--against", str(tmp_path))
    assert done.returncode != 0
    assert f"--against {tmp_path}: no model in {tmp_path}" in done.stderr
    assert "Traceback" not in done.stderr
