"""Pages that serve one of several versions (EU and US terms by region, A/B tests), and the
watched-page precision and recall on the page histories of tests/page_histories.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from benchmarks.bench_pages import replay
from monitor.config import Source
from monitor.item import Item
from monitor.store.pages import NO_ITEM
from monitor.watch.page_changes import apply_snapshots
from monitor.watch.page_text import extract_page
from spiders.base import SourceSpec
from spiders.page import snapshot
from tests.page_histories import CHANGE, histories

URL = "https://www.example.com/legal/terms"
T0 = datetime(2025, 5, 1, 9, 0, tzinfo=UTC)
EU = "These Products are provided to you by Example Platforms Ireland Limited."
US = "These Products are provided to you by Example Platforms, Inc."
EU_LAW = "If you habitually reside in a Member State of the European Union, its laws apply to your claims."
US_LAW = "Any claim you have against us must be resolved in a court located in Northern California."
BODY = ["You must be at least 13 years old to use the service.",
        "You may not use the service to share anything unlawful or misleading.",
        "This licence ends when your content is deleted from our systems."]
HINTS = {"eu": r"Platforms Ireland Limited", "us": r"Platforms, Inc\."}


def terms(region: str, body: list[str] = BODY) -> str:
    entity, law = (EU, EU_LAW) if region == "eu" else (US, US_LAW)
    paragraphs = "".join(f"<p>{p}</p>" for p in [entity, *body, law])
    return f"<html><head><title>Terms of Service | Example</title></head><body><main>{paragraphs}</main></body></html>"


@pytest.fixture
def watched(store):
    store.sync_sources([Source(name="Example Terms of Service", url=URL, kind="page", category="legal")])
    return store


def fetch(store, html: str, day: int, variants: dict | None = None) -> list[Item]:
    spec = SourceSpec(name="Example Terms of Service", url=URL, kind="page", category="legal", language="en",
                      platforms=["facebook"])
    found = extract_page(html, variants=variants)
    at = T0 + timedelta(days=day)
    changes = apply_snapshots(store, [snapshot(spec, found.title, found.text)], at)
    store.add_items(changes, now=at)
    return changes


def history(store, pages: list[str], variants: dict | None = None) -> list[list[Item]]:
    return [fetch(store, html, day, variants) for day, html in enumerate(pages)]


def test_flipping_between_regions_reports_only_the_first_sight_of_the_other_region(watched):
    reports = history(watched, [terms("eu"), terms("us"), terms("eu"), terms("us"), terms("eu"), terms("us")])
    assert [len(r) for r in reports] == [0, 1, 0, 0, 0, 0]
    assert len(watched.versions("Example Terms of Service")) == 2


def test_a_change_to_one_region_is_shown_against_that_region(watched):
    edited = [BODY[0].replace("13 years", "14 years"), *BODY[1:]]
    reports = history(watched, [terms("eu"), terms("us"), terms("eu", edited)])
    [change] = reports[2]
    assert change.summary == "1 sentence changed. Changed: “You must be at least [13 → 14] years old to use the service.”"
    assert "Northern California" not in change.content_html       # not diffed against the US text served last


def test_the_other_region_catching_up_with_a_reported_change_is_not_reported_again(watched):
    edited = [*BODY, "We may use public content to train our AI models."]
    reports = history(watched, [terms("eu"), terms("us"), terms("eu", edited), terms("us", edited),
                                terms("eu", edited), terms("us", edited)])
    assert [len(r) for r in reports] == [0, 1, 1, 0, 0, 0]
    latest = watched.latest_version("Example Terms of Service")      # the US text that caught up
    assert latest.item_id == NO_ITEM       # settled: later fetches of it are not weighed again


def test_variant_hints_make_a_regions_first_text_its_baseline(watched):
    edited = [BODY[0], BODY[1].replace("unlawful", "unlawful, hateful"), BODY[2]]
    reports = history(watched, [terms("eu"), terms("us"), terms("eu"), terms("us", edited)], HINTS)
    assert [len(r) for r in reports] == [0, 0, 0, 1]
    assert "[unlawful → unlawful, hateful]" in reports[3][0].summary and "Ireland" not in reports[3][0].summary


def test_with_hints_a_region_dropping_a_clause_only_it_had_is_a_change(watched):
    without_eu_law = terms("eu").replace(f"<p>{EU_LAW}</p>", "")
    reports = history(watched, [terms("eu"), terms("us"), terms("eu"), without_eu_law], HINTS)
    assert [len(r) for r in reports] == [0, 0, 0, 1]
    assert reports[3][0].summary == f"1 sentence removed. Removed: “{EU_LAW}”"


def test_a_text_that_matches_no_variant_pattern_is_compared_with_every_version(watched):
    renamed = terms("eu").replace("Example Platforms Ireland Limited", "Example Ireland Ltd")
    reports = history(watched, [terms("eu"), renamed], HINTS)
    [change] = reports[1]
    assert "by Example [−Platforms] Ireland [Limited. → Ltd.]" in change.summary


def test_a_sentence_leaving_for_the_first_time_is_a_change_even_on_a_page_with_variants(watched):
    """A clause added in March and dropped in June is reported both times."""
    added = [*BODY, "Disputes go to arbitration first."]
    later = "You can appeal a decision within 30 days."
    reports = history(watched, [terms("eu"), terms("us"), terms("eu", added), terms("eu", [*added, later]),
                                terms("eu", [*BODY, later])])
    assert [len(r) for r in reports] == [0, 1, 1, 1, 1]
    assert reports[4][0].summary == "1 sentence removed. Removed: “Disputes go to arbitration first.”"


def test_an_ab_test_paragraph_showing_again_on_top_of_a_later_change_is_not_a_change(watched):
    promo = "New: read how we label content made with AI."
    edited = [BODY[0], BODY[1], BODY[2].replace("deleted", "permanently deleted")]
    reports = history(watched, [terms("eu"), terms("eu", [promo, *BODY]), terms("eu"), terms("eu", edited),
                                terms("eu", [promo, *edited]), terms("eu", edited)])
    assert [len(r) for r in reports] == [0, 1, 0, 1, 0, 0]


def figures(store, hints: bool) -> tuple[float, float, int]:
    reported = real = hits = 0
    for page in histories():
        for _n, kind, _note, said, _text in replay(store, page, hints=hints):
            reported += said
            real += kind == CHANGE
            hits += said and kind == CHANGE
    return hits / reported, hits / real, real


@pytest.mark.parametrize("hints", [True, False], ids=["as-configured", "no-variant-hints"])
def test_precision_and_recall_on_the_page_histories(sqlite_store, hints):
    """Noise-only steps, link-only changes, variant flips and real changes on pages in the shape of
    Facebook's, Meta's, Google's, LinkedIn's, TikTok's, X's, Instagram's, YouTube's and Snap's."""
    precision, recall, real = figures(sqlite_store, hints)
    print(f"watched pages ({'variant hints as configured' if hints else 'no variant hints'}): "
          f"precision {precision:.2f}, recall {recall:.2f} on {real} changes")
    assert real >= 20 and precision >= 0.85 and recall >= (0.95 if hints else 0.9)
