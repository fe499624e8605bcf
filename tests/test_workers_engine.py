"""`monitor worker`: the job engine (procrastinate) over the real PostgreSQL, with real processes.

Several workers share the work by shards of whole hosts; whatever the engine does, each
due source is polled once per window, per-host limits hold across workers, and a worker
killed in the middle of a shard loses nothing and duplicates nothing. Real feed servers
on three loopback addresses (three hosts, three shards), a real webhook, real
`python -m monitor` processes; a throwaway database per test (conftest.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from contextlib import ExitStack

import pytest
from sqlalchemy import text

from monitor.store import Store
from tests.servers import FeedServer, Webhook, rss
from tests.test_workers import LEGAL, _alive, _children, alerted_urls, environment, finish, start, write_config

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX")]
pytest.importorskip("procrastinate")

HOSTS = ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
PER_HOST = 2


def feeds(servers: list[FeedServer], per_server: int, delay: float) -> dict[str, str]:
    """`per_server` feeds on each server, 10 posts each; the first feed of each server has a legal item."""
    sources = {}
    for s, web in enumerate(servers):
        for n in range(per_server):
            entries = [{"title": f"Tipps aus Host {s}, Folge {n}.{k}: Formate und Zeiten",
                        "link": f"http://127.0.0.1/tips/{s}/{n}/{k}"} for k in range(10)]
            if n == 0:
                title, link = LEGAL[s]
                entries.append({"title": title, "link": link, "summary": f"<p>{title}.</p>"})
            sources[f"Host {s} Feed {n}"] = web.add(f"/feed{n}.xml", rss(f"Feed {n}", entries), delay=delay)
    return sources


def configure(tmp_path, postgres_url, sources: dict[str, str], hook: Webhook) -> dict:
    config = write_config(tmp_path, sources, {"team-chat": hook.url})
    text_ = config.read_text().replace("per_host: 8", f"per_host: {PER_HOST}\n    interval: 1d")
    config.write_text(text_)
    env = environment(tmp_path, postgres_url, config)
    applied = subprocess.run([sys.executable, "-m", "monitor", "config", "apply"], env=env, capture_output=True,
                             text=True, timeout=120)
    assert applied.returncode == 0, applied.stderr
    assert f"{len(sources)} sources" in applied.stdout
    return env


def stored_urls(url: str) -> Counter:
    store = Store.open(url)
    try:
        with store.session() as s:
            return Counter(u for (u,) in s.execute(text("SELECT url FROM items")))
    finally:
        store.close()


def test_two_workers_poll_each_due_source_once_per_window_within_the_per_host_limit(tmp_path, postgres_url):
    hook = Webhook()
    with ExitStack() as stack:
        servers = [stack.enter_context(FeedServer(host)) for host in HOSTS]
        sources = feeds(servers, per_server=6, delay=0.4)
        env = configure(tmp_path, postgres_url, sources, hook)
        logs = [tmp_path / f"worker{n}.log" for n in range(2)]
        finish([start(env, "-m", "monitor", "worker", "--once", log=log) for log in logs], logs)
        hits = Counter((web.base, path) for web in servers for path, _ in web.requests)
        assert len(hits) == len(sources) and set(hits.values()) == {1}
        assert max(web.peak_in_flight for web in servers) <= PER_HOST
        # the same window again, by a third worker: nothing is due
        again = [tmp_path / "worker2.log"]
        finish([start(env, "-m", "monitor", "worker", "--once", log=again[0])], again)
        assert sum(len(web.requests) for web in servers) == len(sources)
    hook.close()
    urls = stored_urls(postgres_url)
    assert len(urls) == len(sources) * 10 + len(HOSTS) and set(urls.values()) == {1}
    assert alerted_urls(hook) == Counter({u: 1 for _, u in LEGAL[:len(HOSTS)]})


def test_a_worker_killed_mid_shard_loses_nothing_and_duplicates_nothing(tmp_path, postgres_url):
    hook = Webhook()
    with ExitStack() as stack:
        servers = [stack.enter_context(FeedServer(host)) for host in HOSTS[:1]]
        sources = feeds(servers, per_server=4, delay=0)
        web = servers[0]
        for path in ("/feed2.xml", "/feed3.xml"):         # these hang until the worker is dead
            web.routes[path].delay = 25
        env = configure(tmp_path, postgres_url, sources, hook)
        first = start(env, "-m", "monitor", "worker", "--once", log=tmp_path / "first.log")
        try:
            deadline = time.monotonic() + 120
            while len(web.requests) < 4 and first.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(web.requests) == 4, (tmp_path / "first.log").read_text()[-3000:]
            children = _children(first.pid)
            os.kill(first.pid, signal.SIGKILL)             # the worker alone; its crawl child must follow
            first.wait(10)
            killed = time.monotonic()
            while any(_alive(pid) for pid in children) and time.monotonic() - killed < 5:
                time.sleep(0.05)
            assert not any(_alive(pid) for pid in children), "the crawl outlived its worker by 5 s"
        finally:
            os.killpg(first.pid, signal.SIGKILL)
        for path in ("/feed2.xml", "/feed3.xml"):
            web.routes[path].delay = 0
        time.sleep(31)                                      # the dead worker's lease and heartbeat run out
        second = [tmp_path / "second.log"]
        finish([start(env, "-m", "monitor", "worker", "--once", log=second[0])], second)
        assert {path for path, _ in web.requests} == {f"/feed{n}.xml" for n in range(4)}
    hook.close()
    urls = stored_urls(postgres_url)
    assert len(urls) == 4 * 10 + 1 and set(urls.values()) == {1}
    assert alerted_urls(hook) == Counter({LEGAL[0][1]: 1})
    store = Store.open(postgres_url)
    try:
        assert all(src["last_success"] for src in store.list_sources())
    finally:
        store.close()


def test_a_worker_gives_the_archive_the_cpu_first():
    """`monitor worker` lowers its own priority (and its crawl child adds its own): on a machine it
    shares with the web process, people reading the archive do not wait behind a crawl."""
    import subprocess
    import sys
    code = ("import os; from monitor.work.command import WORKER_NICENESS, yield_to_the_archive; "
            "before = os.nice(0); yield_to_the_archive(); print(os.nice(0) - before, WORKER_NICENESS)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    moved, wanted = map(int, out.stdout.split())
    assert wanted >= 1 and moved == wanted


def test_a_large_batch_of_new_items_refreshes_the_planner_statistics(postgres_store):
    """PostgreSQL plans the archive's statements by its statistics; after a run or a job stored
    many items they must know the new rows (stale ones made archive pages take seconds)."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import text

    from monitor.config import Source
    from monitor.item import Item
    from monitor.store import STATISTICS_AFTER

    postgres_store.sync_sources([Source(name="feed", url="https://example.org/feed.xml")])
    now = datetime(2026, 12, 4, 9, tzinfo=UTC)
    items = [Item(source="feed", title=f"Meldung {n} über Reichweite", url=f"https://example.org/{n}",
                  summary="Text", published=now - timedelta(minutes=n), lang="de") for n in range(STATISTICS_AFTER)]
    postgres_store.add_items(items, now=now)

    def planner_rows() -> float:
        with postgres_store.engine.connect() as conn:
            return conn.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'items'")).scalar_one()

    postgres_store.stored(STATISTICS_AFTER)
    assert planner_rows() == STATISTICS_AFTER
