"""Pairs of cue groups that count only together (`cues.CUE_CONJUNCTIONS`, issue 11,
fourteenth round): a study counts for reach where it measures reach, a platform's own word
where it is about ranking. The second stage weighs each pair; explanations still add up to
the score; a model saved before the pairs existed loads and scores as it did; a model whose
pairs do not fit its second stage is refused in plain words."""

from __future__ import annotations

import numpy as np
import pytest

from classifiers import ModelFileError, Tagger, default_training_files, load_examples, storage, train_tagger
from classifiers.cues import CUE_CONJUNCTIONS, CUE_NAMES
from classifiers.features import parse
from classifiers.labels import REACH_TAG, TAGS
from classifiers.tagger import combiner_inputs, conjunction_columns
from classifiers.training import Settings

ITEMS = [
    {"title": "Auswertung von 2.000 Profilen: Reichweite von Karussell-Posts sinkt um ein Viertel", "lang": "de"},
    {"title": "Studie: So viele Deutsche nutzen Instagram täglich",
     "summary": "Laut einer Umfrage öffnen 41 Prozent die App mindestens einmal am Tag.", "lang": "de"},
    {"title": "TikTok confirms the For You feed now weighs search queries more heavily", "lang": "en"},
    {"title": "LinkedIn usage statistics: users, demographics and growth", "lang": "en"},
]


@pytest.fixture(scope="module")
def shipped() -> Tagger:
    return Tagger.load()


@pytest.fixture(scope="module")
def small_models() -> tuple[Tagger, Tagger]:
    """Two models on a tenth of the training data: one as trained now, one of the form saved
    before the pairs existed."""
    examples = load_examples(*default_training_files())[::10]
    return (train_tagger(examples, settings=Settings(n_jobs=1)),
            train_tagger(examples, settings=Settings(n_jobs=1, conjunctions=(), change_gate=False)))


def _combiner_logit(tagger: Tagger, cues: set[str], tag: str) -> float:
    """The second stage's log-odds for `tag` with every text score at 0 and only `cues` present."""
    cue_row = np.zeros((1, len(CUE_NAMES) + 2))
    cue_row[0, [CUE_NAMES.index(c) for c in cues]] = 1.0
    inputs = combiner_inputs(np.zeros((1, len(TAGS))), cue_row, conjunction_columns(tagger.conjunctions),
                             None if tagger.change_model is None else np.zeros(1))
    j = TAGS.index(tag)
    return float(inputs[0] @ tagger.combine_coef[:, j] + tagger.combine_intercept[j])


def _resave(tagger: Tagger, directory, change) -> None:
    """Save `tagger`, let `change` edit its arrays, and write them again as a consistent model
    (a fresh checksum), as an earlier version or a faulty writer would have."""
    tagger.save(directory / "saved")
    state, sidecar = storage.load(directory / "saved")
    change(state)
    storage.save(directory / "model", state,
                 {key: sidecar[key] for key in ("thresholds", "meta", "language_thresholds")})


def test_the_shipped_model_weighs_the_pairs(shipped):
    assert shipped.conjunctions == tuple(f"{a}*{b}" for a, b in CUE_CONJUNCTIONS)


def test_a_study_counts_for_reach_more_with_reach_in_it_than_its_parts_apart(shipped):
    """Usage statistics and benchmarks are the commonest items with study words and no change:
    alone those words lower reach. A study that measures reach lifts it by more than the two
    cues would apart, which an additive second stage could not express."""
    none = _combiner_logit(shipped, set(), REACH_TAG)
    study, reach = (_combiner_logit(shipped, {c}, REACH_TAG) - none for c in ("stats", "reach"))
    both = _combiner_logit(shipped, {"stats", "reach"}, REACH_TAG) - none
    assert study < 0
    assert both > study + reach


def test_explanations_still_add_up_to_the_score(shipped):
    """The item page lists the words and cue groups behind a tag: their weights, with the
    intercepts, must give the log-odds the tag's probability comes from, a pair's weight
    shared between its two cues."""
    n_text = shipped.featurizer.block_starts[1]
    for doc in ITEMS:
        parsed = parse(doc)
        row = shipped.featurizer.transform([parsed]).toarray()[0]
        probabilities = shipped.probabilities([doc])[0]
        change = shipped._change(row[:n_text])
        for j in range(len(TAGS)):
            weights, constant = shipped._attribution(row[n_text:], change, j)
            p = np.clip(probabilities[j], 1e-12, 1 - 1e-12)
            assert row @ weights + constant == pytest.approx(np.log(p / (1 - p)), abs=1e-6)


def test_a_model_saved_before_the_pairs_existed_loads_and_scores_as_it_did(small_models, tmp_path):
    """A team's model that `monitor train` wrote before this change has no pairs in its file."""
    _, old = small_models
    _resave(old, tmp_path, lambda state: state.pop("conjunctions"))
    loaded = Tagger.load(tmp_path / "model")
    assert loaded.conjunctions == ()
    assert loaded.predict(ITEMS) == old.predict(ITEMS)


def test_a_model_with_pairs_saves_and_loads_them(small_models, tmp_path):
    new, _ = small_models
    new.save(tmp_path / "model")
    loaded = Tagger.load(tmp_path / "model")
    assert loaded.conjunctions == new.conjunctions and loaded.conjunctions
    assert loaded.predict(ITEMS) == new.predict(ITEMS)


def test_a_model_whose_pairs_do_not_fit_its_second_stage_is_refused(small_models, tmp_path):
    new, _ = small_models
    _resave(new, tmp_path, lambda state: state.update(conjunctions=state["conjunctions"][:2]))
    with pytest.raises(ModelFileError, match="does not fit its cue groups; retrain it with `monitor train`"):
        Tagger.load(tmp_path / "model")


def test_a_model_naming_an_unknown_cue_group_is_refused(small_models, tmp_path):
    new, _ = small_models
    _resave(new, tmp_path, lambda state: state.update(
        conjunctions=np.array(["stats*nonsense"] + state["conjunctions"].tolist()[1:])))
    with pytest.raises(ModelFileError, match="other cue groups"):
        Tagger.load(tmp_path / "model")
