"""Spiders for pages without a feed, on saved HTML with expected output (golden JSON).

The saved pages in tests/fixtures/pages/ are written by us in the shape of the real
pages (tags, nesting, class names), with our own text. Set UPDATE_GOLDEN=1 to rewrite
the expected files after a deliberate change, then read the diff before committing.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Response, TextResponse

from monitor.config import FetchSettings, Source
from monitor.item import SNAPSHOT
from monitor.watch.contract import spec_options
from spiders import SPIDERS
from spiders.base import SourceError, SourceSpec
from spiders.crawl import crawl
from spiders.listpage import parse_date
from tests.servers import FeedServer

PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"
FAST = FetchSettings(timeout=timedelta(seconds=5), retries=0)

NEWSROOM = "https://newsroom.example.org/en-us"
CSS = {"item": "article.article-card", "title": ".article-card__title", "date": ".article-card__date",
       "summary": ".article-card__excerpt"}
XPATH = {"item": "//article[contains(@class, 'article-card')]", "title": "xpath://h3/text()", "link": "//a/@href",
         "date": "xpath:.//*[contains(@class, 'article-card__date')]", "summary": "//div[contains(@class, 'excerpt')]"}


def spec(kind: str, url: str, **options) -> SourceSpec:
    return SourceSpec(name="Test source", url=url, kind=kind, category="platform", language="en",
                      platforms=["facebook"], options=options)


def run(kind: str, fixture: str, url: str, **options):
    source = spec(kind, url, **options)
    response = HtmlResponse(url=url, body=(PAGES / fixture).read_bytes(), encoding="utf-8")
    return list(SPIDERS[kind](sources=[source]).parse_source(response, source))


def as_json(items) -> list[dict]:
    return [{"title": it.title, "url": it.url, "published": it.published.isoformat() if it.published else None,
             "summary": it.summary, "guid": it.guid} for it in items]


def check_golden(items, name: str) -> None:
    path = PAGES / f"{name}.expected.json"
    got = as_json(items)
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert got == json.loads(path.read_text(encoding="utf-8"))
    assert all(it["url"].startswith(("https://", "http://")) for it in got)


DEDICATED = [
    ("meta_changelog", "https://developers.facebook.com/docs/graph-api/changelog/versions"),
    ("linkedin_changes", "https://learn.microsoft.com/en-us/linkedin/marketing/integrations/recent-changes"
                         "?view=li-lms-2025-03"),
    ("tiktok_changelog", "https://developers.tiktok.com/doc/changelog"),
]


@pytest.mark.parametrize("kind,url", DEDICATED, ids=[k for k, _ in DEDICATED])
def test_dedicated_spider_matches_its_golden_file(kind, url):
    items = run(kind, f"{kind}.html", url)
    check_golden(items, kind)
    assert len({it.fingerprint for it in items}) == len(items), "every entry needs its own identity"
    assert all(it.source == "Test source" and it.platforms == ["facebook"] for it in items)


@pytest.mark.parametrize("kind", [k for k, _ in DEDICATED])
def test_dedicated_spider_on_a_different_page_says_the_layout_changed(kind):
    with pytest.raises(SourceError, match="layout may have changed"):
        run(kind, "listpage_newsroom.html", NEWSROOM)


def test_meta_changelog_reads_versions_not_other_tables():
    titles = [it.title for it in run("meta_changelog", "meta_changelog.html", DEDICATED[0][1])]
    assert titles[:2] == ["Graph API v23.0", "Graph API v22.0"]
    assert "Marketing API v22.0" in titles and not any("Upgrading" in t for t in titles)


def test_linkedin_entries_are_dated_by_their_month_and_link_without_the_view_query():
    items = run("linkedin_changes", "linkedin_changes.html", DEDICATED[1][1])
    assert {it.published.date().isoformat() for it in items} == {"2025-03-01", "2025-02-01"}
    assert all("view=" not in it.url for it in items)
    assert "Breaking Changes (March 2025)" in [it.title for it in items]


@pytest.mark.parametrize("selectors", [CSS, XPATH], ids=["css", "xpath"])
def test_listpage_with_css_or_xpath_selectors(selectors):
    items = run("listpage", "listpage_newsroom.html", NEWSROOM, selectors=selectors)
    check_golden(items, "listpage_newsroom")
    assert items[0].published.isoformat() == "2025-03-18T14:00:00+00:00"   # <time datetime> wins over the text
    assert items[0].canonical_url == "https://newsroom.example.org/en-us/new-controls-for-comment-filters"


def test_listpage_without_links_keeps_entries_apart_by_title():
    items = run("listpage", "listpage_newsroom.html", NEWSROOM,
                selectors={"item": "article.article-card", "title": "h3", "link": "span.nothing-here"})
    assert [it.url for it in items] == [NEWSROOM] * 3
    assert len({it.fingerprint for it in items}) == 3 and len({it.canonical_url for it in items}) == 3


def test_listpage_selector_that_matches_nothing_is_a_source_error():
    with pytest.raises(SourceError, match="matched nothing"):
        run("listpage", "listpage_newsroom.html", NEWSROOM, selectors={"item": "li.post", "title": "h2"})


def test_listpage_source_needs_selectors_and_page_options_belong_to_pages():
    with pytest.raises(ValueError, match="needs `selectors:`"):
        Source(name="n", url=NEWSROOM, kind="listpage")
    with pytest.raises(ValueError, match="only for kind page"):
        Source(name="n", url=NEWSROOM, kind="feed", select="main")
    with pytest.raises(ValueError, match="not a valid CSS or XPath"):
        Source(name="n", url=NEWSROOM, kind="listpage", selectors={"item": "div[", "title": "h2"})
    source = Source(name="n", url=NEWSROOM, kind="listpage", selectors=XPATH, legal=True)
    assert spec_options(source) == {"selectors": XPATH, "legal": True}


@pytest.mark.parametrize("text,expected", [
    ("March 18, 2025", "2025-03-18"), ("Mar 18th, 2025", "2025-03-18"), ("18 March 2025", "2025-03-18"),
    ("18. März 2025", "2025-03-18"), ("18.03.2025", "2025-03-18"), ("2025-03-18", "2025-03-18"),
    ("Tue, 18 Mar 2025 10:00:00 GMT", "2025-03-18"), ("Introduced July 18th, 2017", "2017-07-18"),
    ("TBD", None), ("v21.0", None), ("March 2025", None),
])
def test_dates_in_english_and_german(text, expected):
    found = parse_date(text)
    assert (found.date().isoformat() if found else None) == expected


def test_month_headings_are_dates_when_asked():
    assert parse_date("March 2025", month_only=True).date().isoformat() == "2025-03-01"


def test_page_spider_yields_one_snapshot_of_the_main_text():
    [snap] = run("page", "terms_v1.html", "https://example.org/terms")
    assert snap.kind == SNAPSHOT and snap.title == "Terms of Service | Example"
    assert snap.summary.splitlines()[0] == "Terms of Service"
    assert "Sign in" not in snap.summary and "cookies" not in snap.summary.lower()


def test_page_spider_select_that_matches_nothing_reads_the_whole_page_and_warns():
    source = spec("page", "https://example.org/terms", select="#no-such-part")
    response = HtmlResponse(url=source.url, body=(PAGES / "terms_v1.html").read_bytes(), encoding="utf-8")
    spider = SPIDERS["page"](sources=[source])
    [snap] = spider.parse_source(response, source)
    assert snap.summary == run("page", "terms_v1.html", "https://example.org/terms")[0].summary
    assert "matched nothing" in spider.warnings["Test source"]


def test_page_spider_refuses_empty_pages_and_answers_that_are_not_pages():
    source = spec("page", "https://example.org/terms.pdf")
    empty = TextResponse(url=source.url, body=b"<html><body><script>x()</script></body></html>", encoding="utf-8")
    with pytest.raises(SourceError, match="no readable text"):
        list(SPIDERS["page"](sources=[source]).parse_source(empty, source))
    pdf = Response(url=source.url, body=b"%PDF-1.7", headers={"Content-Type": "application/pdf"})
    with pytest.raises(SourceError, match="not a web page"):
        list(SPIDERS["page"](sources=[source]).parse_source(pdf, source))


def test_listpage_and_changelog_spiders_run_in_the_real_crawl():
    with FeedServer() as web:
        newsroom = web.add("/newsroom", (PAGES / "listpage_newsroom.html").read_bytes(), content_type="text/html")
        meta = web.add("/versions", (PAGES / "meta_changelog.html").read_bytes(), content_type="text/html")
        results = {r.source: r for r in crawl([
            SourceSpec(name="news", url=newsroom, kind="listpage", category="platform", options={"selectors": CSS}),
            SourceSpec(name="meta", url=meta, kind="meta_changelog", category="platform")], FAST)}
    assert results["news"].outcome.ok and len(results["news"].items) == 3
    assert results["meta"].outcome.ok and results["meta"].items[0].url == f"{web.base}/docs/graph-api/changelog/version23.0"


def test_every_kind_names_its_spider_and_file():
    from spiders import KINDS, spider_class
    for kind in KINDS:
        cls = spider_class(kind)
        assert cls.name == kind and cls.__module__ == f"spiders.{kind}"
