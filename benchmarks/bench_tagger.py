"""Benchmark of the tagger: model size, load time, training time and prediction
throughput on one core, beside a plain keyword filter as the baseline.

Run: /work/venv/bin/python benchmarks/bench_tagger.py [--items 20000]

Training runs first on both cores (the budget is two minutes on two); the process is
then pinned to one core for the throughput figures (budget: 5,000 items/s).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from contextlib import contextmanager
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classifiers import (  # noqa: E402 - after the thread limits above
    Tagger,
    default_dev_files,
    default_training_files,
    detect_language,
    features,
    load_examples,
    train_tagger,
)
from classifiers.examples import offtopic_examples  # noqa: E402
from classifiers.tagger import PACKAGED_MODEL  # noqa: E402
from tests.test_tagger_real import REAL_DEV  # noqa: E402 - the same place the tests look

KEYWORDS = {
    "feature_rollout": r"rolls? out|launch|testet|tests|introduc|führt .* ein|neue funktion|available",
    "legal_change": r"bußgeld|fine[ds]?\b|urteil|court|gericht|dsa|dma|dsgvo|gdpr|gesetz|law\b",
    "algorithm_reach_change": r"reichweite|reach|algorithm|ranking|feed|sichtbarkeit|impressions",
}


def keyword_filter(docs):
    """The baseline: one case-insensitive regex per tag over title and summary."""
    patterns = {tag: re.compile(rx, re.IGNORECASE) for tag, rx in KEYWORDS.items()}
    return [[tag for tag, rx in patterns.items() if rx.search(f"{d['title']} {d.get('summary') or ''}")]
            for d in docs]


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


def pin_to_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to core {core}"
    return "not pinned (no sched_setaffinity)"


def build_real_items(n: int) -> list[dict] | None:
    """`n` items from the real evaluation set (read only, never trained on), or None where it is absent.

    The training examples above are the words the model was fitted on, so every one of their phrases
    is in its vocabulary, and a model that keeps rarer phrases (the framed copies') looks slower on
    them than on real text, where most rare phrases are unknown and cost nothing."""
    if not REAL_DEV.exists():
        return None
    docs = [ex.as_doc() for ex in load_examples(REAL_DEV)]
    return [{**docs[i % len(docs)], "title": f"{docs[i % len(docs)]['title']} ({i})"} for i in range(n)]


def build_items(n: int, with_lang: bool) -> list[dict]:
    examples = load_examples(*default_training_files(), *default_dev_files())
    docs = [ex.as_doc() for ex in examples]
    items = [dict(docs[i % len(docs)]) for i in range(n)]
    for i, item in enumerate(items):
        item["title"] = f"{item['title']} ({i})"  # distinct texts, as in a real stream
        if not with_lang:
            item.pop("lang", None)
    return items


# Where a feed carries whole articles, an item's summary is their first 2,000 characters: 45 % of
# the items of 41 real feeds run past 400 (`classifiers/README.md`, "seventeenth round").
ARTICLE_SHARE, ARTICLE_CHARS = 0.45, 2_000


def build_feed_mix(items: list[dict]) -> list[dict]:
    """`items` with 45 % of them turned into whole articles: their summary followed by other items'
    summaries (same language) up to 2,000 characters."""
    by_lang: dict[str, list[str]] = {}
    for item in items:
        if item.get("summary"):
            by_lang.setdefault(item.get("lang") or "", []).append(item["summary"])
    mixed = []
    for i, item in enumerate(items):
        item = dict(item)
        pool = by_lang.get(item.get("lang") or "", [])
        if pool and i % 20 < round(ARTICLE_SHARE * 20):   # 9 in every 20, spread evenly
            parts, j = [item.get("summary") or ""], i
            while sum(len(p) + 1 for p in parts) < ARTICLE_CHARS:
                j = (j * 7919 + 13) % len(pool)
                parts.append(pool[j])
            item["summary"] = " ".join(parts)[:ARTICLE_CHARS]
        mixed.append(item)
    return mixed


@contextmanager
def reading_whole_summaries():
    """The tagger as it was before `classifiers.text.lede`: every summary read whole (the baseline)."""
    original = features.lede
    features.lede = lambda summary: summary
    try:
        yield
    finally:
        features.lede = original


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    args = parser.parse_args()
    rows = []

    examples, offtopic = load_examples(*default_training_files()), offtopic_examples()
    trained, seconds = timed(train_tagger, examples, offtopic=offtopic)
    rows.append(("training (2 cores)", f"{seconds:.1f} s",
                 f"{len(examples)} examples and {len(offtopic)} off-topic ones, 5-fold CV included"))

    size = sum(f.stat().st_size for f in PACKAGED_MODEL.iterdir())
    rows.append(("packaged model on disk", f"{size / 1e6:.2f} MB", str(PACKAGED_MODEL)))
    tagger, seconds = timed(Tagger.load)
    rows.append(("load packaged model", f"{seconds * 1000:.0f} ms", "after imports"))

    rows.append(("cores", pin_to_one_core(), ""))
    items = build_items(args.items, with_lang=True)
    tagger.predict(items[:100])  # warm caches as a running service would have them
    _, seconds = timed(tagger.predict, items)
    tagger_rate = len(items) / seconds
    rows.append(("predict, lang given", f"{tagger_rate:,.0f} items/s", f"{len(items)} items"))

    fresh = Tagger.load()
    cold, seconds = timed(fresh.predict, items)
    rows.append(("predict, cold caches", f"{len(items) / seconds:,.0f} items/s", "first batch of a process"))

    no_lang = build_items(args.items, with_lang=False)
    _, seconds = timed(detect_language, "Zzzz qqqq " * 8)  # no function words: the trigram model decides
    rows.append(("language model build", f"{seconds * 1000:.0f} ms", "once per process, on first use"))
    _, seconds = timed(tagger.predict, no_lang)
    rows.append(("predict, lang detected", f"{len(no_lang) / seconds:,.0f} items/s", f"{len(no_lang)} items"))

    articles = build_feed_mix(items)
    share = sum(len(a.get("summary") or "") > 1_000 for a in articles) / len(articles)
    _, seconds = timed(tagger.predict, articles)
    article_rate = len(articles) / seconds
    with reading_whole_summaries():
        _, seconds = timed(tagger.predict, articles)
    rows.append(("predict, feed mix", f"{article_rate:,.0f} items/s",
                 f"{share:.0%} whole articles of {ARTICLE_CHARS:,} characters, read as their lede; "
                 f"{article_rate * seconds / len(articles):.2f} x reading them whole ({len(articles) / seconds:,.0f}/s)"))

    real = build_real_items(args.items)
    if real is not None:
        tagger.predict(real[:100])
        _, seconds = timed(tagger.predict, real)
        rows.append(("predict, real items", f"{len(real) / seconds:,.0f} items/s",
                     "../shared/eval/real-dev.jsonl, repeated (title and summary)"))
        real_mix = build_feed_mix(real)
        _, seconds = timed(tagger.predict, real_mix)
        rows.append(("predict, real feed mix", f"{len(real_mix) / seconds:,.0f} items/s",
                     "the same, 45% of them as whole articles of 2,000 characters"))

    _, seconds = timed(keyword_filter, items)
    keyword_rate = len(items) / seconds
    rows.append(("keyword filter baseline", f"{keyword_rate:,.0f} items/s",
                 f"tagger = {tagger_rate / keyword_rate:.2f} x the baseline"))

    width = max(len(r[0]) for r in rows)
    print(f"{'what':<{width}}  {'figure':>22}  note")
    for what, figure, note in rows:
        print(f"{what:<{width}}  {figure:>22}  {note}")
    assert trained.thresholds and cold


if __name__ == "__main__":
    main()
