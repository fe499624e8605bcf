"""The topic gate (`tagger.TOPIC_FLOOR`): a text model that tells items about what Lagebild watches
from items about anything else, so that general feeds (gadgets, changelogs, science, sport, courts
outside online law) do not fill the archive and the chat with false tags, while items of the domain
keep exactly the tags they had."""

from __future__ import annotations

import numpy as np
import pytest

from classifiers import ModelFileError, Tagger, default_dev_files, load_examples, storage, train_tagger
from classifiers.examples import DATA_DIR, default_training_files, offtopic_check_files, offtopic_examples
from classifiers.platforms import platforms_of_item
from classifiers.tagger import TOPIC_FLOOR
from classifiers.training import Settings
from tests.model_files import rewritten

# Written for this test: off-topic items in this product's words, and news of the domain.
OFF_TOPIC = [
    {"title": "Forscher ertappen ein Reparaturenzym auf frischer Tat", "summary": "", "lang": "de"},
    {"title": "Bump serde_json from 1.0.110 to 1.0.111", "summary": "Bumps serde_json. Release notes.", "lang": "en"},
    {"title": "Neuer Elektro-SUV startet mit 600 Kilometern Reichweite", "lang": "de",
     "summary": "Die Plattform teilt sich das Modell mit der Limousine; ein Update over the air folgt."},
    {"title": "Chipmaker files for IPO, valuing the company at $4 billion", "summary": "", "lang": "en"},
]
ON_TOPIC = [
    {"title": "Instagram testet eine neue Ansicht für Reels", "summary": "", "lang": "de"},
    {"title": "EU fines a social network over children's data", "summary": "", "lang": "en"},
    {"title": "LinkedIn zeigt Beiträge mit Links seltener im Feed", "summary": "", "lang": "de"},
]


@pytest.fixture(scope="module")
def shipped() -> Tagger:
    return Tagger.load()


def ungated(tagger: Tagger) -> Tagger:
    """The same model without its topic gate, as models were before it."""
    return Tagger(tagger.featurizer, tagger.text_coef, tagger.text_intercept, tagger.combine_coef,
                  tagger.combine_intercept, tagger.thresholds, tagger.meta, tagger.language_thresholds,
                  tagger.conjunctions, tagger.change_model)


def tagged(tagger: Tagger, examples) -> int:
    docs = [ex.as_doc() for ex in examples]
    about = [platforms_of_item(ex.title, ex.summary) for ex in examples]
    return sum(1 for p in tagger.predict(docs, about) if p.tags)


def test_off_topic_items_never_trained_on_stay_untagged(shipped):
    """The check files (other topics and wording than the gate's examples) and an older set of
    off-topic news written at another time for another purpose (`held_back/s11_*`)."""
    assert shipped.topic_model is not None
    for examples in (load_examples(*offtopic_check_files()),
                     load_examples(DATA_DIR / "held_back" / "s11_offtopic_news.jsonl")):
        assert not any(ex.tags for ex in examples)
        with_gate, without = tagged(shipped, examples), tagged(ungated(shipped), examples)
        assert with_gate <= 0.10 * len(examples), with_gate
        assert without >= 3 * with_gate
    assert [p.tags for p in shipped.predict(OFF_TOPIC)] == [[]] * len(OFF_TOPIC)


def test_items_of_the_domain_keep_their_tags(shipped):
    """The gate only ever lowers a score, and not for the domain: every labelled dev item about no
    named platform reads as on topic, an item about a platform is not gated at all, and the dev files
    get the same tags with and without the gate."""
    dev = load_examples(*default_dev_files())
    docs = [ex.as_doc() for ex in dev]
    about = [platforms_of_item(ex.title, ex.summary) for ex in dev]
    assert min(shipped.on_topic([doc for doc, ex, named in zip(docs, dev, about) if ex.tags and not named])) \
        >= TOPIC_FLOOR
    assert [p.tags for p in shipped.predict(docs, about)] == [p.tags for p in ungated(shipped).predict(docs, about)]
    assert all(p.tags for p in shipped.predict(ON_TOPIC))
    gated, plain = shipped.probabilities(docs, about), ungated(shipped).probabilities(docs, about)
    assert (gated <= plain + 1e-12).all()
    named = np.array([bool(n) for n in about])
    assert np.array_equal(gated[named], plain[named])
    short = {"title": "X sends Spaces recordings to the graveyard after 30 days", "summary": "", "lang": "en"}
    assert shipped.on_topic([short])[0] < TOPIC_FLOOR          # read alone, a gadget's news
    assert shipped.predict([short], [["x"]])[0].scores == ungated(shipped).predict([short], [["x"]])[0].scores


# A tenth of the training data, without framed copies: with them, single words of one example
# pass `min_df` (a copy counts them again), and on so few examples one of them lets the German
# science title read as on topic (0.52). The shipped model, trained on all examples with their
# copies, reads it at 0.13 (`test_the_shipped_gate_separates_the_test_items` below).
SMALL = Settings(n_jobs=1, frame_weight=0)


@pytest.fixture(scope="module")
def small() -> Tagger:
    """A model on a tenth of the training data, with a gate from the shipped off-topic examples."""
    return train_tagger(load_examples(*default_training_files())[::10], settings=SMALL,
                        offtopic=offtopic_examples()[::2])


def test_training_with_off_topic_examples_leaves_the_tag_models_alone(small):
    """The off-topic examples train the gate alone: the features and the tags' models are those
    of a run without them."""
    plain = train_tagger(load_examples(*default_training_files())[::10], settings=SMALL)
    assert plain.topic_model is None and small.topic_model is not None
    assert np.allclose(plain.text_coef, small.text_coef) and plain.thresholds == small.thresholds
    assert small.meta["n_offtopic"] == len(offtopic_examples()[::2])
    assert max(small.on_topic(OFF_TOPIC)) < TOPIC_FLOOR < min(small.on_topic(ON_TOPIC))


def test_a_model_without_a_gate_loads_and_scores_as_before(small, tmp_path):
    old = ungated(small)
    old.save(tmp_path / "old")
    state, _ = storage.load(tmp_path / "old")
    assert "topic_coef" not in state
    loaded = Tagger.load(tmp_path / "old")
    assert loaded.topic_model is None and (loaded.on_topic(OFF_TOPIC) == 1.0).all()
    assert np.allclose(loaded.probabilities(OFF_TOPIC + ON_TOPIC), old.probabilities(OFF_TOPIC + ON_TOPIC))
    small.save(tmp_path / "gated")
    again = Tagger.load(tmp_path / "gated")
    assert np.allclose(again.probabilities(OFF_TOPIC + ON_TOPIC), small.probabilities(OFF_TOPIC + ON_TOPIC), atol=1e-5)


def test_a_gate_that_does_not_fit_its_features_is_refused_in_plain_words(small, tmp_path):
    small.save(tmp_path / "saved")

    def shorter(state: dict) -> None:
        state["topic_coef"] = state["topic_coef"][:-3]
    broken = rewritten(tmp_path / "saved", tmp_path / "broken", shorter)
    with pytest.raises(ModelFileError, match="topic gate does not fit .* retrain it with `monitor train`"):
        Tagger.load(broken)


def test_a_team_model_gets_the_gate_too(monkeypatch, tmp_path):
    """`monitor train` trains on the shipped examples plus corrections, and the gate with them."""
    import monitor.tag.train as train
    from monitor.store import Store
    few = load_examples(*default_training_files())[::40]
    monkeypatch.setattr(train, "load_examples", lambda *_files: few)
    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}")
    list(train.retrain(store, tmp_path / "home"))
    store.close()
    model = Tagger.load(tmp_path / "home" / "model")
    assert model.topic_model is not None and model.meta["n_offtopic"] == len(offtopic_examples())


def test_classify_says_when_an_item_reads_as_off_topic(shipped):
    """`--explain` gives the gate's probability, and the text form says why every score is low."""
    import io
    import json

    from monitor.tag.classify import classify_lines

    lines = [json.dumps(doc) for doc in (OFF_TOPIC[0], ON_TOPIC[0])]
    out = io.StringIO()
    classify_lines(shipped, lines, out, explain=True)
    off, on = (json.loads(line) for line in out.getvalue().splitlines())
    assert off["on_topic"] < TOPIC_FLOOR <= on["on_topic"] and off["tags"] == []
    text = io.StringIO()
    classify_lines(shipped, lines, text, explain=True, text=True)
    first, second = text.getvalue().split("\n\n")[:2]
    assert "off topic" in first and "off topic" not in second


def test_the_item_page_says_why_an_off_topic_items_scores_are_low(tmp_path):
    """With the shipped tagger on a real server: an off-topic item's page says the model lowered every
    score because it does not read like a topic for social media teams; a platform's news says nothing."""
    from monitor.config import Config, Settings, Source
    from monitor.item import Item
    from monitor.store import ItemQuery, Store
    from monitor.tag.tagging import load_tagger, tag_items
    from monitor.web import create_app
    from tests.servers import running

    store = Store.open(f"sqlite:///{tmp_path / 'web.db'}")
    store.sync_sources([Source(name="mixed", url="https://mixed.example/feed")])
    items = [Item(source="mixed", url=f"https://mixed.example/{n}", **doc) for n, doc in enumerate(OFF_TOPIC[:1] + ON_TOPIC[:1])]
    tag_items(load_tagger(None), items)
    store.add_items(items)
    stored = {it.url: it.id for it in store.query_items(ItemQuery())}
    app = create_app(Config(settings=Settings(language="de"), sources=[]), store, home=tmp_path / "home",
                     tagger_loader=lambda: load_tagger(None))
    with running(app) as client:
        off = client.get(f"/items/{stored['https://mixed.example/0']}").text
        on = client.get(f"/items/{stored['https://mixed.example/1']}").text
    assert "liest sich nicht wie ein Thema für Social-Media-Teams" in off
    assert "Social-Media-Teams" not in on
    store.close()


def test_explanations_leave_out_single_letters(shipped):
    """Seen on a real science feed's title: "s" (of "Earth's") shown as a term behind a legal tag."""
    doc = {"title": "Comets contributed to Earth's atmosphere and the planet's oceans", "summary": "", "lang": "en"}
    terms = [term for found in shipped.explain(doc).values() for term, _ in found]
    assert terms and not any(len(word) < 2 and word != "x" for term in terms for word in term.split())


def test_the_shipped_gate_separates_the_test_items(shipped):
    assert max(shipped.on_topic(OFF_TOPIC)) < TOPIC_FLOOR < min(shipped.on_topic(ON_TOPIC))
