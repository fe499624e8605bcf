"""The tagger: what the packaged model says about clear items, how it explains
itself, how it is saved and refused, how corrections change it, and how it is
measured. Everything runs on the real packaged model and the real data files."""

from __future__ import annotations

import json
import os
import re
import shutil

import numpy as np
import pytest
import skops.io as sio

from classifiers import (
    TAGS,
    Example,
    ModelFileError,
    Prediction,
    Tagger,
    default_dev_files,
    default_training_files,
    detect_language,
    evaluate,
    load_examples,
    storage,
    train_tagger,
)
from classifiers.evaluation import report
from classifiers.examples import DATA_DIR
from classifiers.storage import MODEL_FILE, SIDECAR_FILE, sha256_file
from classifiers.tagger import PACKAGED_MODEL
from classifiers.text import doc_fields
from tests import articles

# Measured 0.907 macro-F1 (per tag 0.876 / 0.934 / 0.910) on the dev files when the
# packaged model was trained; the floors leave room for retraining on more data.
DEV_MACRO_F1_FLOOR = 0.87
DEV_TAG_F1_FLOOR = 0.84

CLEAR_ITEMS = [
    ({"title": "EU-Kommission verhängt Bußgeld gegen TikTok wegen Verstößen gegen den DSA", "lang": "de"},
     ["legal_change"]),
    ({"title": "European Commission fines X €120 million under the Digital Services Act"}, ["legal_change"]),
    ({"title": "Instagram testet eine neue Ansicht für Kommentare", "lang": "de"}, ["feature_rollout"]),
    ({"title": "YouTube rolls out a new comment moderation setting to all creators"}, ["feature_rollout"]),
    ({"title": "LinkedIn: Posts mit externen Links verlieren deutlich an Reichweite",
      "summary": "Eine Auswertung von 500 Unternehmensseiten zeigt, dass Beiträge mit Links seit dem "
                 "letzten Update 40 Prozent weniger Impressionen erzielen."}, ["algorithm_reach_change"]),
    ({"title": "Facebook cuts the reach of posts with outbound links, study finds"}, ["algorithm_reach_change"]),
    ({"title": "5 Tipps für mehr Reichweite auf Instagram"}, []),
    ({"title": "5 tips to get more reach on LinkedIn", "summary": None}, []),
]


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger.load()


@pytest.fixture(scope="module")
def training_examples() -> list[Example]:
    return load_examples(*default_training_files())


@pytest.mark.parametrize("doc, expected", CLEAR_ITEMS, ids=[d["title"][:40] for d, _ in CLEAR_ITEMS])
def test_packaged_model_tags_clear_items(tagger, doc, expected):
    assert tagger.predict([doc])[0].tags == expected


def test_predictions_carry_every_tag_with_a_rounded_probability(tagger):
    predictions = tagger.predict([doc for doc, _ in CLEAR_ITEMS] + [{"title": ""}])
    assert all(isinstance(p, Prediction) for p in predictions)
    for prediction in predictions:
        assert set(prediction.scores) == set(TAGS)
        assert all(0.0 <= s <= 1.0 and round(s, 4) == s for s in prediction.scores.values())
    for doc, prediction in zip([doc for doc, _ in CLEAR_ITEMS], predictions):
        limits = tagger.thresholds_for(doc.get("lang"))
        assert prediction.tags == [t for t in TAGS if prediction.scores[t] >= limits[t]]
    assert all(0.05 <= tagger.thresholds[t] <= 0.95 for t in TAGS)


def test_an_item_is_judged_against_its_languages_thresholds(tagger):
    """English real items' reach scores sit lower than written ones by more than German do, so
    English has a lower reach threshold (`Settings.language_threshold_scale`); its feature threshold
    is the common one since the twenty-first round. German feature news in its original wording
    scores lower than written examples, so German has a lower feature threshold (twenty-fourth
    round) and the common reach threshold. A language without its own uses the model's, and a
    language not given is the detected one."""
    english = tagger.thresholds_for("en")
    assert english["feature_rollout"] == tagger.thresholds["feature_rollout"]
    assert english["algorithm_reach_change"] < tagger.thresholds["algorithm_reach_change"]
    german = tagger.thresholds_for("de")
    assert german["feature_rollout"] < tagger.thresholds["feature_rollout"]
    assert german["algorithm_reach_change"] == tagger.thresholds["algorithm_reach_change"]
    assert german["legal_change"] == tagger.thresholds["legal_change"]
    assert tagger.thresholds_for("fr") == tagger.thresholds == tagger.thresholds_for(None)
    assert tagger.thresholds_for("en-GB") == tagger.thresholds_for("EN") == english
    lenient = tagger.with_thresholds(language_thresholds={"en": {t: 0.0 for t in TAGS}})
    text = {"title": "Quarterly figures of a shoe retailer", "summary": "Revenue rose by four percent."}
    assert lenient.predict([{**text, "lang": "en"}])[0].tags == list(TAGS)
    assert lenient.predict([text])[0].tags == list(TAGS)         # detected as English
    assert lenient.predict([{**text, "lang": "de"}])[0].tags == tagger.predict([{**text, "lang": "de"}])[0].tags == []


def test_predict_keeps_order_and_handles_empty_batches(tagger):
    docs = [doc for doc, _ in CLEAR_ITEMS]
    one_by_one = [tagger.predict([d])[0] for d in docs]
    assert tagger.predict(docs) == one_by_one
    assert tagger.predict([]) == []


def test_explain_names_the_words_behind_a_tag(tagger):
    doc = CLEAR_ITEMS[0][0]
    explanation = tagger.explain(doc, top=4)
    assert set(explanation) == set(TAGS)
    legal = explanation["legal_change"]
    assert 1 <= len(legal) <= 4
    assert [v for _, v in legal] == sorted((v for _, v in legal), reverse=True)
    assert {"bußgeld", "dsa", "kommission"} & {term.lower() for term, _ in legal}
    title_words = set(doc["title"].lower().replace("-", " ").split())
    for term, _ in legal:  # whole words of the item, never character-gram fragments
        assert set(term.lower().split()) <= title_words, term


def test_explain_shows_a_compound_through_its_character_grams(tagger):
    doc = {"title": "Massiver Reichweitenverlust für Unternehmensseiten auf LinkedIn"}
    terms = [term for term, _ in tagger.explain(doc)["algorithm_reach_change"]]
    assert "reichweitenverlust" in [t.lower() for t in terms]


def test_reasons_explain_only_assigned_tags_in_content_words(tagger):
    doc = {"title": "Wegen der DSGVO: EU-Kommission verhängt Bußgeld gegen TikTok, es ist eines der höchsten",
           "summary": "Die Strafe betrifft die Übermittlung von Nutzerdaten."}
    prediction = tagger.predict([doc])[0]
    reasons = tagger.reasons(doc)
    assert set(reasons["tags"]) == set(prediction.tags) and "legal_change" in reasons["tags"]
    words = {w for terms in reasons["tags"].values() for term, _ in terms for w in term.lower().split()}
    assert not words & {"es", "eines", "wegen", "der", "die", "ist", "gegen"}
    assert reasons["why_not"] == {}


def test_reasons_never_name_words_lagebild_wrote(tagger):
    doc = {"title": "Geändert: Nutzungsbedingungen von Instagram",
           "summary": "Neu: Inhalte dürfen für das Training von KI-Modellen genutzt werden. Entfernt: ein Satz."}
    words = {w for terms in tagger.reasons(doc, why_not=True)["tags"].values() for term, _ in terms
             for w in term.lower().split()}
    assert not words & {"geändert", "neu", "entfernt", "satz"}


def test_classify_explains_in_a_readable_text_form(tagger):
    import io

    from monitor.tag.classify import classify_lines

    out = io.StringIO()
    line = '{"title": "TikTok testet längere Videos für alle Creator in Deutschland"}'
    classify_lines(tagger, [line], out, explain=True, text=True)
    block = out.getvalue()
    assert block.startswith("TikTok testet") and "feature_rollout" in block and "platforms: tiktok" in block
    assert "{" not in block


@pytest.mark.parametrize("footer", [
    " Impressum | Datenschutz | Cookie-Einstellungen | AGB",
    " Subscribe to our newsletter for weekly tips and interviews. Read more on our website.",
    " Folgen Sie uns auf Instagram und LinkedIn für neue Funktionen und Updates.",
])
def test_feed_boilerplate_does_not_change_the_tags(tagger, footer):
    docs = [{**doc, "summary": (doc.get("summary") or "") + footer} for doc, _ in CLEAR_ITEMS]
    assert [p.tags for p in tagger.predict(docs)] == [tags for _, tags in CLEAR_ITEMS]


def _spelt_two_ways(tagger, title: str, summary: str, usual: str, other: str) -> list:
    """Predictions for one German item whose title and summary ("{}" for the word) use `usual`, then `other`."""
    docs = [{"title": title.format(word), "summary": summary.format(word), "lang": "de"} for word in (usual, other)]
    return tagger.predict(docs)


@pytest.mark.parametrize("spelling", ["Shadow Ban", "Shadow-Ban", "Schattenverbot", "Schattenbann"])
def test_a_shadowban_reads_the_same_however_it_is_spelt(tagger, spelling):
    # Written apart, "Ban" and "Verbot" read as a legal ban: the guide below scored 0.82 for
    # legal_change as "Schattenverbot", which sends an instant alert.
    one_word, other = _spelt_two_ways(tagger, "TikTok-{}: Woran Creator ihn erkennen",
                                      "Ein {} sperrt kein Konto, aber die App zeigt die Videos kaum noch.",
                                      "Shadowban", spelling)
    assert other.scores == one_word.scores
    assert "legal_change" not in other.tags


def test_a_shadowban_has_one_spelling_and_other_shadows_and_bans_keep_theirs():
    from classifiers.text import normalise, tokens

    assert tokens(normalise("Shadow Ban, shadow-banned, stealth banning, Schattenverbote")) == [
        "shadowban", "shadowbanned", "shadowbanning", "shadowban"]
    assert tokens(normalise("the shadow of a ban")) == ["the", "shadow", "of", "a", "ban"]
    assert tokens(normalise("Schattenseiten des Verbots")) == ["schattenseiten", "des", "verbots"]


@pytest.mark.parametrize("spelling", ["Nutzungsbestimmungen", "Nutzerbedingungen", "Nutzungsregeln"])
def test_a_platforms_terms_read_the_same_however_the_press_names_them(tagger, spelling):
    # Unseen, "Nutzungsbestimmungen" left a terms change with next to no legal evidence (0.02).
    usual, other = _spelt_two_ways(tagger, "WhatsApp: Neue {} gelten ab Samstag",
                                   "Wer den {} nicht zustimmt, kann bald keine Nachrichten mehr lesen.",
                                   "Nutzungsbedingungen", spelling)
    assert other.scores == usual.scores
    assert "legal_change" in other.tags


def test_terms_and_privacy_policies_have_one_spelling_and_other_words_keep_theirs():
    from classifiers.text import normalise, tokens

    assert tokens(normalise("Nutzungsbestimmungen, Nutzerbedingungen, Datenschutzbestimmungen, "
                            "Datenschutzrichtlinien")) == [
        "nutzungsbedingungen", "nutzungsbedingungen", "datenschutzrichtlinie", "datenschutzrichtlinie"]
    assert tokens(normalise("Nutzungsdaten, Nutzerregistrierung, Datenschutzerklärung")) == [
        "nutzungsdaten", "nutzerregistrierung", "datenschutzerklaerung"]


def test_boilerplate_is_stripped_but_news_sentences_stay():
    from classifiers.text import strip_boilerplate

    text = "Substack lets writers subscribe to other newsletters. Read more on our blog"
    assert strip_boilerplate(text).strip() == "Substack lets writers subscribe to other newsletters."
    assert strip_boilerplate("Die Regeln gelten ab Mai. Impressum | Datenschutz | AGB").strip() == (
        "Die Regeln gelten ab Mai.")
    assert strip_boilerplate("Fines of 5% | 10% apply") == "Fines of 5% | 10% apply"


def test_a_whole_article_gets_the_tags_of_its_news(tagger):
    """Read whole, the background also tags the item reach (0.89 before `text.lede`); read as far as its
    news and what it is, it gets what its teaser gets."""
    teaser, article = ({"title": articles.TITLE, "summary": summary, "lang": "de"}
                       for summary in (articles.TEASER, articles.ARTICLE))
    assert tagger.predict([article])[0].tags == tagger.predict([teaser])[0].tags == ["feature_rollout"]
    assert all(term not in ("dsgvo", "reichweite", "signal") for term, _ in tagger.explain(article)["feature_rollout"])


def test_the_lede_is_whole_sentences_up_to_its_length():
    from classifiers.text import LEDE_CHARS, lede

    assert lede(articles.TEASER) == articles.TEASER                       # a teaser is read whole
    just_so = ("Ein Satz. " * (LEDE_CHARS // 10)).strip()
    assert lede(just_so) == just_so
    assert lede(articles.ARTICLE) == articles.TEASER + articles.DETAIL    # the next sentence ends past it
    run_on = "wort " * 300                      # no sentence ends: cut at a word
    assert len(lede(run_on)) <= LEDE_CHARS and lede(run_on).endswith("wort")
    line = "Erste Zeile mit einer Änderung der Nutzungsbedingungen, die ab dem nächsten Monat gilt"
    lines = "\n".join([line] * 5 + ["x" * 400])
    assert lede(lines) == "\n".join([line] * 5)


def test_save_and_load_give_identical_scores(tagger, tmp_path):
    tagger.save(tmp_path / "model")
    copy = Tagger.load(tmp_path / "model")
    docs = [doc for doc, _ in CLEAR_ITEMS]
    assert copy.predict(docs) == tagger.predict(docs)
    assert copy.thresholds == tagger.thresholds and copy.meta == tagger.meta
    assert copy.language_thresholds == tagger.language_thresholds and "en" in copy.language_thresholds


def test_a_model_saved_before_languages_had_thresholds_still_loads(tagger, tmp_path):
    """A model from an earlier version (say one `monitor train` wrote) has no per-language
    thresholds: every language then uses the model's own."""
    model = tmp_path / "model"
    shutil.copytree(PACKAGED_MODEL, model)
    sidecar = json.loads((model / SIDECAR_FILE).read_text())
    del sidecar["language_thresholds"]
    (model / SIDECAR_FILE).write_text(json.dumps(sidecar))
    old = Tagger.load(model)
    assert old.language_thresholds == {} and old.thresholds_for("en") == tagger.thresholds


def test_a_tampered_model_file_is_refused(tmp_path):
    model = tmp_path / "model"
    shutil.copytree(PACKAGED_MODEL, model)
    with open(model / MODEL_FILE, "ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelFileError, match="does not match the checksum"):
        Tagger.load(model)


def _swap_model_file(model, name: str, write) -> None:
    """Replace the model file by one written by `write`, with a matching checksum."""
    sidecar = json.loads((model / SIDECAR_FILE).read_text())
    (model / sidecar["model_file"]).unlink()
    write(model / name)
    sidecar["model_file"], sidecar["model_sha256"] = name, sha256_file(model / name)
    (model / SIDECAR_FILE).write_text(json.dumps(sidecar))


def test_a_model_file_with_pickled_objects_is_refused_even_with_a_matching_checksum(tmp_path):
    model = tmp_path / "model"
    shutil.copytree(PACKAGED_MODEL, model)
    payload = np.array([os.system], dtype=object)
    _swap_model_file(model, MODEL_FILE, lambda path: np.savez(path, format=1, payload=payload))
    with pytest.raises(ModelFileError, match="would have to be unpickled"):
        Tagger.load(model)


def test_a_model_saved_by_an_earlier_version_with_skops_still_loads(tagger, tmp_path):
    model = tmp_path / "model"
    tagger.save(model)
    state, _ = storage.load(model)
    _swap_model_file(model, "tagger.skops", lambda path: sio.dump(state, path))
    docs = [doc for doc, _ in CLEAR_ITEMS]
    assert Tagger.load(model).predict(docs) == tagger.predict(docs)


def test_an_earlier_skops_model_with_untrusted_types_is_refused(tmp_path):
    model = tmp_path / "model"
    shutil.copytree(PACKAGED_MODEL, model)
    _swap_model_file(model, "tagger.skops", lambda path: sio.dump({"format": 1, "payload": os.system}, path))
    with pytest.raises(ModelFileError, match=r"not trusted: (posix|nt)\.system"):
        Tagger.load(model)


def test_a_new_save_replaces_an_earlier_skops_file(tagger, tmp_path):
    model = tmp_path / "model"
    model.mkdir()
    (model / "tagger.skops").write_bytes(b"old")
    tagger.save(model)
    assert sorted(p.name for p in model.iterdir()) == sorted([MODEL_FILE, SIDECAR_FILE])


@pytest.mark.parametrize("edit, said", [
    (lambda s: s.pop("meta"), "meta is missing"),
    (lambda s: s.pop("thresholds"), "thresholds must map each tag"),
    (lambda s: s["thresholds"].update(legal_change=5), "thresholds.legal_change must be a number between 0 and 1"),
    (lambda s: s["thresholds"].update(feature_rollout="high"), "thresholds.feature_rollout must be a number"),
    (lambda s: s["language_thresholds"].update(de={"legal_change": -1}), "language_thresholds.de.legal_change"),
    (lambda s: s.update(language_thresholds=["de"]), "language_thresholds must map languages"),
])
def test_a_sidecar_edited_by_hand_is_refused_in_words_naming_it(tmp_path, edit, said):
    """The checksum covers the arrays, not the sidecar: a threshold of 5 once loaded and took every
    tag away in silence, a missing key failed as a bare KeyError."""
    model = tmp_path / "model"
    shutil.copytree(PACKAGED_MODEL, model)
    sidecar = json.loads((model / SIDECAR_FILE).read_text())
    edit(sidecar)
    (model / SIDECAR_FILE).write_text(json.dumps(sidecar))
    with pytest.raises(ModelFileError, match=re.escape(said)) as caught:
        Tagger.load(model)
    assert str(model) in str(caught.value)


def test_a_missing_model_is_reported_clearly(tmp_path):
    with pytest.raises(ModelFileError, match="tagger.json is missing"):
        Tagger.load(tmp_path)


def test_packaged_model_records_how_it_was_trained(tagger, training_examples):
    from classifiers.examples import data_sha256

    meta = tagger.meta
    assert meta["n_examples"] == len(training_examples)
    assert meta["data_sha256"] == data_sha256(training_examples)
    assert set(meta["cv"]["per_tag"]) == set(TAGS) and 0 < meta["cv"]["macro_f1"] <= 1
    assert {"trained_at", "versions", "settings"} <= set(meta)
    size = sum(f.stat().st_size for f in PACKAGED_MODEL.iterdir())
    assert size < 10 * 1024 * 1024


def test_a_weighted_correction_changes_the_prediction_for_a_similar_item(tagger, training_examples):
    new_item = {"title": "Discord servers of small communities come later in server discovery", "lang": "en"}
    assert "algorithm_reach_change" not in tagger.predict([new_item])[0].tags
    correction = Example("Discord servers of small groups come later in server discovery", "", "en",
                         ["algorithm_reach_change"])
    corrected = train_tagger(training_examples, extra=[correction], extra_weight=3.0)
    assert "algorithm_reach_change" in corrected.predict([new_item])[0].tags
    assert corrected.meta["n_extra"] == 1


def test_report_computes_known_figures():
    truth = np.array([[1, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=bool)
    predicted = np.array([[1, 0, 0], [0, 0, 0], [1, 1, 0], [0, 1, 0]], dtype=bool)
    result = report(truth, predicted, TAGS, "tiny")
    assert result.per_tag["feature_rollout"] == (0.5, 0.5, 0.5, 2)
    assert result.per_tag["legal_change"] == (0.5, 1.0, 0.6667, 1)
    assert result.per_tag["algorithm_reach_change"] == (0.0, 0.0, 0.0, 1)
    assert result.macro_f1 == pytest.approx((0.5 + 0.6667 + 0.0) / 3, abs=1e-4)
    table = result.format()
    assert "feature_rollout" in table and "0.667" in table and "macro" in table


def test_evaluate_compares_predictions_with_labels(tagger):
    examples = [Example(doc["title"], doc.get("summary") or "", doc.get("lang"), tags) for doc, tags in CLEAR_ITEMS]
    result = evaluate(tagger, examples)
    assert result.n_items == len(examples)
    assert result.macro_f1 == 1.0
    assert result.per_tag["legal_change"] == (1.0, 1.0, 1.0, 2)


def test_dev_files_stay_above_the_floor(tagger):
    dev = load_examples(*default_dev_files())
    assert len(dev) >= 100
    result = evaluate(tagger, dev, "dev")
    assert result.macro_f1 >= DEV_MACRO_F1_FLOOR, result.format()
    assert all(f1 >= DEV_TAG_F1_FLOOR for _, _, f1, _ in result.per_tag.values()), result.format()


def test_training_data_is_well_formed(training_examples):
    assert len(training_examples) >= 500
    assert {ex.lang for ex in training_examples} == {"de", "en"}
    for tag in TAGS:
        assert sum(tag in ex.tags for ex in training_examples) >= 50


def test_load_examples_names_the_broken_line(tmp_path):
    path = tmp_path / "broken.jsonl"
    path.write_text('{"title": "ok", "tags": []}\n\n{"title": "bad", "tags": ["nonsense"]}\n')
    with pytest.raises(ValueError, match=r"broken.jsonl:3: unknown tags \['nonsense'\]"):
        load_examples(path)


@pytest.mark.parametrize("text, expected", [
    ("Instagram testet neue Funktion", "de"),
    ("TikTok Shop Update: Creator Rewards", "en"),
    ("Reichweitenverlust auf LinkedIn", "de"),
    ("Meta fined over DMA breach", "en"),
    ("Urteil: Abmahnung wegen fehlendem Impressum", "de"),
    ("Le Conseil d'État confirme l'amende infligée à Google pour les cookies publicitaires", "fr"),
    ("", "en"),
])
def test_detect_language_on_short_titles(text, expected):
    assert detect_language(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("La Comisión Europea abre una investigación sobre TikTok por el diseño de su aplicación y "
     "los riesgos para los menores", "es"),
    ("Il Garante ha sanzionato la società per il trattamento dei dati degli utenti che non erano "
     "stati informati", "it"),
    ("De toezichthouder heeft een boete opgelegd omdat het bedrijf de gegevens van gebruikers niet "
     "goed heeft beschermd", "nl"),
    ("Urząd nałożył karę na spółkę, która nie zabezpieczyła danych klientów przed wyciekiem", "pl"),
    ("Роскомнадзор ограничил доступ к платформе", "ru"),
    ("Міністерство цифрової трансформації запускає застосунок", "uk"),
    ("インスタグラムが新機能をテスト", "ja"),
    ("인스타그램이 새로운 기능을 테스트합니다", "ko"),
    # German punctuation and a brand name do not make German text foreign.
    ("Meta — „neue“ Funktion für Reels…", "de"),
    # No function word decides: character trigrams of the training texts do.
    ("Datenschutzbeauftragte kritisiert Kontaktabgleich", "de"),
    ("Creator monetization dashboard rollout", "en"),
])
def test_detect_language_names_other_languages_and_scripts(text, expected):
    assert detect_language(text) == expected


def test_detect_language_agrees_with_the_language_of_the_training_files():
    wrong = [(lang, ex.title) for lang in ("de", "en") for ex in load_examples(DATA_DIR / f"train_{lang}.jsonl")
             if detect_language(f"{ex.title}\n{ex.summary}") != lang]
    assert len(wrong) <= 3, wrong


def test_items_without_language_are_tagged_like_items_with_it(tagger):
    doc = {"title": "Instagram testet eine neue Ansicht für Kommentare"}
    assert tagger.predict([doc])[0] == tagger.predict([{**doc, "lang": "de"}])[0]


def test_training_module_regenerates_a_loadable_model(tmp_path, capsys):
    from classifiers.training import main

    main(["--output", str(tmp_path / "model")])
    out = capsys.readouterr().out
    assert "cross-validation" in out and "dev files" in out and "thresholds (en)" in out
    model = Tagger.load(tmp_path / "model")
    assert model.meta["n_examples"] > 0
    # English reach gets its cross-validated threshold scaled by 0.5, the rest by 0.7 (to two
    # decimals); feature and legal stay where they are (twenty-first round)
    english = model.language_thresholds["en"]
    assert abs(english["algorithm_reach_change"] - model.thresholds["algorithm_reach_change"] * 0.5 / 0.7) <= 0.011
    assert english["legal_change"] == model.thresholds["legal_change"]
    assert english["feature_rollout"] == model.thresholds["feature_rollout"]
    # German feature gets 0.5 too (twenty-fourth round); its reach and legal keep the common factor
    german = model.language_thresholds["de"]
    assert abs(german["feature_rollout"] - model.thresholds["feature_rollout"] * 0.5 / 0.7) <= 0.011
    assert german["algorithm_reach_change"] == model.thresholds["algorithm_reach_change"]


def test_the_item_page_explains_assigned_tags_and_only_near_misses(tagger):
    from monitor.item import Item
    from monitor.tag.tagging import explain_item

    item = Item(source="s", title="Instagram testet Karussells mit 20 Bildern", url="https://example.org/a",
                platforms=["instagram"], tags=["feature_rollout"], scores={"feature_rollout": 0.95, "legal_change": 0.01,
                                                   "algorithm_reach_change": 0.9 * tagger.thresholds["algorithm_reach_change"]})
    shown = explain_item(tagger, item)
    assert "feature_rollout" in shown and shown["feature_rollout"]
    assert "legal_change" not in shown                     # far below its threshold: nothing to explain
    assert "algorithm_reach_change" in shown               # a near miss: "why not" is offered


def test_a_german_compound_shares_word_features_with_its_parts():
    from classifiers.features import Featurizer, parse, split_compound

    docs = [parse({"title": t, "lang": "de"}) for t in (
        "Reichweite sinkt deutlich", "Mehr Reichweite für Reels", "Verlust an Followern",
        "Der Verlust ist groß", "Reichweitenverlust bei Seiten")]
    featurizer = Featurizer.fit(docs, min_df=2)
    row = featurizer.transform([parse({"title": "Massiver Reichweitenverlust", "lang": "de"})])
    present = {featurizer.words[c] for c in row.indices if c < len(featurizer.words)}
    assert {"reichweite", "verlust"} <= present
    # the same word in an English item stays whole; unknown or short parts never split
    english = featurizer.transform([parse({"title": "Reichweitenverlust", "lang": "en"})])
    assert not {"reichweite", "verlust"} & {featurizer.words[c] for c in english.indices
                                            if c < len(featurizer.words)}
    known = {"datenschutz", "verstoss", "nutzung", "bedingungen", "reichweite", "verlust", "kinder"}
    assert split_compound("datenschutzverstoss", known) == ("datenschutz", "verstoss")
    assert split_compound("nutzungsbedingungen", known) == ("nutzung", "bedingungen")   # linking "s"
    assert split_compound("reichweitenverlust", known) == ("reichweite", "verlust")      # linking "n"
    assert split_compound("kinderschutz", known) == ()       # "schutz" is not a known word
    assert split_compound("verlust", known) == ()            # too short to be a compound


def test_explain_credits_a_compounds_parts_to_the_compound(tagger):
    doc = {"title": "Reichweitenverlust bei Unternehmensseiten nach dem Update", "lang": "de"}
    terms = {term.lower() for term, _ in tagger.explain(doc)["algorithm_reach_change"]}
    assert "reichweitenverlust" in terms and "reichweite" not in terms


def test_a_model_saved_before_compounds_were_split_keeps_its_features(tagger):
    from classifiers.features import Featurizer, parse

    docs = [parse({"title": t, "lang": "de"}) for t in (
        "Reichweite sinkt", "Mehr Reichweite", "Verlust an Followern", "Der Verlust", "Reichweitenverlust")]
    state = Featurizer.fit(docs, min_df=2).to_state()
    assert Featurizer.from_state(state).split_compounds
    older = Featurizer.from_state({k: v for k, v in state.items() if k != "split_compounds"})
    row = older.transform([parse({"title": "Reichweitenverlust", "lang": "de"})])
    assert not {"reichweite", "verlust"} & {older.words[c] for c in row.indices if c < len(older.words)}
    assert tagger.featurizer.split_compounds   # the packaged model was trained with the split


def test_cross_validation_holds_out_whole_styles(training_examples):
    """Thresholds and stage two are chosen on scores of styles the fold never saw: a style's
    near-duplicates never sit on both sides of a fold."""
    from classifiers.evaluation import label_matrix
    from classifiers.training import Settings, _splits, style_groups

    groups = style_groups(training_examples)
    labels = label_matrix([ex.tags for ex in training_examples], TAGS)
    for j in range(len(TAGS)):
        splits = _splits(labels[:, j], Settings(), groups)
        assert len(splits) == Settings().folds
        for train, test in splits:
            assert not set(groups[train]) & set(groups[test])
            assert labels[test, j].any() and not labels[test, j].all()
    # examples without a style (people's corrections) are each a group of their own
    loose = [Example("a", style=None), Example("b", style=None), Example("c", style="s"), Example("d", style="s")]
    assert list(style_groups(loose)) == [0, 1, 2, 2]


def test_the_packaged_model_says_how_its_cross_validation_was_grouped(tagger):
    from classifiers import cv_report

    assert tagger.meta["cv"]["grouped_by"] == "style"
    report_ = cv_report(tagger.meta)
    assert report_ is not None and "whole styles held out" in report_.format()


def test_tagging_without_sparse_matrices_gives_the_scores_of_the_feature_matrix(tagger, training_examples):
    """Tagging computes the text scores without SciPy (Featurizer.text_scores); the feature matrix
    that training and explanations use must give the same numbers, compound splits and
    repeated grams included."""
    from classifiers.features import parse
    docs = [{"title": ex.title, "summary": ex.summary, "lang": ex.lang} for ex in training_examples[::25]]
    docs += [{"title": "", "summary": "", "lang": "de"}, {"title": "Reichweitenverlust bei Instagram-Reels", "lang": "de"},
             {"title": "Instagram testet", "summary": articles.ARTICLE, "lang": "de"}]   # a whole article
    parsed = [parse(doc) for doc in docs]
    featurizer = tagger.featurizer
    matrix = featurizer.transform(parsed)
    n_text = featurizer.block_starts[1]
    expected = matrix[:, :n_text] @ tagger.text_coef
    assert np.allclose(featurizer.text_scores(parsed, tagger.text_coef), expected, rtol=0, atol=1e-12)
    assert np.array_equal(featurizer.cue_block(parsed), matrix[:, n_text:].toarray())


def test_a_batch_is_read_word_by_word_as_each_item_alone():
    """Tagging reads a batch as one run of words and looks each distinct word up once
    (`features._Batch`). Each item's counts must still be those its own words give
    (`word_terms`, `word_types`, `CueMatcher.mask`): no pair across title and summary or across
    two items, compounds split in German items only, title words twice."""
    from collections import Counter

    from classifiers.cues import CUE_NAMES, DISCOUNTING_CUES
    from classifiers.features import char_grams, parse, word_terms, word_types
    featurizer = Tagger.load().featurizer
    docs = [
        {"title": "Instagram testet neue Funktion", "summary": "Reichweitenverlust bei Reels: Instagram testet", "lang": "de"},
        {"title": "Reichweitenverlust", "summary": "Reichweitenverlust im Feed", "lang": "en"},   # no split in English
        {"title": "", "summary": "", "lang": "de"},
        {"title": "new feature", "summary": "roll out", "lang": "en"},   # "feature roll" spans two fields
        {"title": "LinkedIn rolls", "summary": "out a new feature for some users", "lang": "en"},
        {"title": "how to grow on TikTok", "summary": "the algorithm and reach, how to", "lang": "en"},
        {"title": "Reach on TikTok and how", "summary": "to get it back", "lang": "en"},   # "how to" in no title
        {"title": "Instagram testet neue Funktion", "summary": "", "lang": "de"},
    ]
    parsed = [parse(doc) for doc in docs]
    matrix = featurizer.transform(parsed)
    n_words, n_grams = len(featurizer.words), len(featurizer.grams)
    index = {term: i for i, term in enumerate(featurizer.words)}
    grams = {gram: i for i, gram in enumerate(featurizer.grams)}
    cues = featurizer.cues
    for row, doc in enumerate(parsed):
        words = Counter(index[t] for t in word_terms(doc, featurizer.compound_parts) if t in index)
        gram_counts = Counter(n_words + grams[g] for w in word_types(doc) for g in char_grams(w) if g in grams)
        for counts, idf, start, stop in ((words, featurizer.word_idf, 0, n_words),
                                         (gram_counts, featurizer.gram_idf, n_words, n_words + n_grams)):
            expected = {c: (1 + np.log(n)) * idf[c - start] for c, n in counts.items()}
            norm = np.sqrt(sum(v * v for v in expected.values())) or 1.0
            weight = featurizer.weights[0 if start == 0 else 1]
            got = matrix[row, start:stop]
            assert dict(zip((got.indices + start).tolist(), got.data.tolist())) == pytest.approx(
                {c: weight * v / norm for c, v in expected.items()}, abs=1e-12), (row, start)
        everywhere, title = cues.mask(doc.title + doc.summary), cues.mask(doc.title)
        block = featurizer.cue_block([doc])[0]
        batch_block = featurizer.cue_block(parsed)[row]
        assert np.array_equal(block, batch_block)
        for gid, name in enumerate(CUE_NAMES):
            found = title if name in DISCOUNTING_CUES else everywhere
            assert block[gid] == (found >> gid & 1) * featurizer.weights[2], (row, name)
    assert matrix[0, index["verlust"]] > 0 and matrix[1, index["verlust"]] == 0   # compounds split in German only


def test_tagging_does_not_import_scipy():
    """The crawl process tags a new source's items: SciPy's sparse module would add 22 MB there."""
    import subprocess
    import sys
    code = ("import sys; from classifiers import Tagger; "
            "Tagger.load().predict([{'title': 'TikTok testet neue Funktion', 'summary': '', 'lang': 'de'}]); "
            "from monitor.tag.tagging import tag_items; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('scipy', 'sklearn')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("doc, quiet", [
    ({"title": "Instagram zeigt Reels außerdem weniger Nutzern, deshalb sinkt die Reichweite",
      "summary": "Seit Montag gilt das neue Ranking; außerdem zählt die Wiedergabezeit stärker, deshalb sinken "
                 "Aufrufe."}, {"außerdem", "deshalb", "seit"}),
    ({"title": "Since Monday, LinkedIn shows fewer posts with links; however, reach for documents rose",
      "summary": "Since the change, pages see lower reach and however many posts they publish, organic views "
                 "stay down."}, {"since", "however", "with"}),
])
def test_reasons_leave_out_linking_adverbs(tagger, doc, quiet):
    """"außerdem", "deshalb", "since" carry weight in the model (they join a report's sentences) but
    tell a reader nothing about why the item got its tag."""
    reasons = tagger.reasons(doc, top=10)
    assert "algorithm_reach_change" in reasons["tags"]
    words = {w for terms in reasons["tags"].values() for term, _ in terms for w in term.lower().split()}
    assert words and not words & quiet


def test_classify_reads_a_pasted_html_description_as_the_pipeline_would(tagger):
    """A feed's description piped in as it came (markup, entities) gets the tags and scores of its
    text: the pipeline never tags markup, and `monitor classify` must not judge something else."""
    import io

    from monitor.tag.classify import classify_lines

    plain = {"title": "LinkedIn drosselt die Reichweite von Beiträgen mit externen Links",
             "summary": "Seit dieser Woche zeigt LinkedIn Posts mit Links deutlich weniger Menschen; "
                        "Seiten & Creator berichten von halbierten Impressionen."}
    marked = {"title": plain["title"],
              "summary": '<p class="lead"><strong>Seit dieser Woche</strong> zeigt LinkedIn Posts mit Links '
                         '<a href="https://example.org/x?utm_source=rss&amp;ref=feed">deutlich weniger</a> '
                         "Menschen;</p><p>Seiten &amp; Creator berichten von halbierten Impressionen.</p>"}
    outputs = []
    for doc in (plain, marked):
        out = io.StringIO()
        classify_lines(tagger, [json.dumps(doc)], out)
        outputs.append(json.loads(out.getvalue()))
    assert "algorithm_reach_change" in outputs[0]["tags"]
    assert outputs[1]["tags"] == outputs[0]["tags"] and outputs[1]["scores"] == outputs[0]["scores"]
    assert outputs[1]["summary"] == marked["summary"]          # the line itself comes back as it was


def test_invisible_characters_inside_words_do_not_change_the_scores(tagger):
    """`monitor classify` and `monitor eval` read text that never passed the feed reader: a soft hyphen
    or a zero-width space pasted from a web page must not split "Reichweite" into two unknown words."""
    plain = {"title": "LinkedIn senkt die Reichweite von Unternehmensseiten",
             "summary": "Seit März zeigt der Feed Beiträge von Seiten seltener; Datenschutzgrundverordnung bleibt."}
    hidden = {"title": "LinkedIn senkt die Reich\u00adweite von Unter\u00adnehmens\u00adseiten",
              "summary": "Seit März zeigt der Feed Bei\u200bträge von Seiten seltener; "
                         "Daten\u00adschutz\u2060grund\ufeffverordnung bleibt."}
    assert tagger.predict([hidden])[0] == tagger.predict([plain])[0]
    assert "algorithm_reach_change" in tagger.predict([plain])[0].tags


def test_html_entities_in_text_that_never_passed_the_feed_reader_do_not_change_the_scores(tagger):
    """Text from an API or pasted into `monitor classify` often keeps its entities ("&amp;", "&#8217;");
    read as words, "amp" and "8217" would take weight from the words that carry the news."""
    plain = {"title": "Facebook & Instagram: Meta's new rules for political ads in the EU",
             "summary": "From October, Meta won't show political, electoral or social-issue ads in the EU."}
    escaped = {"title": "Facebook &amp; Instagram: Meta&#8217;s new rules for political ads in the EU",
               "summary": "From October, Meta won&#39;t show political, electoral or social-issue ads in the EU."}
    assert tagger.predict([escaped])[0] == tagger.predict([plain])[0]
    assert tagger.reasons(escaped) == tagger.reasons(plain)
    assert "AT&T and Q&A" in doc_fields({"title": "AT&T and Q&A"})[0]      # a bare ampersand stays


def test_classify_and_eval_take_a_newsroom_link_when_the_text_names_no_platform(tagger, tmp_path):
    import io

    from classifiers import evaluate_breakdown, load_examples
    from monitor.tag.classify import classify_lines

    line = {"title": "3 Verbesserungen, zu denen uns unsere Nutzer inspiriert haben",
            "url": "https://newsroom.pinterest.com/de/post/3-verbesserungen"}
    out = io.StringIO()
    classify_lines(tagger, [json.dumps(line), json.dumps({"title": line["title"]})], out)
    assert [json.loads(row)["platforms"] for row in out.getvalue().splitlines()] == [["pinterest"], []]

    labelled = tmp_path / "real.jsonl"
    labelled.write_text(json.dumps({**line, "tags": ["feature_rollout"], "platforms": ["pinterest"]}) + "\n"
                        + json.dumps({"title": "Pinterest testet Sammlungen", "tags": ["feature_rollout"],
                                      "platforms": ["pinterest"]}) + "\n", encoding="utf-8")
    report = evaluate_breakdown(tagger, load_examples(labelled)).platforms
    assert report is not None and report.f1 == 1.0
    assert report.text_only is not None and report.text_only.recall == 0.5
    assert "title and summary alone" in report.format()


def test_monitor_train_reports_each_languages_own_thresholds(tagger):
    from monitor.tag.train import threshold_lines

    lines = list(threshold_lines(tagger))
    feature = next(line for line in lines if "feature_rollout" in line)
    german = tagger.language_thresholds["de"]["feature_rollout"]
    english = tagger.language_thresholds["en"]["feature_rollout"]
    assert feature == (f"  feature_rollout: threshold {tagger.thresholds['feature_rollout']:.2f}, de {german:.2f}, "
                       f"en {english:.2f}")
    assert len(lines) == len(TAGS)


def _with_feature_threshold(tagger: Tagger, value: float) -> Tagger:
    return tagger.with_thresholds({**tagger.thresholds, "feature_rollout": value}, {})


def test_an_item_about_no_platform_needs_twice_the_score_for_feature_and_reach(tagger):
    """General feeds bring gadgets and software releases full of "launches" and "update"; a feature
    change on a network names the network. Where what an item is about is known and it is no
    platform, feature and reach need twice the score; legal (a law for all platforms) does not."""
    doc = {"title": "Update für die Wetter-App", "summary": "", "lang": "de"}
    score = tagger.predict([doc])[0].scores["feature_rollout"]
    assert 0.05 <= score <= 0.6
    model = _with_feature_threshold(tagger, score * 0.75)        # just under this item's score
    assert "feature_rollout" in model.predict([doc])[0].tags                  # not known: as before
    assert "feature_rollout" in model.predict([doc], [["instagram"]])[0].tags
    assert "feature_rollout" not in model.predict([doc], [[]])[0].tags        # about no platform
    alone = model.thresholds_for("de", [])
    assert alone["feature_rollout"] == 2 * model.thresholds["feature_rollout"]
    assert alone["algorithm_reach_change"] == 2 * model.thresholds["algorithm_reach_change"]
    assert alone["legal_change"] == model.thresholds["legal_change"]
    assert model.thresholds_for("de", ["x"]) == model.thresholds_for("de") == model.thresholds


@pytest.mark.parametrize("lang, footer", [
    ("de", " […] Der Beitrag {title} erschien zuerst auf Agenturblog."),
    ("en", " […] The post {title} appeared first on Brand Notes."),
    ("de", " … Weiterlesen »"),
])
def test_a_wordpress_excerpt_gets_the_tags_of_its_text(tagger, lang, footer):
    """Feeds cut the excerpt with an ellipsis and put their footer in the same line: the excerpt's
    last sentence, here the news, must not go with the footer (on the real set, every summary in
    that form cost 0.04 macro-F1 while it did)."""
    docs = {"de": {"title": "Was Unternehmensseiten jetzt wissen müssen",
                   "summary": "Eine kurze Einordnung für Social-Media-Teams. LinkedIn zeigt Beiträge mit externen "
                              "Links ab sofort seltener im Feed an, bestätigt das Netzwerk", "lang": "de"},
            "en": {"title": "Good news for creators this week",
                   "summary": "Here is what changed. Instagram now lets creators and businesses schedule Reels "
                              "up to 75 days ahead, rolling out worldwide from today", "lang": "en"}}
    doc = docs[lang]
    plain, framed = tagger.predict([doc, {**doc, "summary": doc["summary"] + footer.format(title=doc["title"])}])
    assert plain.tags and framed.tags == plain.tags
    assert all(abs(framed.scores[t] - plain.scores[t]) < 0.05 for t in plain.scores)
