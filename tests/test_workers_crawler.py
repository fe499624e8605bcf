"""A worker's crawl process, kept across its jobs (spiders/kept.py).

Real loopback feed servers and real Scrapy child processes: one process answers every
job of a worker with exactly one result per source, a job abandoned halfway never leaks
its results into the next, and the kept process dies with its killed worker.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.clock import utcnow
from monitor.config import FetchSettings
from monitor.watch.contract import SourceSpec
from spiders.kept import KeptCrawl
from tests.servers import FeedServer, rss

FAST = FetchSettings(timeout=timedelta(seconds=20), retries=0)
ROOT = Path(__file__).resolve().parent.parent


def spec(name: str, url: str, **kw) -> SourceSpec:
    return SourceSpec(name=name, url=url, kind="feed", category="industry", **kw)


def feeds(web: FeedServer, prefix: str, count: int, **kw) -> list[SourceSpec]:
    return [spec(f"{prefix}-{n}", web.add(f"/{prefix}{n}.xml", rss(f"{prefix} {n}", [
        {"title": f"Instagram testet Funktion {prefix} {n}", "link": f"http://127.0.0.1/{prefix}/{n}"}]), **kw))
        for n in range(count)]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_one_crawl_process_answers_every_job_of_a_worker_once_per_source():
    kept = KeptCrawl()
    try:
        with FeedServer() as web:
            first, second = feeds(web, "a", 12), feeds(web, "b", 7)
            results = list(kept.results(first, FAST))
            pid = kept.pid
            assert sorted(r.source for r in results) == sorted(s.name for s in first)
            assert all(r.outcome.ok and len(r.items) == 1 for r in results)

            tags = {r.source: r.outcome.etag for r in results}
            again = [spec(s.name, s.url, etag=tags[s.name]) for s in first[:3]]
            later = list(kept.results(second + again, FAST))
            assert kept.pid == pid, "a second job started a second crawl process"
            assert sorted(r.source for r in later) == sorted(s.name for s in second + again)
            assert {r.source for r in later if r.outcome.not_modified} == {s.name for s in again}
            assert len(web.requests) == 12 + 7 + 3          # every source once per job, nothing more
    finally:
        kept.close()
    assert pid is not None and not _alive(pid)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_job_abandoned_halfway_ends_the_process_and_the_next_job_gets_only_its_own_results():
    kept = KeptCrawl()
    try:
        with FeedServer() as web:
            quick = feeds(web, "quick", 1)
            slow = feeds(web, "slow", 4, delay=3)
            job = kept.results(quick + slow, FAST)
            assert next(job).source == "quick-0"
            abandoned = kept.pid
            job.close()                     # the job failed while storing: its crawl is of no use
            assert abandoned is not None and not _alive(abandoned)

            nxt = feeds(web, "next", 3)
            results = list(kept.results(nxt, FAST))
            assert kept.pid != abandoned
            assert sorted(r.source for r in results) == ["next-0", "next-1", "next-2"]
            assert all(r.outcome.ok for r in results)
    finally:
        kept.close()


@pytest.mark.skipif(not hasattr(os, "killpg") or not Path("/proc/self/stat").exists(), reason="POSIX, /proc")
def test_the_kept_crawl_process_dies_within_five_seconds_of_its_killed_worker(tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(
        "import sys\n"
        "from datetime import timedelta\n"
        "from monitor.config import FetchSettings\n"
        "from monitor.watch.contract import SourceSpec\n"
        "from spiders.kept import KeptCrawl\n"
        "if __name__ == '__main__':\n"
        "    kept = KeptCrawl()\n"
        "    kept.start()\n"
        "    specs = [SourceSpec(name=f's{n}', url=u, kind='feed', category='industry')\n"
        "             for n, u in enumerate(sys.argv[1:])]\n"
        "    job = kept.results(specs, FetchSettings(timeout=timedelta(seconds=60), retries=0))\n"
        "    print(kept.pid, flush=True)\n"
        "    for _ in job:\n"
        "        pass\n")
    with FeedServer() as web:
        urls = [web.add(f"/slow{n}.xml", rss("slow", []), delay=20) for n in range(3)]
        env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_PROXY": "127.0.0.1,localhost"}
        worker = subprocess.Popen([sys.executable, str(script), *urls], env=env, stdout=subprocess.PIPE,
                                  text=True, start_new_session=True)
        try:
            assert worker.stdout is not None
            child = int(worker.stdout.readline())
            deadline = time.monotonic() + 120
            while len(web.requests) < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(web.requests) == 3 and _alive(child)
            os.kill(worker.pid, signal.SIGKILL)          # the worker alone, as the OOM killer would
            worker.wait(10)
            killed = time.monotonic()
            while _alive(child) and time.monotonic() - killed < 5:
                time.sleep(0.05)
            assert not _alive(child), "the kept crawl outlived its worker by 5 s"
        finally:
            os.killpg(worker.pid, signal.SIGKILL)


@pytest.mark.postgres
def test_a_job_whose_items_cannot_be_stored_fails_and_leaves_its_shard_to_be_crawled_again(tmp_path, postgres_store):
    """Items are stored in a thread of the job's own: what goes wrong there fails the job."""
    from monitor.config import Config, Source
    from monitor.tell.deliver import Sender
    from monitor.work.jobs import WorkContext, crawl_shard
    from monitor.work.shards import shard_of, window_of

    with FeedServer() as web:
        sources = [Source(name=s.name, url=s.url, category="industry") for s in feeds(web, "f", 3)]
        config = Config(sources=sources)
        postgres_store.sync_sources(sources)

        def no_model():
            from classifiers import Tagger
            return Tagger.load(tmp_path / "no-such-model")     # a real failure: the directory is not there

        ctx = WorkContext(store=postgres_store, home=tmp_path, sender=Sender(), tagger=no_model,
                          fallback=lambda: config)
        shard = shard_of(sources[0].url)
        window = window_of(utcnow(), config.settings.fetch.interval)
        try:
            with pytest.raises(Exception) as failed:
                crawl_shard(ctx, shard, window)
        finally:
            ctx.close()
        assert "no-such-model" in str(failed.value)
        assert len(web.requests) == 3
    state = postgres_store.shard_states()[shard]
    assert not state.held and state.done_window is None            # free, and not marked done: crawled again
    assert all(row.etag is None for row in postgres_store.fetch_state_of([s.name for s in sources]).values())


def test_a_job_asks_only_for_shards_that_are_neither_done_nor_held_in_its_window(tmp_path, postgres_store):
    """Each of a window's jobs looks for more due shards to take along. It reads every shard's
    state once and claims only those that look free: with 64 shards, claiming each in turn cost
    a window 4,096 locked transactions, most of them finding the shard done."""
    from monitor.config import Config, Source
    from monitor.tell.deliver import Sender
    from monitor.work.jobs import LEASE, WorkContext, crawl_shard
    from monitor.work.shards import shard_of, window_of

    with FeedServer() as web:
        mine = [Source(name=s.name, url=s.url, category="industry") for s in feeds(web, "f", 3)]
        # sources of other hosts, in other shards, whose shards are done in this window already
        others = [Source(name=f"other-{n}", url=f"http://127.0.0.{n + 2}:9/feed.xml") for n in range(40)]
        config = Config(sources=mine + others)
        postgres_store.sync_sources(config.sources)
        own = shard_of(mine[0].url)
        window = window_of(utcnow(), config.settings.fetch.interval)
        done = {shard_of(s.url) for s in others} - {own}
        assert len(done) >= 10
        for shard in done:
            epoch = postgres_store.claim_shard(shard, "earlier-job", window, LEASE)
            assert epoch is not None and postgres_store.finish_shard(shard, "earlier-job", epoch, window)
        claims: list[int] = []
        claim = postgres_store.claim_shard

        def counted(shard: int, *args):  # type: ignore[no-untyped-def]
            claims.append(shard)
            return claim(shard, *args)
        postgres_store.claim_shard = counted
        from classifiers import Tagger
        ctx = WorkContext(store=postgres_store, home=tmp_path, sender=Sender(), tagger=Tagger.load,
                          fallback=lambda: config)
        try:
            crawl_shard(ctx, own, window)
        finally:
            ctx.close()
        assert claims == [own]
        assert len(web.requests) == 3                      # its own shard was crawled
    assert postgres_store.shard_states()[own].done_window == window
