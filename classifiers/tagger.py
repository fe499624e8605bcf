"""The tagger: per tag, a text model and a small combining model, giving calibrated
probabilities, and one decision threshold per tag.

Stage one, per tag, is a linear model over word and character n-grams: a text score.
Stage two, per tag, is a logistic regression over the three text scores, the cue
groups and the language, plus each text score multiplied by each discounting cue
("howto", "opinion", …): in a how-to piece "Reichweite" is no news, and the product
lets the model turn the text evidence down there. Stage two was fitted on
out-of-fold text scores, so its output is a calibrated probability: 0.7 means
roughly "seven in ten such items carry the tag". Everything is a few sparse and
dense products, so prediction is fast and `explain` can attribute the score to words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import storage
from .cues import CUE_NAMES, DISCOUNTING_CUES
from .explanation import explain_scores
from .features import Featurizer, parse
from .labels import TAGS

PACKAGED_MODEL = Path(__file__).parent / "model"
_BATCH = 4096
_DISCOUNTING = [CUE_NAMES.index(name) for name in DISCOUNTING_CUES]


@dataclass(frozen=True)
class Prediction:
    """Tags of one item: those whose probability reached the tag's threshold."""

    tags: list[str]
    scores: dict[str, float]


def combiner_inputs(text_scores: np.ndarray, cue_block: np.ndarray) -> np.ndarray:
    """Stage-two inputs: text scores, cue groups and language, and every text score
    times every discounting cue."""
    discount = cue_block[:, _DISCOUNTING]
    products = (text_scores[:, :, None] * discount[:, None, :]).reshape(len(text_scores), -1)
    return np.hstack([text_scores, cue_block, products])


class Tagger:
    """Predicts `TAGS` for items ({"title", "summary", "lang"} mappings)."""

    def __init__(self, featurizer: Featurizer, text_coef: np.ndarray, text_intercept: np.ndarray,
                 combine_coef: np.ndarray, combine_intercept: np.ndarray,
                 thresholds: Mapping[str, float], meta: Mapping):
        self.featurizer = featurizer
        self.text_coef = np.asarray(text_coef, dtype=np.float64)  # (n_text_features, n_tags)
        self.text_intercept = np.asarray(text_intercept, dtype=np.float64)  # (n_tags,)
        self.combine_coef = np.asarray(combine_coef, dtype=np.float64)  # (n_combiner_inputs, n_tags)
        self.combine_intercept = np.asarray(combine_intercept, dtype=np.float64)  # (n_tags,)
        self.thresholds = {tag: float(thresholds[tag]) for tag in TAGS}
        self.meta = dict(meta)

    def probabilities(self, docs: Sequence[Mapping]) -> np.ndarray:
        """Calibrated probability per item and tag, shape (len(docs), len(TAGS))."""
        docs = docs if isinstance(docs, Sequence) else list(docs)
        parts = [self._batch_probabilities(docs[i : i + _BATCH]) for i in range(0, len(docs), _BATCH)]
        return np.vstack(parts) if parts else np.zeros((0, len(TAGS)))

    def predict(self, docs: Sequence[Mapping]) -> list[Prediction]:
        probs = np.round(self.probabilities(docs), 4)
        hits = probs >= np.array([self.thresholds[tag] for tag in TAGS])
        return [
            Prediction([t for t, hit in zip(TAGS, row_hits) if hit], dict(zip(TAGS, row.tolist())))
            for row, row_hits in zip(probs, hits)
        ]

    def explain(self, doc: Mapping, top: int = 6) -> dict[str, list[tuple[str, float]]]:
        """Per tag, the words, phrases and cue phrases that pushed its score up most,
        with their contribution to the tag's log-odds."""
        parsed = parse(doc)
        row = self.featurizer.transform([parsed])
        cue_block = row[:, self._n_text :].toarray()
        return {
            tag: explain_scores(self.featurizer, parsed, doc, row, self._weights_for(cue_block[0], j), top)
            for j, tag in enumerate(TAGS)
        }

    def reasons(self, doc: Mapping, top: int = 6,
                why_not: bool = False) -> dict[str, dict[str, list[tuple[str, float]]]]:
        """What a reader is shown: the terms behind each *assigned* tag, and, when asked,
        behind tags that scored high but stayed under their threshold ("why not")."""
        prediction = self.predict([doc])[0]
        explained = self.explain(doc, top=top)
        near = {tag for tag in TAGS if tag not in prediction.tags
                and prediction.scores[tag] >= 0.5 * self.thresholds[tag]}
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
            **self.featurizer.to_state(),
        }
        storage.save(Path(path), state, {"thresholds": self.thresholds, "meta": self.meta})

    @classmethod
    def load(cls, path: Path | None = None) -> Tagger:
        """The packaged model, or one saved by `save` (e.g. by `monitor train`)."""
        state, sidecar = storage.load(Path(path) if path is not None else PACKAGED_MODEL)
        for key, expected in (("tags", TAGS), ("cue_names", CUE_NAMES)):
            if tuple(state[key].tolist()) != expected:
                raise storage.ModelFileError(f"model was trained with other {key}; retrain it with `monitor train`")
        return cls(Featurizer.from_state(state), state["text_coef"], state["text_intercept"],
                   state["combine_coef"], state["combine_intercept"], sidecar["thresholds"], sidecar["meta"])

    @property
    def _n_text(self) -> int:
        return self.featurizer.block_starts[1]

    def _batch_probabilities(self, docs: Sequence[Mapping]) -> np.ndarray:
        """Without a sparse matrix (`Featurizer.text_scores`): the crawl process tags with this, and
        SciPy would be a ninth of its memory."""
        parsed = [parse(doc) for doc in docs]
        text_scores = self.featurizer.text_scores(parsed, self.text_coef) + self.text_intercept
        inputs = combiner_inputs(text_scores, self.featurizer.cue_block(parsed))
        logits = inputs @ self.combine_coef + self.combine_intercept
        return 1.0 / (1.0 + np.exp(-np.clip(logits, -50.0, 50.0)))

    def _weights_for(self, cue_row: np.ndarray, tag: int) -> np.ndarray:
        """Tag `tag`'s log-odds as one weight per feature, for an item with these cues:
        the weight on each text score, adjusted by the item's discounting cues, spread
        over that text model's features, then the cue weights themselves."""
        n_tags, n_cues = len(TAGS), cue_row.shape[0]
        w = self.combine_coef[:, tag]
        products = w[n_tags + n_cues :].reshape(n_tags, len(_DISCOUNTING))
        per_score = w[:n_tags] + products @ cue_row[_DISCOUNTING]
        return np.concatenate([self.text_coef @ per_score, w[n_tags : n_tags + n_cues]])
