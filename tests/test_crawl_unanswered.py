"""A source the crawl never answered for counts as a failed fetch, never as silence.

Both crawl drivers (`spiders.crawl.CrawlProcess` for `monitor run`, `spiders.kept.KeptCrawl` for
workers) end with `spiders.crawl.unanswered`: whatever stopped the crawl early, every source
asked for gets a result, so its health shows the miss and the next run fetches it again.
"""

from __future__ import annotations

from monitor.watch.contract import SourceSpec
from spiders.crawl import unanswered


def _spec(name: str) -> SourceSpec:
    return SourceSpec(name=name, url=f"http://127.0.0.1:9/{name}.xml", kind="feed", category="industry")


def test_each_source_without_an_answer_is_one_failure_in_plain_words() -> None:
    specs = [_spec("answered"), _spec("lost one"), _spec("lost two")]
    results = list(unanswered(specs, {"answered"}))
    assert [r.source for r in results] == ["lost one", "lost two"]
    for result in results:
        assert result.outcome.ok is False
        assert result.outcome.error is not None and "no answer" in result.outcome.error
        assert result.items == []


def test_a_crawl_that_answered_every_source_adds_nothing() -> None:
    specs = [_spec("a"), _spec("b")]
    assert list(unanswered(specs, {"a", "b"})) == []
