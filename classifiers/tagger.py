"""The tagger: per tag, a text model and a small combining model, giving calibrated
probabilities, and one decision threshold per tag (a language may have its own).

Stage one, per tag, is a linear model over word and character n-grams: a text score.
Stage two, per tag, is a logistic regression over the three text scores, the cue
groups and the language, plus each text score multiplied by each discounting cue
("howto", "opinion", …): in a how-to piece "Reichweite" is no news, and the product
lets the model turn the text evidence down there; and the pairs of cue groups that
count only together (`cues.CUE_CONJUNCTIONS`: a study with a direction); and each text
score times the probability that the item reports any change at all (`CHANGE_GATE`). Stage two
was fitted on out-of-fold text scores, so its output is a calibrated probability:
0.7 means roughly "seven in ten such items carry the tag". Everything is a few sparse
and dense products, so prediction is fast and `explain` can attribute the score to words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import storage
from .cues import CUE_CONJUNCTIONS, CUE_NAMES, DISCOUNTING_CUES
from .explanation import explain_scores
from .features import LANGS, Featurizer, Parsed, parse
from .labels import FEATURE_TAG, REACH_TAG, TAGS

if TYPE_CHECKING:  # SciPy is not imported when tagging in the crawl process (`_batch_probabilities`)
    import scipy.sparse as sp

PACKAGED_MODEL = Path(__file__).parent / "model"
_BATCH = 4096
_DISCOUNTING = [CUE_NAMES.index(name) for name in DISCOUNTING_CUES]
# A feature or a ranking change happens on a network, and news of one names it (on the real set, 1
# of 66 feature and 0 of 59 reach items name none). A general tech or news feed brings gadgets,
# databases and science full of "launches" and "update" that name none. So where what the item is
# about is known (`predict(..., platforms=...)`: its text, its link, its source) and it is about no
# platform, these two tags need this many times the score. Legal changes often name no platform
# (a law for all of them) and keep their threshold. Tenth round, classifiers/README.md.
PLATFORM_TAGS: tuple[str, ...] = (FEATURE_TAG, REACH_TAG)
NO_PLATFORM_FACTOR = 2.0


@dataclass(frozen=True)
class Prediction:
    """Tags of one item: those whose probability reached the tag's threshold."""

    tags: list[str]
    scores: dict[str, float]


def combiner_inputs(text_scores: np.ndarray, cue_block: np.ndarray,
                    conjunctions: Sequence[tuple[int, int]] = (),
                    change: np.ndarray | None = None) -> np.ndarray:
    """Stage-two inputs: text scores, cue groups and language, every text score times
    every discounting cue, for each pair of cue columns in `conjunctions` whether
    both occur, and with `change` (per item, the probability that it reports any change:
    `CHANGE_GATE`) every text score times it."""
    discount = cue_block[:, _DISCOUNTING]
    products = (text_scores[:, :, None] * discount[:, None, :]).reshape(len(text_scores), -1)
    blocks = [text_scores, cue_block, products]
    if conjunctions:
        first, second = np.array(conjunctions).T
        blocks.append(cue_block[:, first] * cue_block[:, second])
    if change is not None:
        blocks.append(text_scores * change[:, None])
    return np.hstack(blocks)


# A fourth text model, trained on the same features to tell items that report any change (any
# tag) from those that report none, gates the three tag models: stage two weighs each text score
# alone and times this model's probability. A guide, an explainer or a complaint is full of one
# tag's topic words ("Reels-Algorithmus", "Reichweite", "Datenschutz") that its text model weighs
# by topic; the gate has learnt from all three tags at once what telling news of a change sounds
# like, so the topic words count for less where nothing is reported. Fifteenth round,
# classifiers/README.md: on original wording this ranked better on every sample and fold seed.
CHANGE_GATE = "any_tag"

# A fifth text model, trained on the same features to tell items about what Lagebild watches (every
# training example: social networks, marketing, the law of online communication, and their hard
# negatives) from items about anything else (`data/offtopic/`: gadgets, databases, changelogs,
# science, sport, business, weather, culture). The tag models only ever saw the domain, so outside
# it they read "launch", "version", "act" and "IPO" as news with full confidence: a Go library's
# bump as a feature rollout, an enzyme "caught in the act" as a legal change. Each tag's probability
# is scaled by min(1, p(on topic) / TOPIC_FLOOR) squared: unchanged for items that read as on topic
# at least that surely, fading fast towards zero for items that do not. An item known to be about one
# of the watched platforms (`predict(..., platforms=...)`) is in the domain by that alone and is not
# gated: a short "Snapchat+ Lite at $3.99" reads like a gadget price. Eighteenth round,
# classifiers/README.md.
TOPIC_FLOOR = 0.5


def input_slices(n_cues: int, n_pairs: int, gated: bool) -> dict[str, slice]:
    """Where each block of `combiner_inputs` lies in one row, for `n_cues` cue and language
    columns, `n_pairs` conjunctions and a gate or none: the one description of that layout
    besides `combiner_inputs` itself, for reading weights back (`Tagger._attribution`) and
    checking a model file's width (`Tagger.load`)."""
    n_tags = len(TAGS)
    widths = {"text": n_tags, "cues": n_cues, "products": n_tags * len(_DISCOUNTING), "pairs": n_pairs,
              "gated": n_tags if gated else 0}
    slices, start = {}, 0
    for name, width in widths.items():
        slices[name], start = slice(start, start + width), start + width
    return slices


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function, clipped so that no input overflows: training and tagging share it."""
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0)))


def conjunction_columns(names: Sequence[str]) -> list[tuple[int, int]]:
    """Cue-block columns of conjunctions written "stats*change_dir" (as a model file stores them)."""
    pairs = [tuple(name.split("*")) for name in names]
    if not all(len(pair) == 2 and set(pair) <= set(CUE_NAMES) for pair in pairs):
        raise storage.ModelFileError("model was trained with other cue groups; retrain it with `monitor train`")
    return [(CUE_NAMES.index(a), CUE_NAMES.index(b)) for a, b in pairs]


CONJUNCTION_NAMES: tuple[str, ...] = tuple(f"{a}*{b}" for a, b in CUE_CONJUNCTIONS)


class Tagger:
    """Predicts `TAGS` for items ({"title", "summary", "lang"} mappings)."""

    def __init__(self, featurizer: Featurizer, text_coef: np.ndarray, text_intercept: np.ndarray,
                 combine_coef: np.ndarray, combine_intercept: np.ndarray,
                 thresholds: Mapping[str, float], meta: Mapping,
                 language_thresholds: Mapping[str, Mapping[str, float]] | None = None,
                 conjunctions: Sequence[str] = (), change_model: tuple[np.ndarray, float] | None = None,
                 topic_model: tuple[np.ndarray, float] | None = None):
        self.featurizer = featurizer
        self.text_coef = np.asarray(text_coef, dtype=np.float64)  # (n_text_features, n_tags)
        self.text_intercept = np.asarray(text_intercept, dtype=np.float64)  # (n_tags,)
        self.combine_coef = np.asarray(combine_coef, dtype=np.float64)  # (n_combiner_inputs, n_tags)
        self.combine_intercept = np.asarray(combine_intercept, dtype=np.float64)  # (n_tags,)
        self.thresholds = {tag: float(thresholds[tag]) for tag in TAGS}
        # Languages whose real items need other thresholds than `thresholds` (see
        # `training.Settings.language_threshold_scale`); a model saved before has none.
        self.language_thresholds = {lang: {tag: float(values[tag]) for tag in TAGS}
                                    for lang, values in (language_thresholds or {}).items()}
        self.meta = dict(meta)
        # Pairs of cue groups the second stage weighs together (`CONJUNCTION_NAMES` when trained
        # now); a model saved before they existed has none, and loads and scores as it did.
        self.conjunctions = tuple(conjunctions)
        self._conjunction_columns = conjunction_columns(self.conjunctions)
        # The gate's text model (`CHANGE_GATE`): coefficients over the text features and an
        # intercept. A model saved before it existed has none, and loads and scores as it did.
        self.change_model = None if change_model is None else (
            np.asarray(change_model[0], dtype=np.float64), float(change_model[1]))
        # The topic gate's text model (`TOPIC_FLOOR`); a model saved before it existed has none,
        # and loads and scores as it did.
        self.topic_model = None if topic_model is None else (
            np.asarray(topic_model[0], dtype=np.float64), float(topic_model[1]))
        extra = [m[0] for m in (self.change_model, self.topic_model) if m is not None]
        self._coef = np.column_stack([self.text_coef, *extra]) if extra else self.text_coef
        if extra:   # one copy of the weights: the models' arrays become views into the stacked one
            n_tags = self.text_coef.shape[1]
            self.text_coef = self._coef[:, :n_tags]
            views = iter(self._coef[:, n_tags:].T)
            if self.change_model is not None:
                self.change_model = (next(views), self.change_model[1])
            if self.topic_model is not None:
                self.topic_model = (next(views), self.topic_model[1])

    def with_thresholds(self, thresholds: Mapping[str, float] | None = None,
                        language_thresholds: Mapping[str, Mapping[str, float]] | None = None) -> Tagger:
        """The same model deciding at other thresholds (those not given stay), to try a bar
        without retraining."""
        return Tagger(self.featurizer, self.text_coef, self.text_intercept, self.combine_coef,
                      self.combine_intercept, thresholds if thresholds is not None else self.thresholds, self.meta,
                      language_thresholds if language_thresholds is not None else self.language_thresholds,
                      self.conjunctions, self.change_model, self.topic_model)

    def thresholds_for(self, lang: str | None, platforms: Sequence[str] | None = None) -> dict[str, float]:
        """The decision threshold per tag for an item in language `lang` ("en", "en-GB"); with
        `platforms` known and empty, feature and reach ask for more (`NO_PLATFORM_FACTOR`)."""
        return self._thresholds(lang, None if platforms is None else bool(platforms))

    def _thresholds(self, lang: str | None, named: bool | None) -> dict[str, float]:
        """`thresholds_for`, told only whether the item names a platform (None: not known)."""
        limits = self.language_thresholds.get((lang or "").lower().split("-")[0], self.thresholds)
        if named is None or named:
            return limits
        return {tag: min(value * NO_PLATFORM_FACTOR, 0.95) if tag in PLATFORM_TAGS else value
                for tag, value in limits.items()}

    def probabilities(self, docs: Sequence[Mapping], platforms: Sequence[Sequence[str]] | None = None) -> np.ndarray:
        """Calibrated probability per item and tag, shape (len(docs), len(TAGS)), after the topic gate
        (which leaves items alone that `platforms` says are about a watched platform)."""
        return self._gated(docs, platforms)[0]

    def _gated(self, docs: Sequence[Mapping], platforms: Sequence[Sequence[str]] | None
               ) -> tuple[np.ndarray, list[str]]:
        probs, langs, on_topic = self._scored(docs)
        if self.topic_model is not None:
            factor = np.minimum(1.0, on_topic / TOPIC_FLOOR) ** 2
            if platforms is not None:
                factor[[bool(named) for named in platforms]] = 1.0
            probs = probs * factor[:, None]
        return probs, langs

    def predict(self, docs: Sequence[Mapping],
                platforms: Sequence[Sequence[str]] | None = None) -> list[Prediction]:
        """Tags and scores per item, each against the thresholds of the item's language (given or
        detected) and, when `platforms` (per item, what it is about) is given, of its platforms."""
        probs, langs = self._gated(docs, platforms)
        probs = np.round(probs, 4)
        known: list[bool | None] = [None] * len(langs) if platforms is None else [bool(p) for p in platforms]
        limits = {(lang, named): np.array([self._thresholds(lang, named)[tag] for tag in TAGS])
                  for lang, named in set(zip(langs, known))}
        return [
            Prediction([t for t, hit in zip(TAGS, row >= limits[lang, named]) if hit], dict(zip(TAGS, row.tolist())))
            for row, lang, named in zip(probs, langs, known)
        ]

    def explain(self, doc: Mapping, top: int = 6) -> dict[str, list[tuple[str, float]]]:
        """Per tag, the words, phrases and cue phrases that pushed its score up most,
        with their contribution to the tag's log-odds."""
        parsed = parse(doc)
        row = self.featurizer.transform([parsed])
        cue_row = row[:, self._n_text :].toarray()[0]
        change = self._change(row[:, : self._n_text])
        return {
            tag: explain_scores(self.featurizer, parsed, doc, row, self._attribution(cue_row, change, j)[0], top)
            for j, tag in enumerate(TAGS)
        }

    def reasons(self, doc: Mapping, top: int = 6, why_not: bool = False,
                platforms: Sequence[str] | None = None) -> dict[str, dict[str, list[tuple[str, float]]]]:
        """What a reader is shown: the terms behind each *assigned* tag, and, when asked,
        behind tags that scored high but stayed under their threshold ("why not")."""
        prediction = self.predict([doc], None if platforms is None else [platforms])[0]
        explained = self.explain(doc, top=top)
        thresholds = self.thresholds_for(parse(doc).lang, platforms)
        near = {tag for tag in TAGS if tag not in prediction.tags
                and prediction.scores[tag] >= 0.5 * thresholds[tag]}
        return {"tags": {tag: explained[tag] for tag in prediction.tags},
                "why_not": {tag: explained[tag] for tag in TAGS if tag in near} if why_not else {}}

    def save(self, path: Path) -> None:
        """Write the model file and its JSON sidecar (thresholds, meta, checksum)."""
        state = {
            "format": storage.FORMAT,
            "tags": np.array(TAGS, dtype=str),
            "cue_names": np.array(CUE_NAMES, dtype=str),
            "text_coef": self.text_coef.astype(np.float32),
            "text_intercept": self.text_intercept,
            "combine_coef": self.combine_coef,
            "combine_intercept": self.combine_intercept,
            "conjunctions": np.array(self.conjunctions, dtype=str),
            **self.featurizer.to_state(),
        }
        if self.change_model is not None:
            state["change_coef"] = self.change_model[0].astype(np.float32)
            state["change_intercept"] = np.array(self.change_model[1])
        if self.topic_model is not None:
            state["topic_coef"] = self.topic_model[0].astype(np.float32)
            state["topic_intercept"] = np.array(self.topic_model[1])
        storage.save(Path(path), state, {"thresholds": self.thresholds, "meta": self.meta,
                                         "language_thresholds": self.language_thresholds})

    @classmethod
    def load(cls, path: Path | None = None) -> Tagger:
        """The packaged model, or one saved by `save` (e.g. by `monitor train`); a model that cannot be
        used is a `ModelFileError` naming its directory, whatever is wrong inside it."""
        directory = Path(path) if path is not None else PACKAGED_MODEL
        try:
            return cls._load(directory)
        except storage.ModelFileError:
            raise
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            raise storage.ModelFileError(f"{directory}: the model is damaged ({type(exc).__name__}: {exc}); "
                                         "retrain it with `monitor train`") from None

    @classmethod
    def _load(cls, directory: Path) -> Tagger:
        state, sidecar = storage.load(directory)
        for key, expected in (("tags", TAGS), ("cue_names", CUE_NAMES)):
            if tuple(state[key].tolist()) != expected:
                raise storage.ModelFileError(f"model was trained with other {key}; retrain it with `monitor train`")
        conjunctions = tuple(state.get("conjunctions", np.array([], dtype=str)).tolist())
        change_model = ((state["change_coef"], float(state["change_intercept"]))
                        if "change_coef" in state else None)
        if change_model is not None and change_model[0].shape != state["text_coef"].shape[:1]:
            raise storage.ModelFileError(
                "model's change gate does not fit its features; retrain it with `monitor train`")
        topic_model = ((state["topic_coef"], float(state["topic_intercept"]))
                       if "topic_coef" in state else None)
        if topic_model is not None and topic_model[0].shape != state["text_coef"].shape[:1]:
            raise storage.ModelFileError(
                "model's topic gate does not fit its features; retrain it with `monitor train`")
        width = input_slices(len(CUE_NAMES) + len(LANGS), len(conjunction_columns(conjunctions)),
                             change_model is not None)["gated"].stop
        if state["combine_coef"].shape[0] != width:
            raise storage.ModelFileError(
                "model's second stage does not fit its cue groups; retrain it with `monitor train`")
        return cls(Featurizer.from_state(state), state["text_coef"], state["text_intercept"],
                   state["combine_coef"], state["combine_intercept"], sidecar["thresholds"], sidecar["meta"],
                   sidecar.get("language_thresholds"), conjunctions, change_model, topic_model)

    @property
    def _n_text(self) -> int:
        return self.featurizer.block_starts[1]

    def _scored(self, docs: Sequence[Mapping]) -> tuple[np.ndarray, list[str], np.ndarray]:
        """Probabilities before the topic gate (items x tags), each item's language, and its
        probability of being on topic (ones without a gate), in batches."""
        docs = docs if isinstance(docs, Sequence) else list(docs)
        parts, topics, langs = [], [], []
        for i in range(0, len(docs), _BATCH):
            parsed = [parse(doc) for doc in docs[i : i + _BATCH]]
            probabilities, on_topic = self._batch_probabilities(parsed)
            parts.append(probabilities)
            topics.append(on_topic)
            langs += [p.lang for p in parsed]
        if not parts:
            return np.zeros((0, len(TAGS))), langs, np.ones(0)
        return np.vstack(parts), langs, np.concatenate(topics)

    def _batch_probabilities(self, parsed: Sequence[Parsed]) -> tuple[np.ndarray, np.ndarray]:
        """Without a sparse matrix (`Featurizer.scores_and_cues`): the crawl process tags with this, and
        SciPy would be a ninth of its memory."""
        scores, cue_block = self.featurizer.scores_and_cues(parsed, self._coef)  # one pass for the tags and gates
        text_scores = scores[:, : len(TAGS)] + self.text_intercept
        change = None if self.change_model is None else sigmoid(scores[:, len(TAGS)] + self.change_model[1])
        inputs = combiner_inputs(text_scores, cue_block, self._conjunction_columns, change)
        probabilities = sigmoid(inputs @ self.combine_coef + self.combine_intercept)
        on_topic = (np.ones(len(parsed)) if self.topic_model is None
                    else sigmoid(scores[:, -1] + self.topic_model[1]))
        return probabilities, on_topic

    def on_topic(self, docs: Sequence[Mapping]) -> np.ndarray:
        """Per item, the topic gate's probability that it is about what Lagebild watches (`TOPIC_FLOOR`);
        ones without a gate."""
        return self._scored(docs)[2]

    def _change(self, text_row: np.ndarray | sp.csr_matrix) -> float | None:
        """The gate's probability for one item's text features, dense or a sparse row (None
        without a gate)."""
        if self.change_model is None:
            return None
        logit = np.asarray(text_row @ self.change_model[0]).ravel()[0] + self.change_model[1]
        return float(sigmoid(np.array(logit)))

    def _attribution(self, cue_row: np.ndarray, change: float | None, tag: int) -> tuple[np.ndarray, float]:
        """Tag `tag`'s log-odds for one item as one weight per feature plus a constant: the
        weight on each text score, adjusted by the item's discounting cues and its gate
        probability `change` (a number for this item), spread over that text model's features,
        then the cue weights themselves (a pair of cues that both occur shares its weight
        between the two). Features times weights plus the constant is the log-odds."""
        w = self.combine_coef[:, tag]
        at = input_slices(cue_row.shape[0], len(self._conjunction_columns), self.change_model is not None)
        per_score = w[at["text"]] + w[at["products"]].reshape(len(TAGS), len(_DISCOUNTING)) @ cue_row[_DISCOUNTING]
        pairs = w[at["pairs"]]
        if change is not None:
            per_score = per_score + change * w[at["gated"]]
        cues = w[at["cues"]].copy()
        for (first, second), weight in zip(self._conjunction_columns, pairs):
            if cue_row[first] and cue_row[second]:
                cues[[first, second]] += weight / 2
        constant = float(self.text_intercept @ per_score + self.combine_intercept[tag])
        return np.concatenate([self.text_coef @ per_score, cues]), constant
