"""The team teaches the tagger: a correction made in the archive, then `monitor train`,
changes what `monitor classify` says about a near-identical new item."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from monitor.config import Source
from monitor.item import Item
from monitor.store import Store

# An item the shipped model misses (its reach tag), and a near-identical one a person corrects.
NEW_ITEM = {"title": "Discord servers of small communities come later in server discovery", "lang": "en"}
CORRECTED = "Discord servers of small groups come later in server discovery"


def monitor(env: dict, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "monitor", *args], env=env, input=stdin, capture_output=True,
                          text=True, timeout=300)


def classify(env: dict) -> dict:
    result = monitor(env, "classify", "-", stdin=json.dumps(NEW_ITEM) + "\n")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_correction_in_the_archive_retrains_the_tagger(tmp_path: Path):
    config = tmp_path / "feeds.yaml"
    config.write_text("sources:\n  - name: Wire\n    url: https://wire.example/feed\n", encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'lagebild.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(MONITOR_CONFIG=str(config), MONITOR_HOME=str(tmp_path / "home"), MONITOR_DB=db)
    (tmp_path / "home").mkdir()

    assert "algorithm_reach_change" not in classify(env)["tags"]

    store = Store.open(db)
    store.sync_sources([Source(name="Wire", url="https://wire.example/feed")])
    [item] = store.add_items([Item(source="Wire", title=CORRECTED, url="https://wire.example/clips", lang="en",
                                   tags=[], scores={})], now=datetime.now(UTC))
    store.correct_tags(item.id, ["algorithm_reach_change"], user="anna")
    assert store.get_item(item.id).tags == ["algorithm_reach_change"]   # overrides the model at once
    store.close()

    trained = monitor(env, "train")
    assert trained.returncode == 0, trained.stderr
    assert "1 corrections" in trained.stdout
    assert (tmp_path / "home" / "model" / "tagger.json").exists()

    assert "algorithm_reach_change" in classify(env)["tags"]
