"""`monitor run --retry-now`: sources waiting out a backoff are fetched now."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from monitor.config import Config
from monitor.pipeline import run_cycle
from monitor.store import Store
from monitor.tell.deliver import Sender
from tests.servers import FeedServer, rss


def config_for(web: FeedServer) -> Config:
    return Config.model_validate({"sources": [
        {"name": "Kaputt", "url": web.url("/broken.xml"), "category": "industry"},
        {"name": "Gesund", "url": web.url("/fine.xml"), "category": "industry"}]})


def test_retry_now_fetches_sources_that_wait_out_a_backoff(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'retry.db'}")
    with FeedServer() as web:
        web.add("/broken.xml", "gone", status=404, content_type="text/plain", conditional=False)
        web.add("/fine.xml", rss("Fine", []))
        config = config_for(web)
        first = run_cycle(config, store, None, Sender())
        assert set(first.failed) == {"Kaputt"}

        waiting = run_cycle(config, store, None, Sender())        # the backoff holds: not asked again
        assert set(waiting.waiting) == {"Kaputt"} and len(web.requests_to("/broken.xml")) == 1
        assert any("waiting: Kaputt" in line for line in waiting.lines())

        web.add("/broken.xml", rss("Repaired", []))
        now = run_cycle(config, store, None, Sender(), retry_now=True)
        assert now.waiting == {} and now.failed == {} and len(web.requests_to("/broken.xml")) == 2
    [row] = [s for s in store.list_sources() if s["name"] == "Kaputt"]
    assert row["status"] == "ok" and row["next_attempt"] is None
    store.close()


def test_the_command_takes_the_flag_and_the_readme_names_it():
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    shown = subprocess.run([sys.executable, "-m", "monitor", "run", "--help"], env=env, capture_output=True,
                           text=True, timeout=60, check=False)
    assert shown.returncode == 0 and "--retry-now" in shown.stdout
    readme = Path(__file__).resolve().parent.parent / "README.md"
    assert "monitor run --retry-now" in readme.read_text(encoding="utf-8")
