"""The three teams of test_teams_fetch_once.py on PostgreSQL with two `monitor worker` processes:
the applied team files become one fetch plan, each shared source is fetched once per window by
whichever worker crawls its shard, and no team sees another team's own items."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta

import pytest

from monitor.work.shards import window_of
from tests.servers import FeedServer
from tests.test_teams_fetch_once import ROOT, build, check_isolation, check_once, hits
from tests.test_workers import finish, start

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX")]
pytest.importorskip("procrastinate")

HOSTS = ["127.0.0.1", "127.0.0.2", "127.0.0.3"]


def test_two_workers_fetch_each_shared_source_once_for_three_teams(tmp_path, postgres_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(MONITOR_CONFIG=str(tmp_path / "feeds.yaml"), MONITOR_HOME=str(tmp_path / "home"),
               MONITOR_DB=postgres_url, PYTHONPATH=str(ROOT), NO_PROXY="127.0.0.1,localhost")
    with ExitStack() as stack:
        servers = [stack.enter_context(FeedServer(host)) for host in HOSTS]
        build(tmp_path, servers)
        applied = subprocess.run([sys.executable, "-m", "monitor", "config", "apply"], env=env, capture_output=True,
                                 text=True, timeout=300)
        assert applied.returncode == 0, applied.stderr
        assert "(team globex): 1200 sources (1000 shared with other teams" in applied.stdout, applied.stdout
        started = datetime.now(UTC)
        logs = [tmp_path / f"worker{n}.log" for n in range(2)]
        finish([start(env, "-m", "monitor", "worker", "--once", log=log) for log in logs], logs, timeout=600)
        first = hits(servers)
        again = [tmp_path / "worker2.log"]           # the same window again, by a third worker: nothing is due
        finish([start(env, "-m", "monitor", "worker", "--once", log=again[0])], again, timeout=300)
        both = hits(servers)
    check_once(first)
    if window_of(started, timedelta(hours=6)) == window_of(datetime.now(UTC), timedelta(hours=6)):
        assert both == first          # unless the 6 h window (the shortest team interval) ended in between
    check_isolation(postgres_url)
