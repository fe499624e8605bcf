"""The crawl's process defaults, as measured with benchmarks/bench_fetch.py (README, Speed).

On two cores: one crawl process, for a first run and for a re-run alike, with the whole
concurrency. A re-run of 2,000 unchanged feeds with a second crawl process cost 1.2 s
more CPU (5.9 against 4.8 s, medians of four interleaved rounds) and 95 MB more memory,
and took no less time (12.2 against 10.6 s at load 7); a first run with the new sources
tagged in the crawl keeps both processes about equally busy (34.8 s CPU in the run's own
process, 31.7 s in the crawl, on 40,000 items). The crawl keeps its niceness of 5: at the
run's own priority, three interleaved first runs of 1,000 feeds took the same (medians
47.6 against 47.0 s).
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from monitor.config import Config
from monitor.pipeline import run_cycle
from monitor.store import Store
from monitor.tell.deliver import Sender
from spiders import crawl as crawl_module
from spiders.crawl import MIN_SOURCES_PER_PROCESS, CrawlProcess, processes
from tests.servers import FeedServer, rss

HOSTS = ("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4")


class Watched(CrawlProcess):
    """The run's crawl, recording how many processes worked, the concurrency each was given,
    and the niceness of a working crawl process while it crawled."""

    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.working: list[int] = []
        self.concurrency: list[int] = []
        self.niceness: list[int] = []

    def results(self, specs, fetch):  # type: ignore[no-untyped-def]
        shares = crawl_module.split_by_host(specs, fetch.processes or len(self.children))
        self.working.append(sum(1 for share in shares if share))
        self.concurrency.append(max(1, fetch.concurrency // self.working[-1]))
        for n, result in enumerate(super().results(specs, fetch)):
            if n == len(specs) // 2:
                alive = [c.process.pid for c in self.children if c.process.is_alive() and c.process.pid]
                self.niceness += [os.getpriority(os.PRIO_PROCESS, pid) - os.getpriority(os.PRIO_PROCESS, 0)
                                  for pid in alive]
            yield result


@pytest.fixture
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("spiders.crawl.os.cpu_count", lambda: 2)


def test_one_crawl_process_with_the_whole_concurrency_on_two_cores_for_first_runs_and_reruns(two_cores, tmp_path):
    count = 2 * MIN_SOURCES_PER_PROCESS + 20       # enough sources that a second process would be used if wanted
    servers = [FeedServer(host) for host in HOSTS]
    store = Store.open(f"sqlite:///{tmp_path / 'runs.db'}")
    try:
        for web in servers:
            web.__enter__()
        sources = []
        for n in range(count):
            web = servers[n % len(servers)]
            url = web.add(f"/f{n}.xml", rss(f"F{n}", [{"title": f"Meldung {n}", "link": f"https://example.org/{n}"}]))
            sources.append({"name": f"feed-{n}", "url": url, "category": "industry"})
        config = Config.model_validate({"sources": sources})
        runs = []
        for _ in ("first", "rerun"):
            crawl = Watched(processes())
            report = run_cycle(config, store, lambda: None, Sender(), crawl=crawl, crawl_tagger="")
            runs.append((crawl, report))
    finally:
        for web in servers:
            web.__exit__(None, None, None)
        store.close()
    (first, first_report), (rerun, rerun_report) = runs
    assert first_report.new_count == count and not first_report.failed
    assert rerun_report.unchanged == count and rerun_report.new_count == 0
    for crawl in (first, rerun):
        assert len(crawl.children) == 1 and crawl.working == [1]
        assert crawl.concurrency == [128]           # the shipped concurrency (README, Speed), not split
        assert crawl.niceness == [crawl_module.CRAWL_NICENESS]


def test_a_setting_still_asks_for_more_processes_and_splits_the_concurrency(two_cores):
    from monitor.config import FetchSettings
    fetch = FetchSettings(processes=2, timeout=timedelta(seconds=5))
    assert processes() == 1 and processes(fetch) == 2
    specs = [crawl_module.SourceSpec(name=f"s{n}", url=f"http://h{n % 7}.example/{n}", kind="feed",
                                     category="industry") for n in range(2 * MIN_SOURCES_PER_PROCESS)]
    shares = crawl_module.split_by_host(specs, 2)
    assert all(shares) and sum(map(len, shares)) == len(specs)
    hosts = [{s.url.split("/")[2] for s in share} for share in shares]
    assert not hosts[0] & hosts[1]                  # a host's sources stay in one process (politeness)
