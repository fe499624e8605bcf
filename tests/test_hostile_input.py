"""Hostile and broken sources: the crawl finishes, good items are stored, every bad source
is reported with a clear error, and memory stays bounded."""

from __future__ import annotations

import resource
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.config import FetchSettings
from spiders.base import SourceSpec
from spiders.crawl import crawl
from spiders.feed import parse_feed
from tests.hostile import HostileServer

REAL_FEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures" / "real-feeds"
LIMITS = FetchSettings(timeout=timedelta(seconds=4), retries=0, max_bytes=5 * 1024 * 1024)


def spec(name: str, url: str) -> SourceSpec:
    return SourceSpec(name=name, url=url, kind="feed", category="industry")


@pytest.fixture(scope="module")
def outcome():
    paths = ["good", "drip", "huge", "bomb", "hop/0", "loop/a", "reset", "empty", "latin1", "undeclared",
             "broken", "xss", "doctype", "gzipped", "missing"]
    with HostileServer() as server:
        results = crawl([spec(p, server.url("/" + p)) for p in paths], LIMITS)
    peak_child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {r.source: r for r in results}, peak_child_mb


def test_every_source_has_a_result_and_good_ones_are_kept(outcome):
    results, _ = outcome
    assert len(results) == 15
    assert [i.title for i in results["good"].items] == ["A good item"]
    assert [i.title for i in results["hop/0"].items] == ["A good item"]      # redirect chain followed
    assert [i.title for i in results["gzipped"].items] == ["Komprimiert"]
    assert "Still readable item" in [i.title for i in results["broken"].items]


@pytest.mark.parametrize("source, words", [
    ("drip", ["timeout"]), ("huge", ["too large"]), ("bomb", ["large"]), ("loop/a", ["redirect"]),
    ("reset", ["connection"]), ("empty", ["empty"]), ("doctype", ["entities"]), ("missing", ["404"]),
])
def test_bad_sources_fail_with_plain_words(outcome, source, words):
    result = outcome[0][source]
    assert not result.outcome.ok, result
    for word in words:
        assert word in result.outcome.error.lower(), result.outcome.error


def test_encodings_are_read_right(outcome):
    results, _ = outcome
    assert results["latin1"].items[0].title == "Größere Reichweite für Beiträge über Übermorgen"
    assert results["undeclared"].items[0].title == "Überraschung: Änderungen bei Plattformen"


def test_xss_payloads_are_neutralised(outcome):
    item = outcome[0]["xss"].items[0]
    assert "<" not in item.title and "onerror" not in item.title
    for bad in ("<script", "<iframe", "javascript:", "onerror"):
        assert bad not in item.content_html
    assert "steal()" not in item.summary


def test_memory_stays_bounded(outcome):
    _, peak = outcome
    assert peak < 500, f"crawl process peaked at {peak:.0f} MB"


@pytest.mark.skipif(not REAL_FEEDS.exists(), reason="shared/fixtures/real-feeds is not there")
def test_real_world_feeds_parse_or_fail_clearly():
    from spiders.base import SourceError
    parsed, refused = 0, []
    for path in sorted(REAL_FEEDS.iterdir()):
        if path.suffix in (".md",) or path.name.endswith(".html"):
            continue
        try:
            items = parse_feed(path.read_bytes(), spec(path.name, "https://example.org/feed"))
        except SourceError as e:
            refused.append((path.name, str(e)))
            continue
        parsed += 1
        assert items and all(i.title and i.url.startswith("http") for i in items), path.name
    assert parsed >= 35
    assert all(reason for _, reason in refused)
