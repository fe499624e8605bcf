"""Watched pages: precision and recall of change detection on page histories.

Run: /work/venv/bin/python benchmarks/bench_pages.py [--no-hints] [--verbose]

Replays every history of tests/page_histories.py (terms, privacy and guidelines pages
in the shape of Facebook's, Meta's, Google's, LinkedIn's, TikTok's, X's, Instagram's,
YouTube's and Snap's, with noise-only steps, link-only changes, variant flips and real
changes) through what `monitor run` does with a watched page: text extraction as in
the crawl (spiders/page.py), then versions and change items as in the parent
(monitor.watch.page_changes), on a fresh SQLite store. A step counts as reported when
it produced a change item. Precision: reported steps that were real changes; recall:
real changes reported at the step they happened.

`--no-hints` drops the `variant:` hints the histories' configs carry, to show what a
page without them costs (the first appearance of each variant).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.config import Source  # noqa: E402 - after the path above
from monitor.store import Store  # noqa: E402
from monitor.watch.page_changes import apply_snapshots  # noqa: E402
from monitor.watch.page_text import extract_page  # noqa: E402
from spiders.base import SourceSpec  # noqa: E402
from spiders.page import snapshot  # noqa: E402
from tests.page_histories import CHANGE, History, histories  # noqa: E402

T0 = datetime(2025, 1, 1, 6, 0, tzinfo=UTC)


def replay(store, history: History, hints: bool = True) -> list[tuple[int, str, str, bool, str]]:
    """(step, kind, note, reported, title and summary of the change item) for every step after the baseline."""
    options = dict(history.options)
    if not hints:
        options.pop("variant", None)
    store.sync_sources([Source(name=history.name, url=history.url, kind="page", category="legal",
                               platforms=history.platforms, **options)])
    spec = SourceSpec(name=history.name, url=history.url, kind="page", category="legal",
                      language=history.language, platforms=history.platforms, options=options)
    out = []
    for n, step in enumerate(history.steps):
        found = extract_page(step.html, select=options.get("select"), ignore=options.get("ignore", ()),
                             remove=options.get("remove", ()), variants=options.get("variant"))
        at = T0 + timedelta(days=n)
        items = apply_snapshots(store, [snapshot(spec, found.title, found.text)], at, language=history.language)
        if items:
            store.add_items(items, now=at)
        if n:
            said = f"{items[0].title} | {items[0].summary}" if items else ""
            out.append((n, step.kind, step.note, bool(items), said))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-hints", action="store_true", help="drop the histories' variant: hints")
    parser.add_argument("--verbose", "-v", action="store_true", help="print every reported change")
    args = parser.parse_args()
    counts, kinds = Counter(), Counter()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{Path(tmp) / 'bench.db'}")
        try:
            for history in histories():
                for n, kind, note, reported, said in replay(store, history, hints=not args.no_hints):
                    real = kind == CHANGE
                    kinds[kind] += 1
                    counts["tp" if real and reported else "fp" if reported else "fn" if real else "tn"] += 1
                    wrong = reported != real
                    if wrong or (args.verbose and reported):
                        mark = "MISSED" if real and not reported else "FALSE ALARM" if wrong else "ok"
                        print(f"{mark:11} {history.name} step {n} ({kind}: {note})" + (f"\n            {said[:240]}"
                                                                                     if said else ""))
        finally:
            store.close()
    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    steps = ", ".join(f"{kinds[k]} {k}" for k in ("change", "noise", "link", "variant"))
    print(f"{len(histories())} pages, {sum(kinds.values())} steps ({steps}); "
          f"variant hints {'off' if args.no_hints else 'as configured'}; {time.perf_counter() - started:.1f} s")
    print(f"reported {tp + fp}: {tp} real, {fp} false alarms; missed {fn}")
    print(f"precision {precision:.2f}  recall {recall:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
