"""Story clustering benchmark: written story groups in German and English, with look-alikes.

`benchmarks/story_groups.jsonl` holds reports written for this benchmark (no real article's
wording): each story told by two to five sources in German and English, in each source's
own voice, some with the first sentence as title; and look-alikes: other stories on the
same platform and topic within days (two fines, proceedings against two companies, two
features of one app, two courts in one city, one kind of court in two cities, two
authorities or two countries acting, two amounts, app versions or dates, a weekly round-up
beside a story it lists, two stories sharing only a city), some told once. Measured in one run, for the current clustering
(monitor/stories) and the one before it (benchmarks/story_baseline.py):

  - B-cubed precision, recall and F1 over the reports,
  - pair precision (of the pairs put in one cluster, how many report one story), pair
    recall, and cross-language pair recall (German-English pairs of one story joined),
  - the same with the 10,000 written examples of classifiers/data mixed in as background
    (each its own story): a report joined with one of them is a wrong pair (examples with a
    group report's very title are left out: the store's title index makes them one story),
  - time per item for story clustering alone (tokens, lookup, adding) over the groups and
    the background three times over (about 26,000 items).

Both clusterings get what the store gives them: same normalised title first (the store's
index), then the token index, in the order the reports were published.

    python benchmarks/bench_stories.py
    python benchmarks/bench_stories.py --show-errors      # which pairs each gets wrong
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import story_baseline  # noqa: E402

from classifiers.platforms import find_platforms  # noqa: E402
from monitor.stories import clusters  # noqa: E402
from monitor.watch.text import fold  # noqa: E402

GROUPS = ROOT / "benchmarks" / "story_groups.jsonl"
BACKGROUND = ROOT / "classifiers" / "data"


def title_key(folded_title: str) -> str:
    """As the store's index of normalised titles (monitor.store: same title = one story)."""
    return " ".join(re.findall(r"\w+", folded_title))[:200]


def load_groups() -> list[dict]:
    rows = [json.loads(line) for line in GROUPS.read_text(encoding="utf-8").splitlines() if line.strip()]
    for n, row in enumerate(rows):
        row["id"] = n + 1
        row["when"] = datetime.fromisoformat(row["published"]).replace(tzinfo=UTC)
    return sorted(rows, key=lambda r: r["when"])


def load_background(start: int, copies: int = 1) -> list[dict]:
    """The tagger's written examples as other news, spread over the groups' year."""
    rng = random.Random(7)
    texts = [json.loads(line) for path in sorted(BACKGROUND.glob("*.jsonl"))
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = []
    for copy in range(copies):
        for text in texts:
            when = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=400 * copy, hours=rng.uniform(0, 365 * 24))
            rows.append({"id": start + len(rows), "story": f"bg{len(rows)}", "lang": text.get("lang", "en"),
                         "title": text["title"], "summary": text.get("summary", ""), "when": when, "source": "bg"})
    return rows


def prepare(rows: list[dict]) -> None:
    """What the crawl and the store have ready before clustering: platforms, folded text."""
    for row in rows:
        row["platforms"] = find_platforms(f"{row['title']}\n{row['summary']}")
        row["ftitle"], row["fsummary"] = fold(row["title"]), fold(row["summary"])
        row["key"] = title_key(row["ftitle"])


class Current:
    name = "current"

    def __init__(self) -> None:
        self.index = clusters.StoryIndex()

    def story(self, row: dict) -> object:
        return clusters.report(row["ftitle"], row["fsummary"], platforms=row["platforms"], when=row["when"],
                               lang=row["lang"], folded=True)


class Baseline:
    name = "baseline"

    def __init__(self) -> None:
        self.index = story_baseline.StoryIndex()

    def story(self, row: dict) -> object:
        return story_baseline.tokens(row["ftitle"], row["fsummary"], folded=True)


def cluster(method: type, rows: list[dict]) -> tuple[dict[int, int], float]:
    """Item id -> cluster id, in publication order; and seconds spent."""
    rows = sorted(rows, key=lambda r: r["when"])
    algo = method()
    by_title: dict[str, int] = {}
    found: dict[int, int] = {}
    started = time.process_time()
    for row in rows:
        story = algo.story(row)
        cid = by_title.get(row["key"]) or algo.index.match(story) or row["id"]
        by_title.setdefault(row["key"], cid)
        algo.index.add(row["id"], cid, story)
        found[row["id"]] = cid
    return found, time.process_time() - started


def scores(rows: list[dict], found: dict[int, int]) -> dict[str, float]:
    truth = {r["id"]: r["story"] for r in rows}
    lang = {r["id"]: r["lang"] for r in rows}
    by_found, by_truth = defaultdict(set), defaultdict(set)
    for iid, cid in found.items():
        by_found[cid].add(iid)
        by_truth[truth[iid]].add(iid)
    precision = recall = 0.0
    for iid, cid in found.items():
        mine, gold = by_found[cid], by_truth[truth[iid]]
        both = len(mine & gold)
        precision += both / len(mine)
        recall += both / len(gold)
    precision, recall = precision / len(found), recall / len(found)
    pairs = {frozenset(p) for members in by_found.values() for p in combinations(sorted(members), 2)}
    gold = {frozenset(p) for members in by_truth.values() for p in combinations(sorted(members), 2)}
    cross = {p for p in gold if len({lang[i] for i in p}) == 2}
    return {"b3_precision": precision, "b3_recall": recall, "b3_f1": 2 * precision * recall / (precision + recall),
            "pair_precision": len(pairs & gold) / len(pairs) if pairs else 1.0,
            "pair_recall": len(pairs & gold) / len(gold), "cross_recall": len(pairs & cross) / len(cross),
            "pairs": len(pairs), "wrong_pairs": len(pairs - gold)}


def with_background(rows: list[dict], background: list[dict], found: dict[int, int]) -> dict[str, float]:
    """Scores over the groups' reports, where joining one with background news is a wrong pair."""
    group_ids = {r["id"] for r in rows}
    joined = defaultdict(set)
    for iid, cid in found.items():
        joined[cid].add(iid)
    wrong = sum(1 for members in joined.values() if members & group_ids
                for _ in range(len(members & group_ids) * len(members - group_ids)))
    base = scores(rows, {iid: cid for iid, cid in found.items() if iid in group_ids})
    right = base["pairs"] - base["wrong_pairs"]
    base["pairs"] += wrong
    base["wrong_pairs"] += wrong
    base["pair_precision"] = right / base["pairs"] if base["pairs"] else 1.0
    base["background_joined"] = sum(1 for members in joined.values() if len(members - group_ids) > 1)
    return base


def show_errors(rows: list[dict], found: dict[int, int], splits: bool = True) -> None:
    """Clusters of more than one story that hold a story group's report; stories split (`splits`)."""
    by_id = {r["id"]: r for r in rows}
    members = defaultdict(list)
    for iid, cid in found.items():
        members[cid].append(iid)
    for ids in members.values():
        stories = {by_id[i]["story"] for i in ids}
        if len(stories) > 1 and any(by_id[i]["source"] != "bg" for i in ids):
            print("  WRONGLY JOINED:", " | ".join(f"[{by_id[i]['story']}] {by_id[i]['title']}" for i in ids))
    stories = defaultdict(set)
    for iid, cid in found.items():
        stories[by_id[iid]["story"]].add(cid)
    for story, cids in stories.items():
        if splits and len(cids) > 1:
            parts = [[by_id[i]["title"] for i in members[c] if by_id[i]["story"] == story] for c in cids]
            print(f"  SPLIT {story}:", " || ".join(" | ".join(p) for p in parts))


def line(name: str, s: dict[str, float]) -> str:
    return (f"{name:<9} B3 P {s['b3_precision']:.3f} R {s['b3_recall']:.3f} F1 {s['b3_f1']:.3f} · "
            f"pair precision {s['pair_precision']:.3f} ({s['wrong_pairs']} wrong of {s['pairs']}) · "
            f"pair recall {s['pair_recall']:.3f} · cross-language pair recall {s['cross_recall']:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--show-errors", action="store_true")
    parser.add_argument("--groups-only", action="store_true", help="only the story groups, no background or timing")
    parser.add_argument("--copies", type=int, default=3, help="background copies for the timing (default 3)")
    args = parser.parse_args()
    rows = load_groups()
    prepare(rows)
    stories = {r["story"] for r in rows}
    told = sum(1 for s in stories if len({r["source"] for r in rows if r["story"] == s}) > 1)
    print(f"{len(rows)} reports of {len(stories)} stories ({told} told by several sources; "
          f"{sum(r['lang'] == 'de' for r in rows)} German, {sum(r['lang'] == 'en' for r in rows)} English)\n")
    print("story groups alone")
    for method in (Baseline, Current):
        found, _ = cluster(method, rows)
        print(" ", line(method.name, scores(rows, found)))
        if args.show_errors and method is Current:
            show_errors(rows, found)
    if args.groups_only:
        return
    background = load_background(len(rows) + 1)
    prepare(background)
    titles = {r["key"] for r in rows}
    same = [r for r in background if r["key"] in titles]
    background = [r for r in background if r["key"] not in titles]
    print(f"\nwith {len(background):,} written examples of classifiers/data as other news "
          f"({len(same)} left out: they have a group report's title, which the store joins as one story)")
    for method in (Baseline, Current):
        found, _ = cluster(method, rows + background)
        s = with_background(rows, background, found)
        print(" ", line(method.name, s), f"· background pairs joined {s['background_joined']}")
        if args.show_errors and method is Current:
            show_errors(rows + background, found, splits=False)
    timing = load_background(len(rows) + 1, copies=args.copies)
    prepare(timing)
    print(f"\ntime per item, story clustering alone, over {len(rows) + len(timing):,} items")
    for method in (Baseline, Current):
        _, seconds = cluster(method, rows + timing)
        print(f"  {method.name:<9} {seconds / (len(rows) + len(timing)) * 1000:.3f} ms")


if __name__ == "__main__":
    main()
