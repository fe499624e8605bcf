"""How long `compute_trends` takes on 100,000 items, against a naive count, and what it holds in memory.

    python benchmarks/bench_trends.py                    # 100,000 items, 300 sources, 49 days
    python benchmarks/bench_trends.py --items 20000      # quicker
    python benchmarks/bench_trends.py --db /tmp/b.db     # keep the store and reuse it next time

The items are generated into a temporary SQLite store through `store.add_items` (the
pipeline's own path), in German and English: template titles about platforms and
features, summaries of 2-4 sentences with about 40 % function words and a long tail of
5,000 made-up words. Planted in them: a burst ('Broadcast-Kanäle', 40 sources in the
last four days), a new name ('Threads Communities', 15 sources this week), a steady
topic ('Community Notes', 30 sources every day) and a spammer (one source,
'Mega-Gewinnspiel', 500 times).

The naive baseline is the simplest correct-looking implementation: read the same rows,
extract each item's terms one by one (`TermExtractor.keys`) and compare mention counts
this week with mentions per week before. No distinct sources, no noise model, no
arrays; its top terms show what that gets wrong, the ratio what the design buys.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from monitor.config import Source  # noqa: E402
from monitor.item import Item  # noqa: E402
from monitor.store import Store  # noqa: E402
from monitor.store.schema import ItemRow  # noqa: E402
from monitor.trends.rising import compute_trends  # noqa: E402
from monitor.trends.terms import TermExtractor  # noqa: E402

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
PLATFORMS = ["Instagram", "TikTok", "LinkedIn", "YouTube", "Facebook", "WhatsApp", "Pinterest", "Snapchat",
             "Threads", "Bluesky", "Reddit", "Xing"]
FEATURES = ["Reels", "Stories", "Karussell-Posts", "Live-Videos", "Creator-Tools", "Werbeanzeigen", "Kommentare",
            "Hashtags", "Empfehlungen", "Suchfunktion", "Analytics", "Markenpartnerschaften", "Collab-Posts",
            "Notizen", "Umfragen", "Untertitel", "Shopping-Tags", "Playlists", "Newsletter", "Gruppen"]
TOPICS = ["Reichweite", "Algorithmus", "Datenschutz", "DSGVO", "Urheberrecht", "Jugendschutz", "Barrierefreiheit",
          "Impressumspflicht", "KI-Kennzeichnung", "Engagement", "Sichtbarkeit", "Werbekennzeichnung"]
DE_TITLES = ["{p} testet neue {f}", "{p} ändert {t} für {f}", "Was die neuen {f} bei {p} bedeuten",
             "{p}: Mehr {t} durch {f}?", "Studie: {t} auf {p} sinkt", "{f} kommen zu {p}"]
EN_TITLES = ["{p} is testing new {f}", "{p} changes {t} rules for {f}", "What {p} {f} mean for brands",
             "{p} expands {f} to more markets", "Report: {t} on {p} drops", "How {f} affect {t} on {p}"]


GLUE_DE = "der die das und mit für auf von ist wird nicht auch bei den im ein eine zu sich".split()
GLUE_EN = "the and of to in for with on is are it that this by from as be at an".split()


def sentences(rnd: random.Random, tail: list[str], glue: list[str]) -> str:
    """Two to four sentences, about 40 % function words as in real text, 200-400 characters."""
    out = []
    for _ in range(rnd.randint(2, 4)):
        words_ = [rnd.choice(glue) if rnd.random() < 0.4 else rnd.choice(tail) for _ in range(rnd.randint(8, 14))]
        out.append(" ".join(words_).capitalize() + ".")
    return " ".join(out)


def words(rnd: random.Random, n: int) -> list[str]:
    syllables = ["ka", "lo", "mi", "ner", "tus", "bri", "go", "fen", "dra", "pel", "son", "vi", "rum", "ta",
                 "wek", "sto", "ral", "quin", "ber", "ach"]
    return ["".join(rnd.choice(syllables) for _ in range(rnd.randint(2, 4))) for _ in range(n)]


def generate(n_items: int, n_sources: int, days: int, seed: int = 1) -> list[Item]:
    rnd = random.Random(seed)
    tail = words(rnd, 5000)
    out: list[Item] = []
    for n in range(n_items):
        src, age = rnd.randrange(n_sources - 1), rnd.random() * days
        german = rnd.random() < 0.5
        form = rnd.choice(DE_TITLES if german else EN_TITLES)
        title = form.format(p=rnd.choice(PLATFORMS), f=rnd.choice(FEATURES), t=rnd.choice(TOPICS))
        summary = f"{title}. {sentences(rnd, tail, GLUE_DE if german else GLUE_EN)} Weiterlesen"
        out.append(item(n, src, title, summary, age))
    out += [item(n_items + n, 2 * n, f"{rnd.choice(PLATFORMS)} startet Broadcast-Kanäle", "Neue Funktion.",
                 rnd.random() * 4) for n in range(40)]
    out += [item(n_items + 100 + n, 3 * n + 1, "Meta öffnet Threads Communities", "Gruppen für alle.",
                 rnd.random() * 7) for n in range(15)]
    out += [item(n_items + 200 + n * days + d, n * 7 % (n_sources - 1), "Community Notes erklärt",
                 "Wie Notes wirken.", d + rnd.random()) for n in range(30) for d in range(days)]
    out += [item(n_items + 10_000 + n, n_sources - 1, f"Mega-Gewinnspiel Runde {n}", "Jetzt mitmachen!",
                 rnd.random() * 7) for n in range(500)]
    return out


def item(n: int, src: int, title: str, summary: str, age_days: float) -> Item:
    return Item(source=f"source-{src:03d}", title=title, summary=summary, url=f"https://example.org/{src}/{n}",
                published=NOW - timedelta(days=age_days))


def build(path: Path, n_items: int, n_sources: int, days: int) -> Store:
    store = Store.open(f"sqlite:///{path}")
    with store.session() as s:
        if s.scalar(select(ItemRow.id).limit(1)) is not None:
            print(f"reusing {path}")
            return store
    store.sync_sources([Source(name=f"source-{n:03d}", url=f"https://example.org/{n}/feed")
                        for n in range(n_sources)])
    items = generate(n_items, n_sources, days)
    started = time.perf_counter()
    for start in range(0, len(items), 2000):
        store.add_items(items[start:start + 2000], now=NOW)
    print(f"stored {len(items):,} items from {n_sources} sources over {days} days "
          f"in {time.perf_counter() - started:.1f} s")
    return store


def naive_trends(store, days: int = 7, baseline_days: int = 42, limit: int = 50) -> list[tuple[str, float]]:
    """The simplest rising-term count: mentions this window against mentions per window before."""
    extractor, now = TermExtractor(), NOW
    window_start, start = now - timedelta(days=days), now - timedelta(days=days + baseline_days)
    recent, before = Counter(), Counter()
    with store.session() as s:
        rows = s.execute(select(ItemRow.sort_date, ItemRow.title, ItemRow.summary)
                         .where(ItemRow.sort_date >= start, ItemRow.sort_date <= now))
        for when, title, summary in rows:
            (recent if when >= window_start else before).update(extractor.keys(title, summary))
    per_window = days / baseline_days
    scored = [(k, (n + 1) / (before[k] * per_window + 1)) for k, n in recent.items()]
    return sorted(scored, key=lambda ks: -ks[1])[:limit]


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """Median wall and CPU seconds: CPU time says more on a machine that other work shares."""
    wall, cpu, result = [], [], None
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall), statistics.median(cpu), result


def peak_mib(fn) -> float:
    """Peak of Python and numpy allocations while `fn` runs (tracemalloc sees both)."""
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2 ** 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--sources", type=int, default=300)
    parser.add_argument("--days", type=int, default=49)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", type=Path, help="keep the store in this file (reused when it has items)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = build(args.db or Path(tmp) / "bench.db", args.items, args.sources, args.days)
        ours_s, ours_cpu, trends = timed(lambda: compute_trends(store, now=NOW, language="en"), args.repeat)
        naive_s, naive_cpu, naive = timed(lambda: naive_trends(store), args.repeat)
        ours_mib = peak_mib(lambda: compute_trends(store, now=NOW))
        naive_mib = peak_mib(lambda: naive_trends(store))
        store.close()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end")
    print(f"compute_trends: {ours_s:.2f} s wall, {ours_cpu:.2f} s CPU (median of {args.repeat}), "
          f"peak {ours_mib:.0f} MiB traced")
    print(f"naive count:    {naive_s:.2f} s wall, {naive_cpu:.2f} s CPU (median of {args.repeat}), "
          f"peak {naive_mib:.0f} MiB traced")
    print(f"ratio compute_trends / naive: {ours_s / naive_s:.2f} (wall), {ours_cpu / naive_cpu:.2f} (CPU)")
    print(f"max resident set of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB "
          "(includes generating and storing the items)")
    print("\ntop trend cards (the story's other terms after '+'):")
    for t in trends[:10]:
        more = f"  + {' · '.join(t.terms[1:])}" if len(t.terms) > 1 else ""
        print(f"  {t.score:6.2f}  {t.term:28s} {t.explanation}{more}")
    print("naive top terms:", ", ".join(k for k, _ in naive[:8]))
    found = {term for t in trends for term in (t.terms or [t.term])}
    print("\nplanted burst found:", "Broadcast-Kanäle" in found, "| new name found:", "Threads Communities" in found,
          "| steady topic left out:", "Community Notes" not in found, "| spam left out:",
          not any("Gewinnspiel" in t for t in found))


if __name__ == "__main__":
    main()
