"""Fetching through the real Scrapy crawl against a real local HTTP server."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.config import FetchSettings
from spiders.base import SourceSpec
from spiders.crawl import MIN_SOURCES_PER_PROCESS, CrawlProcess, crawl, processes, split_by_host
from tests.servers import FeedServer, rss

FAST = FetchSettings(timeout=timedelta(seconds=5), retries=0)


def spec(name: str, url: str, **kw) -> SourceSpec:
    return SourceSpec(name=name, url=url, kind="feed", category="industry", **kw)


def by_name(results):
    return {r.source: r for r in results}


def test_feeds_are_parsed_and_errors_reported_per_source():
    entries = [{"title": f"Instagram testet Funktion {n}", "link": f"http://127.0.0.1/a/{n}",
                "summary": "<p>Ein <b>Test</b></p>"} for n in range(3)]
    with FeedServer() as web:
        good = web.add("/good.xml", rss("Good", entries))
        html = web.add("/page.xml", "<!doctype html><html><body>hi</body></html>", content_type="text/html")
        results = by_name(crawl([spec("good", good), spec("gone", web.url("/missing.xml")),
                                 spec("html", html)], FAST))
    assert [i.title for i in results["good"].items] == [e["title"] for e in entries]
    assert results["good"].items[0].summary == "Ein Test"
    assert results["good"].outcome.ok and results["good"].outcome.etag
    assert not results["gone"].outcome.ok and "404" in results["gone"].outcome.error
    assert not results["html"].outcome.ok and "HTML" in results["html"].outcome.error


def test_second_fetch_is_conditional_and_answered_304():
    with FeedServer() as web:
        url = web.add("/feed.xml", rss("F", [{"title": "One", "link": "http://127.0.0.1/1"}]))
        first = crawl([spec("f", url)], FAST)[0]
        second = crawl([spec("f", url, etag=first.outcome.etag, last_modified=first.outcome.last_modified)], FAST)[0]
        asked = web.requests_to("/feed.xml")[-1]
    assert asked.get("If-None-Match") == first.outcome.etag
    assert second.outcome.ok and second.outcome.not_modified and second.items == []


def test_unreachable_host_is_a_failure_with_plain_words():
    result = crawl([spec("down", "http://127.0.0.1:9/feed.xml")], FAST)[0]
    assert not result.outcome.ok
    assert "refused" in result.outcome.error


def test_entity_declarations_are_refused():
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
            '<rss version="2.0"><channel><title>&lol2;</title></channel></rss>')
    with FeedServer() as web:
        result = crawl([spec("bomb", web.add("/bomb.xml", bomb))], FAST)[0]
    assert not result.outcome.ok and "entities" in result.outcome.error


def test_body_over_the_size_limit_fails_that_source_only():
    big = rss("Big", [{"title": "x" * 100, "link": f"http://127.0.0.1/{n}"} for n in range(2000)])
    with FeedServer() as web:
        results = by_name(crawl([spec("big", web.add("/big.xml", big)),
                                 spec("small", web.add("/small.xml", rss("S", [{"title": "ok", "link": "http://127.0.0.1/s"}])))],
                                FetchSettings(timeout=timedelta(seconds=5), retries=0, max_bytes=50_000)))
    assert not results["big"].outcome.ok and "large" in results["big"].outcome.error
    assert results["small"].outcome.ok and len(results["small"].items) == 1


def test_retry_after_is_honoured_before_retrying():
    import time
    with FeedServer() as web:
        url = web.add("/busy.xml", rss("B", [{"title": "after the wait", "link": "http://127.0.0.1/w"}]),
                      first=[(503, {"Retry-After": "2"})])
        started = time.monotonic()
        result = crawl([spec("busy", url)], FetchSettings(timeout=timedelta(seconds=5), retries=2))[0]
        elapsed = time.monotonic() - started
        hits = len(web.requests_to("/busy.xml"))
    assert result.outcome.ok and [i.title for i in result.items] == ["after the wait"]
    assert hits == 2 and elapsed >= 2


def test_long_retry_after_ends_the_attempt_and_is_reported():
    with FeedServer() as web:
        url = web.add("/limited.xml", "x", first=[(429, {"Retry-After": "3600"})] * 3)
        result = crawl([spec("limited", url)], FetchSettings(timeout=timedelta(seconds=5), retries=2))[0]
        hits = len(web.requests_to("/limited.xml"))
    assert not result.outcome.ok and "429" in result.outcome.error
    assert result.outcome.retry_after >= timedelta(minutes=59) and hits == 1


def test_server_errors_are_retried_with_backoff_then_reported():
    with FeedServer() as web:
        url = web.add("/flaky.xml", "x", first=[(500, {})] * 5)
        result = crawl([spec("flaky", url)], FetchSettings(timeout=timedelta(seconds=5), retries=2))[0]
        hits = len(web.requests_to("/flaky.xml"))
    assert not result.outcome.ok and "HTTP 500" in result.outcome.error and hits == 3


def test_sources_are_split_between_processes_by_host_and_evenly():
    hosts = {"a.example": 150, "b.example": 60, "c.example": 50, "d.example": 40}
    specs = [spec(f"{host}-{n}", f"https://{host}/feed/{n}.xml") for host, count in hosts.items()
             for n in range(count)]
    first, second = split_by_host(specs, 2)
    assert sorted(s.name for s in first + second) == sorted(s.name for s in specs)
    for host in hosts:           # every host's sources in one process: its politeness holds
        assert sum(any(host in s.url for s in share) for share in (first, second)) == 1
    assert abs(len(first) - len(second)) <= 50
    few = specs[: 2 * MIN_SOURCES_PER_PROCESS - 1]
    assert split_by_host(few, 2) == [few, []]      # too few to pay for a second process


def test_a_crawl_over_two_processes_answers_every_source_once():
    per_host = MIN_SOURCES_PER_PROCESS + 10
    with FeedServer("127.0.0.1") as one, FeedServer("127.0.0.2") as two:
        specs = [spec(f"{web.base}-{n}", web.add(f"/f{n}.xml", rss(f"F{n}", [
            {"title": f"Instagram testet Funktion {n}", "link": f"http://127.0.0.1/{n}"}])))
            for web in (one, two) for n in range(per_host)]
        crawler = CrawlProcess(2)
        results = list(crawler.results(specs, FetchSettings(timeout=timedelta(seconds=20), retries=0,
                                                            processes=2)))
        assert len(one.requests) == len(two.requests) == per_host
    assert len(crawler.children) == 2
    assert sorted(r.source for r in results) == sorted(s.name for s in specs)
    assert all(r.outcome.ok and len(r.items) == 1 for r in results)
    assert not any(child.process.is_alive() for child in crawler.children)


def test_items_leave_the_crawl_with_their_language_and_platforms():
    entries = [{"title": "Instagram testet eine neue Funktion für Kommentare", "link": "http://127.0.0.1/de"},
               {"title": "LinkedIn is rolling out a new analytics tab for pages", "link": "http://127.0.0.1/en"}]
    with FeedServer() as web:
        [result] = crawl([spec("mixed", web.add("/mixed.xml", rss("Mixed", entries)))], FAST)
    assert {item.url.rsplit("/", 1)[1]: (item.lang, item.platforms) for item in result.items} == {
        "de": ("de", ["instagram"]), "en": ("en", ["linkedin"])}
    assert all(item.annotated for item in result.items)     # the parent does not read them again


@pytest.mark.parametrize(("cores", "expected"), [(1, 1), (2, 1), (3, 2), (16, 2)])
def test_crawl_processes_leave_a_core_to_the_run(monkeypatch: pytest.MonkeyPatch, cores: int, expected: int) -> None:
    """On two cores one crawl process: the run's own process tags, clusters and stores on the
    other, and is the slower of the two (benchmarks/bench_fetch.py); a setting still wins."""
    monkeypatch.setattr("spiders.crawl.os.cpu_count", lambda: cores)
    assert processes() == processes(FetchSettings()) == expected
    assert processes(FetchSettings(processes=3)) == 3
