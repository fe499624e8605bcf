"""How common each story token is in platform news at large, so that a token's rarity is
known before a run has seen many reports.

Rarity (IDF) counted only among the reports in the index says little while the index is
small: in a first run of two hundred items "Instagram", "macht" or "Reels" look as rare
as "Perplexity". So the counts start from a background: the document frequencies of the
tokens in the tagger's written examples (classifiers/data, German and English, thousands
of texts of the trade), stored in data/background.json.gz and rebuilt with

    python -m monitor.stories.background
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from functools import cache
from pathlib import Path

from monitor.stories.features import report

PATH = Path(__file__).parent / "data" / "background.json.gz"
EXAMPLES = Path(__file__).resolve().parents[2] / "classifiers" / "data"
MIN_COUNT = 2            # tokens seen once in the background are as good as unseen


@cache
def background() -> tuple[int, dict[str, int]]:
    """(number of background texts, token -> texts containing it); (0, {}) when absent."""
    try:
        data = json.loads(gzip.decompress(PATH.read_bytes()))
    except FileNotFoundError:
        return 0, {}
    return data["texts"], data["df"]


def build(examples: Path = EXAMPLES) -> tuple[int, dict[str, int]]:
    counts: Counter[str] = Counter()
    texts = 0
    for path in sorted(examples.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                counts.update(tuple(report(row.get("title", ""), row.get("summary", "")).tokens))  # each token once
                texts += 1
    return texts, {tok: n for tok, n in sorted(counts.items()) if n >= MIN_COUNT}


def main() -> None:
    texts, df = build()
    PATH.parent.mkdir(exist_ok=True)
    PATH.write_bytes(gzip.compress(json.dumps({"texts": texts, "df": df}, separators=(",", ":")).encode(), mtime=0))
    print(f"{PATH}: {len(df):,} tokens from {texts:,} texts")


if __name__ == "__main__":
    main()
