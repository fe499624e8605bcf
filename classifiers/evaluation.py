"""Precision, recall and F1 per tag, and their macro average.

Undefined ratios count as 0.0 (no predictions: precision 0; no positives:
recall 0), as scikit-learn's ``zero_division=0`` does, so a tag the tagger never
predicts cannot look good.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from .labels import TAGS

if TYPE_CHECKING:
    from .examples import Example
    from .tagger import Tagger

Figures = tuple[float, float, float, int]  # precision, recall, f1, support


@dataclass(frozen=True)
class EvalReport:
    per_tag: dict[str, Figures]
    macro_f1: float
    n_items: int
    title: str = "evaluation"

    def format(self) -> str:
        """A plain-text table, one row per tag and one for the macro average."""
        lines = [f"{self.title} ({self.n_items} items)",
                 f"{'tag':<24} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}"]
        for tag, (precision, recall, f1, support) in self.per_tag.items():
            lines.append(f"{tag:<24} {precision:>9.3f} {recall:>7.3f} {f1:>6.3f} {support:>8d}")
        lines.append(f"{'macro':<24} {'':>9} {'':>7} {self.macro_f1:>6.3f}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        tags = {tag: dict(zip(("precision", "recall", "f1", "support"), figures))
                for tag, figures in self.per_tag.items()}
        return {"per_tag": tags, "macro_f1": self.macro_f1, "n_items": self.n_items}


def evaluate(tagger: Tagger, examples: Iterable[Example], title: str = "evaluation") -> EvalReport:
    """Compare the tagger's predictions with the examples' `tags`, each judged as the product judges
    it: against the thresholds of its language and of the platforms its text and link name."""
    examples = list(examples)
    predictions = tagger.predict([ex.as_doc() for ex in examples], [example_platforms(ex) for ex in examples])
    truth = label_matrix([ex.tags for ex in examples], TAGS)
    predicted = label_matrix([p.tags for p in predictions], TAGS)
    return report(truth, predicted, TAGS, title)


def example_platforms(example: Example) -> list[str]:
    """What the example is about: the platforms its title and summary name, else its link's."""
    from .platforms import platforms_of_item

    return platforms_of_item(example.title, example.summary, example.url)


def report(truth: np.ndarray, predicted: np.ndarray, tags: tuple[str, ...], title: str) -> EvalReport:
    """Figures from boolean (items x tags) matrices of true and predicted labels."""
    per_tag = {tag: tag_figures(truth[:, j], predicted[:, j]) for j, tag in enumerate(tags)}
    macro = float(np.mean([f[2] for f in per_tag.values()])) if per_tag else 0.0
    return EvalReport(per_tag, round(macro, 4), int(truth.shape[0]), title)


def tag_figures(truth: np.ndarray, predicted: np.ndarray) -> Figures:
    truth, predicted = np.asarray(truth, bool), np.asarray(predicted, bool)
    tp = int(np.sum(truth & predicted))
    fp = int(np.sum(~truth & predicted))
    fn = int(np.sum(truth & ~predicted))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return round(precision, 4), round(recall, 4), round(f1, 4), tp + fn


def label_matrix(tag_lists: Iterable[Iterable[str]], tags: tuple[str, ...]) -> np.ndarray:
    rows = [[tag in set(item) for tag in tags] for item in tag_lists]
    return np.array(rows, dtype=bool).reshape(-1, len(tags))


def cv_report(meta: Mapping) -> EvalReport | None:
    """The cross-validated figures a model recorded when it was trained."""
    cv = meta.get("cv")
    if not cv:
        return None
    per_tag = {tag: (v["precision"], v["recall"], v["f1"], v["support"]) for tag, v in cv["per_tag"].items()}
    held_out = f", whole {cv['grouped_by']}s held out" if cv.get("grouped_by") else ""
    return EvalReport(per_tag, cv["macro_f1"], cv["n_items"], f"cross-validation, {cv['folds']} folds{held_out}")


@dataclass(frozen=True)
class PlatformReport:
    """Micro-averaged precision, recall and F1 of the platform dictionary."""

    precision: float
    recall: float
    f1: float
    n_items: int
    # the same from title and summary alone, where items' links added platforms (None: they added none)
    text_only: PlatformReport | None = None

    def format(self) -> str:
        line = (f"platforms ({self.n_items} labelled items): micro precision {self.precision:.3f} "
                f"recall {self.recall:.3f} f1 {self.f1:.3f}")
        if self.text_only is not None:
            line += (f"\n  (title and summary alone: precision {self.text_only.precision:.3f} "
                     f"recall {self.text_only.recall:.3f} f1 {self.text_only.f1:.3f}; the rest came from "
                     "the items' links: a platform's own newsroom, or the headline in the link's slug)")
        return line


# Resamples of the items for an interval; 1,000 put its ends within about 0.005 of where more would.
RESAMPLES = 1000
_CHUNK = 100   # resamples scored at once: (chunk x items x tags) booleans stay small for large files


@dataclass(frozen=True)
class Interval:
    """A 95 % percentile-bootstrap interval: the middle 95 % of a figure over resamples of the items.

    A macro-F1 on 240 items moves by a few hundredths with which items happen to be in the set,
    so two models 0.01 apart may not differ at all; the interval says how far a figure can be
    trusted before anyone acts on it."""

    low: float
    high: float
    resamples: int


def macro_f1_interval(truth: np.ndarray, predicted: np.ndarray, resamples: int = RESAMPLES,
                      seed: int = 0) -> Interval:
    """Where the macro-F1 of `predicted` against `truth` (items x tags booleans) lies when the items
    are drawn again, with replacement (seeded: the same files give the same interval)."""
    figures = _resampled(truth, [predicted], resamples, seed)[0]
    low, high = np.percentile(figures, [2.5, 97.5])
    return Interval(round(float(low), 4), round(float(high), 4), resamples)


def _resampled(truth: np.ndarray, predictions: list[np.ndarray], resamples: int, seed: int) -> list[np.ndarray]:
    """Macro-F1 of each prediction matrix on the same `resamples` draws of the items (paired: every
    model is scored on the same draw), as F1 = 2tp / (2tp + fp + fn), 0 where a tag has neither
    predictions nor positives in a draw, as `tag_figures` counts it."""
    n = truth.shape[0]
    rng = np.random.default_rng(seed)
    out: list[list[np.ndarray]] = [[] for _ in predictions]
    for start in range(0, resamples, _CHUNK):
        rows = rng.integers(0, n, size=(min(_CHUNK, resamples - start), n))
        t = truth[rows]
        for k, predicted in enumerate(predictions):
            p = predicted[rows]
            tp, fp, fn = (t & p).sum(axis=1), (~t & p).sum(axis=1), (t & ~p).sum(axis=1)
            denominator = 2 * tp + fp + fn
            f1 = np.divide(2 * tp, denominator, out=np.zeros(denominator.shape), where=denominator > 0)
            out[k].append(f1.mean(axis=1))
    return [np.concatenate(chunks) for chunks in out]


@dataclass(frozen=True)
class Comparison:
    """Two models on one file: each macro-F1, overall and per part, and how sure the difference is.

    The difference's interval comes from paired resamples (both models scored on the same draw
    of items), which is far narrower than two separate intervals: most items are right or wrong
    for both models alike."""

    title: str
    n_items: int
    names: tuple[str, str]
    macro: tuple[float, float]
    low: float               # 95 % interval of macro[0] - macro[1]
    high: float
    ahead: float             # share of the resamples in which the first model scores higher
    resamples: int
    parts: list[tuple[str, int, float, float]]    # (part, items, first macro, second macro)

    def format(self) -> str:
        first, second = self.names
        w1, w2 = max(7, len(first)), max(7, len(second))
        lines = [f"{self.title} ({self.n_items} items): {first} against {second}",
                 f"{'part':<28} {'items':>6} {first:>{w1}} {second:>{w2}} {'difference':>10}"]
        for name, items, a, b in [("all", self.n_items, *self.macro), *self.parts]:
            lines.append(f"{name:<28} {items:>6d} {a:>{w1}.3f} {b:>{w2}.3f} {a - b:>+10.3f}")
        if self.low <= 0 <= self.high:
            verdict = "within what the choice of items explains"
        else:
            verdict = f"{first if self.low > 0 else second} is ahead beyond what the choice of items explains"
        lines.append(f"macro-F1 difference {self.macro[0] - self.macro[1]:+.3f}, 95 % interval {self.low:+.3f} to "
                     f"{self.high:+.3f} over {self.resamples:,} paired resamples of the items ({first} ahead in "
                     f"{self.ahead:.0%} of them): {verdict}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"title": self.title, "n_items": self.n_items, "names": list(self.names), "macro_f1": list(self.macro),
                "difference_interval": [self.low, self.high], "ahead": self.ahead, "resamples": self.resamples,
                "parts": {name: {"items": items, "macro_f1": [a, b]} for name, items, a, b in self.parts}}


@dataclass(frozen=True)
class Breakdown:
    """One file's figures: all items, then by language and by title kind, then platforms.

    Real items fail in groups (German items, first sentences standing in for a headline),
    so a single macro-F1 hides exactly what needs work.
    """

    overall: EvalReport
    parts: list[EvalReport]
    platforms: PlatformReport | None
    # A file whose items carry no tag at all (off-topic checks): per tag how many items the model
    # tagged all the same; F1 says nothing there. None for a file with labelled tags.
    false_tags: dict[str, int] | None = None
    interval: Interval | None = None     # of the overall macro-F1 (None for a file without tags)
    comparison: Comparison | None = None    # against a second model (`evaluate_breakdown(against=...)`)

    def format(self) -> str:
        if self.false_tags is not None:
            n, tagged = self.overall.n_items, self.false_tags["any"]
            counts = ", ".join(f"{tag} {self.false_tags[tag]}" for tag in TAGS)
            return (f"{self.overall.title} ({n} items, none labelled with a tag): the model tags "
                    f"{tagged} ({tagged / max(n, 1):.1%}); {counts}")
        lines = [self.overall.format()]
        if self.interval is not None:
            lines.append(f"macro 95 % interval: {self.interval.low:.3f} to {self.interval.high:.3f} "
                         f"(over {self.interval.resamples:,} resamples of these items)")
        lines += ["", f"{'part':<28} {'items':>6} {'macro':>6}  "
                 + " ".join(f"{tag[:12]:>12}" for tag in TAGS)]
        for part in self.parts:
            f1s = " ".join(f"{part.per_tag[tag][2]:>12.3f}" for tag in TAGS)
            lines.append(f"{part.title:<28} {part.n_items:>6d} {part.macro_f1:>6.3f}  {f1s}")
        if self.platforms is not None:
            lines += ["", self.platforms.format()]
        if self.comparison is not None:
            lines += ["", self.comparison.format()]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"overall": self.overall.to_dict(), "parts": {p.title: p.to_dict() for p in self.parts},
                "false_tags": self.false_tags,
                "macro_f1_interval": None if self.interval is None else [self.interval.low, self.interval.high],
                "comparison": None if self.comparison is None else self.comparison.to_dict(),
                "platforms": None if self.platforms is None else
                {"precision": self.platforms.precision, "recall": self.platforms.recall,
                 "f1": self.platforms.f1, "n_items": self.platforms.n_items,
                 "text_only_f1": None if self.platforms.text_only is None else self.platforms.text_only.f1}}


def evaluate_breakdown(tagger: Tagger, examples: Iterable[Example], title: str = "evaluation",
                       against: Tagger | None = None, names: tuple[str, str] = ("in use", "other")) -> Breakdown:
    """`evaluate`, plus the same figures per language and per title kind, plus platforms; with
    `against`, that model side by side on the same items (`compare_models`, `tagger` predicting once)."""
    from .platforms import named_platforms, platforms_of_link

    examples = list(examples)
    named = [named_platforms(ex.title, ex.summary) for ex in examples]     # the text alone
    about = [n or platforms_of_link(ex.url) for n, ex in zip(named, examples)]    # and the link (`example_platforms`)
    truth = label_matrix([ex.tags for ex in examples], TAGS)
    predicted = _predicted(tagger, examples, about)
    groups = _parts(examples)
    parts = [report(truth[rows], predicted[rows], TAGS, name) for name, rows in groups]
    labelled = [i for i, ex in enumerate(examples) if ex.platforms is not None]
    platforms = None
    if labelled:
        truths = [set(examples[i].platforms or ()) for i in labelled]
        from_text, found = [set(named[i]) for i in labelled], [set(about[i]) for i in labelled]
        platforms = platform_figures(truths, found)
        if found != from_text:
            platforms = replace(platforms, text_only=platform_figures(truths, from_text))
    false_tags = None if truth.any() else {"any": int(predicted.any(axis=1).sum()),
                                           **{tag: int(predicted[:, j].sum()) for j, tag in enumerate(TAGS)}}
    interval = macro_f1_interval(truth, predicted) if truth.any() else None
    comparison = (_comparison(title, truth, predicted, _predicted(against, examples, about), groups, names)
                  if against is not None and truth.any() else None)
    return Breakdown(report(truth, predicted, TAGS, title), parts, platforms, false_tags, interval, comparison)


def compare_models(first: Tagger, second: Tagger, examples: Iterable[Example], title: str = "evaluation",
                   names: tuple[str, str] = ("in use", "other"), resamples: int = RESAMPLES) -> Comparison:
    """Both models on the same labelled items: macro-F1 overall and per part (`evaluate_breakdown`'s
    parts), and a paired-bootstrap interval of the difference. For choosing between a model a team
    trained (`monitor train`) and the packaged one, or between two training runs."""
    examples = list(examples)
    about = [example_platforms(ex) for ex in examples]
    truth = label_matrix([ex.tags for ex in examples], TAGS)
    return _comparison(title, truth, _predicted(first, examples, about), _predicted(second, examples, about),
                       _parts(examples), names, resamples)


def _comparison(title: str, truth: np.ndarray, ours: np.ndarray, theirs: np.ndarray,
                groups: list[tuple[str, np.ndarray]], names: tuple[str, str], resamples: int = RESAMPLES) -> Comparison:
    """Two prediction matrices against one truth: macro-F1 overall and per group, and the paired interval."""
    a, b = _resampled(truth, [ours, theirs], resamples, seed=0)
    low, high = np.percentile(a - b, [2.5, 97.5])
    parts = [(name, int(rows.sum()), report(truth[rows], ours[rows], TAGS, name).macro_f1,
              report(truth[rows], theirs[rows], TAGS, name).macro_f1) for name, rows in groups]
    return Comparison(title, len(truth), names,
                      (report(truth, ours, TAGS, title).macro_f1, report(truth, theirs, TAGS, title).macro_f1),
                      round(float(low), 4), round(float(high), 4), round(float(np.mean(a > b)), 4), resamples, parts)


def _predicted(tagger: Tagger, examples: list[Example], about: list[list[str]]) -> np.ndarray:
    """The tagger's tags as an (items x tags) boolean matrix, each item judged against the
    thresholds of its language and of the platforms it is about (`about`)."""
    predictions = tagger.predict([ex.as_doc() for ex in examples], about)
    return label_matrix([p.tags for p in predictions], TAGS)


def _parts(examples: list[Example]) -> list[tuple[str, np.ndarray]]:
    """The groups real items fail in, each as (name, row mask): by language, by title kind."""
    parts = []
    for attribute, label in (("lang", "language"), ("title_kind", "title")):
        for value in sorted({getattr(ex, attribute) for ex in examples if getattr(ex, attribute)}):
            parts.append((f"{label} = {value}", np.array([getattr(ex, attribute) == value for ex in examples])))
    return parts


def platform_figures(truth: list[set[str]], found: list[set[str]]) -> PlatformReport:
    tp = sum(len(t & f) for t, f in zip(truth, found))
    fp = sum(len(f - t) for t, f in zip(truth, found))
    fn = sum(len(t - f) for t, f in zip(truth, found))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PlatformReport(round(precision, 4), round(recall, 4), round(f1, 4), len(truth))
