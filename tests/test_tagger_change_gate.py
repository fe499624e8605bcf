"""The change gate (`tagger.CHANGE_GATE`): a fourth text model, "reports any change", whose
probability scales each tag's text score in stage two, so that topic words count for less in
guides, explainers and complaints that report nothing new."""

from __future__ import annotations

import numpy as np
import pytest

from classifiers import ModelFileError, Tagger, default_training_files, load_examples, storage, train_tagger
from classifiers.features import parse
from classifiers.function_words import QUIET_WORDS
from classifiers.labels import TAGS
from classifiers.training import Settings
from tests.model_files import rewritten

# Each pair: news of a change, and an item on the same topic that reports none.
PAIRS = [
    ({"title": "Instagram stellt den Feed um: Reels von Freunden kommen jetzt zuerst", "lang": "de"},
     {"title": "Der Instagram-Algorithmus 2026: So funktioniert er", "lang": "de"}),
    ({"title": "LinkedIn zeigt Beiträge mit externen Links ab sofort seltener", "lang": "de"},
     {"title": "Zehn Tipps für mehr Reichweite auf LinkedIn", "lang": "de"}),
    ({"title": "Court fines TikTok over the way it handled children's data", "lang": "en"},
     {"title": "A plain-English guide to children's data on social media", "lang": "en"}),
    ({"title": "YouTube begins testing a new comment layout for some viewers", "lang": "en"},
     {"title": "How to moderate comments on your YouTube channel", "lang": "en"}),
]


@pytest.fixture(scope="module")
def shipped() -> Tagger:
    return Tagger.load()


@pytest.fixture(scope="module")
def small_models() -> tuple[Tagger, Tagger]:
    """Two models on a tenth of the training data: with the gate, and of the form saved before it."""
    examples = load_examples(*default_training_files())[::10]
    return (train_tagger(examples, settings=Settings(n_jobs=1)),
            train_tagger(examples, settings=Settings(n_jobs=1, change_gate=False)))


def _gate(tagger: Tagger, doc: dict) -> float:
    row = tagger.featurizer.transform([parse(doc)]).toarray()[0]
    change = tagger._change(row[: tagger.featurizer.block_starts[1]])
    assert change is not None
    return change


def test_the_gate_tells_news_of_a_change_from_talk_about_the_topic(shipped):
    assert shipped.change_model is not None
    for news, talk in PAIRS:
        assert _gate(shipped, news) > 0.5 > _gate(shipped, talk), (news["title"], talk["title"])


def test_stage_two_weighs_a_tags_text_more_where_a_change_is_reported(shipped):
    """Each tag's own text score times the gate carries a positive weight: its topic words count
    for more in news of a change than in a guide."""
    gated = shipped.combine_coef[-len(TAGS):]
    assert all(gated[j, j] > 0 for j in range(len(TAGS)))


def test_a_model_saved_before_the_gate_loads_and_scores_as_it_did(small_models, tmp_path):
    """A team's model that `monitor train` wrote before the gate has no gate in its file."""
    _, old = small_models
    old.save(tmp_path / "old")
    state, _ = storage.load(tmp_path / "old")
    assert "change_coef" not in state
    loaded = Tagger.load(tmp_path / "old")
    assert loaded.change_model is None
    docs = [doc for pair in PAIRS for doc in pair]
    assert np.allclose(loaded.probabilities(docs), old.probabilities(docs))


def test_a_gated_model_round_trips_through_its_file(small_models, tmp_path):
    gated, _ = small_models
    gated.save(tmp_path / "gated")
    loaded = Tagger.load(tmp_path / "gated")
    docs = [doc for pair in PAIRS for doc in pair]
    assert np.allclose(loaded.probabilities(docs), gated.probabilities(docs), atol=1e-5)
    assert [p.tags for p in loaded.predict(docs)] == [p.tags for p in gated.predict(docs)]


def test_a_gate_that_does_not_fit_its_features_is_refused_in_plain_words(small_models, tmp_path):
    gated, _ = small_models
    gated.save(tmp_path / "saved")

    def shorter(state: dict) -> None:
        state["change_coef"] = state["change_coef"][:-5]
    broken = rewritten(tmp_path / "saved", tmp_path / "broken", shorter)
    with pytest.raises(ModelFileError, match="change gate does not fit .* retrain it with `monitor train`"):
        Tagger.load(broken)


def test_a_gate_without_its_second_stage_is_refused(small_models, tmp_path):
    """A file with a gate but a second stage trained without one (a faulty writer) would score
    with misaligned weights; it is refused instead."""
    _, old = small_models
    old.save(tmp_path / "saved")

    def with_gate(state: dict) -> None:
        state["change_coef"] = np.zeros(state["text_coef"].shape[0], dtype=np.float32)
        state["change_intercept"] = np.array(0.0)
    broken = rewritten(tmp_path / "saved", tmp_path / "broken", with_gate)
    with pytest.raises(ModelFileError, match="retrain it with `monitor train`"):
        Tagger.load(broken)


def test_the_gate_learns_function_words_at_reduced_strength(small_models):
    """The written examples share habits of phrasing ("now" in news, "how" in guides) that real
    text does not keep to, so the gate learns single function words at `gate_function_words`
    (`function_words.QUIET_WORDS`): they carry a smaller share of its weight than at full
    strength, and the tag models, which learn every word at full strength, are the same."""
    reduced, _ = small_models
    examples = load_examples(*default_training_files())[::10]
    full = train_tagger(examples, settings=Settings(n_jobs=1, gate_function_words=1.0))
    assert Settings().gate_function_words < 1.0
    words = reduced.featurizer.words
    assert words == full.featurizer.words
    quiet = np.array([word in QUIET_WORDS for word in words])
    assert quiet.any()

    def share(tagger: Tagger) -> float:
        assert tagger.change_model is not None
        weights = np.abs(tagger.change_model[0][: len(words)])
        return float(weights[quiet].sum() / weights.sum())

    assert share(reduced) < 0.8 * share(full)
    assert np.allclose(reduced.text_coef, full.text_coef)
    docs = [doc for pair in PAIRS for doc in pair]
    assert not np.allclose(reduced.probabilities(docs), full.probabilities(docs))
