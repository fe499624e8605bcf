"""Per-host politeness, measured where it matters: at the server, while the crawl runs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.config import FetchSettings
from spiders.base import SourceSpec
from spiders.crawl import POLITE_HOSTS, crawl
from spiders.politeness import HostGate
from tests.servers import FeedServer, rss

SLOW = 0.3   # seconds per answer: long enough for a burst to pile up at the server


def _specs(web: FeedServer, count: int, prefix: str) -> list[SourceSpec]:
    specs = []
    for n in range(count):
        url = web.add(f"/{prefix}{n}.xml", rss(f"Feed {n}", [{"title": f"Item {n}", "link": f"http://127.0.0.1/{n}"}]),
                      delay=SLOW)
        specs.append(SourceSpec(name=f"{prefix}{n}", url=url, kind="feed", category="industry"))
    return specs


@pytest.mark.parametrize("per_host", [1, 2])
def test_many_feeds_on_one_host_never_exceed_per_host_with_no_delay(per_host):
    settings = FetchSettings(timeout=timedelta(seconds=20), retries=0, per_host=per_host, delay=timedelta(0),
                             processes=1)
    with FeedServer() as web:
        results = crawl(_specs(web, 12, "f"), settings)
        peak = web.peak_in_flight
    assert all(r.outcome.ok for r in results) and len(results) == 12
    assert peak == per_host, f"{peak} requests in flight at one host with per_host: {per_host}"


def test_the_limit_is_per_host_so_other_hosts_go_on_in_parallel():
    settings = FetchSettings(timeout=timedelta(seconds=20), retries=0, per_host=2, delay=timedelta(0), processes=1)
    with FeedServer("127.0.0.1") as one, FeedServer("127.0.0.2") as two:
        results = crawl(_specs(one, 8, "a") + _specs(two, 8, "b"), settings)
        peaks = one.peak_in_flight, two.peak_in_flight
    assert len(results) == 16 and all(r.outcome.ok for r in results)
    assert peaks == (2, 2)


def test_hosts_that_rate_limit_readers_get_their_lower_limit():
    gate = HostGate(per_host=4, slots=POLITE_HOSTS)
    assert gate.limit_for("www.reddit.com") == 1
    assert gate.limit_for("www.youtube.com") == 1
    assert gate.limit_for("example.org") == 4
    assert HostGate(per_host=1, slots={"x.test": {"concurrency": 3}}).limit_for("x.test") == 1   # never more
