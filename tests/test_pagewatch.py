"""Watched pages: a baseline first, then one change item per real text change, never for noise."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.config import FetchSettings, Source
from monitor.item import SNAPSHOT, Item
from monitor.tag.legal_pages import force_legal
from monitor.watch.contract import spec_options
from monitor.watch.page_changes import apply_snapshots
from monitor.watch.page_diff import sentence_diff, sentences
from monitor.watch.page_text import extract_page
from spiders.base import SourceSpec
from spiders.crawl import crawl
from spiders.page import snapshot
from tests.servers import FeedServer

PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"
FACEBOOK_TERMS = Path("/work/shared/fixtures/real-feeds/opentermsarchive__facebook_terms_raw.html")
URL = "https://example.org/terms"
T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
FAST = FetchSettings(timeout=timedelta(seconds=5), retries=0)
TERMS = Source(name="Terms", url=URL, kind="page", category="legal", language="en")


@pytest.fixture
def store(store):
    """The watched terms page on SQLite and on PostgreSQL (conftest's store)."""
    store.sync_sources([TERMS])
    return store


@pytest.fixture
def sqlite_pages(sqlite_store):
    sqlite_store.sync_sources([TERMS])
    return sqlite_store


def page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def snap(html: str, name: str = "Terms", url: str = URL) -> Item:
    found = extract_page(html)
    return snapshot(SourceSpec(name=name, url=url, kind="page", category="legal", language="en"), found.title, found.text)


def watch(store, html: str, at: datetime = T0, **kw) -> list[Item]:
    return apply_snapshots(store, [snap(html)], at, **kw)


def test_first_fetch_stores_the_baseline_and_reports_nothing(store):
    assert watch(store, page("terms_v1.html")) == []
    [baseline] = store.versions("Terms")
    assert baseline.text.startswith("Terms of Service\n1. Who we are") and baseline.fetched == T0


def test_noise_only_changes_report_nothing_and_store_no_version(store):
    """Dates, tokens, scripts, tracking attributes, cache-busting links, counters, footer: all differ."""
    watch(store, page("terms_v1.html"))
    assert watch(store, page("terms_v2_noise.html"), T0 + timedelta(days=7)) == []
    assert len(store.versions("Terms")) == 1


def test_noise_is_ignored_also_on_pages_without_a_main_element(store):
    def without_main(html: str) -> str:
        return html.replace('<main id="content">', '<div id="content">').replace("</main>", "</div>")
    watch(store, without_main(page("terms_v1.html")))
    assert watch(store, without_main(page("terms_v2_noise.html"))) == []


def test_a_changed_sentence_makes_one_change_item_that_says_what_changed(store):
    watch(store, page("terms_v1.html"))
    later = T0 + timedelta(days=14)
    [change] = watch(store, page("terms_v3_changed.html"), later)
    assert change.kind == "change" and change.url == URL and change.published == later
    assert change.title == "example.org: Terms of Service changed"
    assert change.summary.startswith("1 sentence changed, 1 added.")
    assert "Changed: “You must be at least [16 → 18] years old to create an account.”" in change.summary
    assert "Added: “We may use what you post to train our recommendation systems.”" in change.summary
    assert "<del>16</del> <ins>18</ins>" in change.content_html
    assert "<ins>We may use what you post to train our recommendation systems.</ins>" in change.content_html
    assert "<script" not in change.content_html and "Who we are" not in change.content_html   # context only
    assert len(store.versions("Terms")) == 2


def test_every_version_is_kept_and_each_change_is_its_own_item(store):
    changes = []
    for day, name in enumerate(["terms_v1.html", "terms_v3_changed.html", "terms_v4_changed_again.html"]):
        html = page(name) if name != "terms_v4_changed_again.html" else \
            page("terms_v3_changed.html").replace("important changes", "all changes")
        changes += watch(store, html, T0 + timedelta(days=day))
    versions = store.versions("Terms")
    assert [v.fetched for v in versions] == [T0 + timedelta(days=d) for d in range(3)]
    assert len({v.text for v in versions}) == 3
    assert len(changes) == 2 and len({c.fingerprint for c in changes}) == 2
    assert store.add_items(changes, now=T0 + timedelta(days=4)) and len(store.add_items(changes)) == 0


def test_flipping_back_to_a_version_seen_before_is_not_a_change(store):
    """A page serving one of two versions (regions, A/B tests): only the first sight of each is new."""
    changes = []
    for day, name in enumerate(["terms_v1.html", "terms_v3_changed.html", "terms_v1.html", "terms_v3_changed.html"]):
        changes += watch(store, page(name), T0 + timedelta(days=day))
    assert len({c.fingerprint for c in changes}) == 1 and len(store.versions("Terms")) == 2


def test_a_change_whose_item_was_never_stored_is_reported_again_once(store):
    """A run that stopped between storing the version and storing the item loses nothing."""
    watch(store, page("terms_v1.html"))
    [lost] = watch(store, page("terms_v3_changed.html"))
    [again] = watch(store, page("terms_v3_changed.html"))
    assert again.fingerprint == lost.fingerprint and again.summary == lost.summary
    [stored] = store.add_items([again])
    assert watch(store, page("terms_v3_changed.html")) == []
    assert store.latest_version("Terms").item_id == stored.id


def test_other_items_pass_through_and_snapshots_of_unknown_sources_are_dropped(store):
    entry = Item(source="Terms", title="A post", url="https://example.org/p")
    assert apply_snapshots(store, [entry, snap(page("terms_v1.html"), name="Gone")], T0) == [entry]


def test_summary_in_german_for_german_teams(store):
    watch(store, page("terms_v1.html"))
    [change] = watch(store, page("terms_v3_changed.html"), language="de")
    assert change.title == "example.org: Nutzungsbedingungen geändert"
    assert change.summary.startswith("1 Satz geändert, 1 neu. Geändert: „You must be at least [16 → 18] years")


def test_ignore_patterns_and_select_narrow_what_is_compared():
    html = page("terms_v1.html").replace("Business accounts", "Business accounts (ref. 4711)")
    text = extract_page(html, select="article h2, article ul", ignore=[r"\(ref\. \d+\)"]).text
    assert text.splitlines() == ["1. Who we are", "2. Your account", "One person may hold one personal account.",
                                 "Business accounts must name a contact person.", "3. Content you post",
                                 "4. Changes to these terms"]


def test_sentences_survive_abbreviations_ordinals_and_years():
    assert sentences("Gilt ab 12. März 2025 für z. B. Reels. Neu ist Art. 5 DSGVO. Since 2024. Done") == [
        "Gilt ab 12. März 2025 für z. B. Reels.", "Neu ist Art. 5 DSGVO.", "Since 2024.", "Done"]
    assert not sentence_diff("Same. Text.", "Same. Text.").changed


def test_legal_change_is_forced_for_legal_pages_and_legal_sources():
    sources = [Source(name="Terms", url=URL, kind="page", category="legal"),
               Source(name="Guidelines", url=URL, kind="page", category="platform", legal=True),
               Source(name="Blog", url=URL, kind="page", category="legal", legal=False),
               Source(name="News", url=URL, kind="feed", category="legal")]
    items = [Item(source=name, title="t", url=URL, tags=["feature_rollout"]) for name in
             ("Terms", "Guidelines", "Blog", "News")]
    force_legal(items, sources)
    assert [it.tags for it in items] == [["feature_rollout", "legal_change"]] * 2 + [["feature_rollout"]] * 2
    assert items[0].scores["legal_change"] == 1.0
    assert spec_options(sources[1]) == {"legal": True}


def test_facebook_terms_real_page_baseline_noise_and_change(sqlite_pages):
    store = sqlite_pages
    if not FACEBOOK_TERMS.exists():
        pytest.skip(f"{FACEBOOK_TERMS} is not there")
    raw = FACEBOOK_TERMS.read_text(encoding="utf-8")
    text = extract_page(raw).text
    assert text.startswith("Terms of Service\nWelcome to Facebook!")
    assert "Forgot account?" not in text and "Cookies Policy" not in text and "Date of Last Revision" not in text
    noise = (raw.replace("AXiW1bVHWHam1Ztq", "AXzz9qTT0b1c2d3e").replace("AQ6ErgCz2fg5dYfM", "AQ0000aaaa1111bb")
             .replace("July 31, 2019", "July 31, 2020").replace("Facebook © 2020", "Facebook © 2021"))
    sentence = "These Products are provided to you by Facebook Ireland Limited."
    assert sentence in text and noise != raw
    changed = noise.replace("provided to you by Facebook Ireland Limited", "provided to you by Meta Platforms Ireland Limited")
    assert watch(store, raw) == []
    assert watch(store, noise) == []
    [change] = watch(store, changed)
    assert "“… Products are provided to you by [Facebook → Meta Platforms] Ireland Limited.”" in change.summary
    assert "<del>Facebook</del> <ins>Meta Platforms</ins>" in change.content_html


def watched_terms(store, web: FeedServer) -> tuple[str, SourceSpec]:
    """The legal page "Terms" (terms_v1.html) served by `web` and known to `store`: its URL and crawl spec."""
    url = web.add("/terms", page("terms_v1.html"), content_type="text/html; charset=utf-8")
    configured = Source(name="Terms", url=url, kind="page", category="legal", language="en",
                        ignore=[r"Page generated at .*"])
    store.sync_sources([configured])
    return url, SourceSpec(name="Terms", url=url, kind="page", category="legal", language="en",
                           options=spec_options(configured))


def test_real_crawl_of_a_watched_page_twice_with_a_change_in_between(sqlite_pages):
    store = sqlite_pages
    with FeedServer() as web:
        url, source = watched_terms(store, web)

        def fetch(etag=None) -> tuple[list[Item], str | None]:
            [result] = crawl([replace(source, etag=etag)], FAST)
            assert result.outcome.ok, result.outcome.error
            assert all(it.kind == SNAPSHOT for it in result.items)
            return apply_snapshots(store, result.items, language="en"), result.outcome.etag

        first, etag = fetch()
        unchanged, _ = fetch(etag)                  # 304: nothing to compare, nothing reported
        web.add("/terms", page("terms_v2_noise.html"), content_type="text/html; charset=utf-8")
        noise, etag = fetch(etag)
        web.add("/terms", page("terms_v3_changed.html"), content_type="text/html; charset=utf-8")
        changed, _ = fetch(etag)
    assert first == [] and unchanged == [] and noise == []
    [change] = changed
    assert change.kind == "change" and change.url == url and "[16 → 18] years" in change.summary
    assert len(store.versions("Terms")) == 2


def test_a_watched_pages_snapshot_is_not_annotated_in_the_crawl():
    from monitor.item import SNAPSHOT
    from monitor.watch.annotate import annotate
    snap = Item(source="terms", title="Nutzungsbedingungen", url="https://example.org/terms",
                summary="Instagram " * 1000, kind=SNAPSHOT)
    annotate([snap])
    assert not snap.annotated and snap.lang is None and snap.platforms == []


BLOCK_PAGES = {
    "denied": "<html><head><title>Access Denied</title></head><body><h1>Access Denied</h1>"
              "<p>You don't have permission to access this resource. Reference #18.2f.</p></body></html>",
    "cookie wall": "<html><head><title>Bevor Sie fortfahren</title></head><body><p>Wir verwenden Cookies, um "
                   "Inhalte zu personalisieren.</p><button>Alle akzeptieren</button><button>Ablehnen</button>"
                   "</body></html>",
    "maintenance": "<html><head><title>Wartungsarbeiten</title></head><body><p>Wegen Wartungsarbeiten ist diese "
                   "Seite vorübergehend nicht verfügbar. Bitte versuchen Sie es später erneut.</p></body></html>",
}


@pytest.mark.parametrize("kind", sorted(BLOCK_PAGES))
def test_a_block_cookie_or_maintenance_page_answered_with_200_is_a_failed_fetch_not_a_change(sqlite_pages, kind):
    """Stored as the terms' new text, such a page was a "change" of every sentence and a false legal
    alert; it is a fetch that failed in words, and the real page coming back is no change either."""
    store = sqlite_pages
    with FeedServer() as web:
        url, source = watched_terms(store, web)
        [first] = crawl([source], FAST)
        assert apply_snapshots(store, first.items) == []
        web.add("/terms", BLOCK_PAGES[kind], content_type="text/html; charset=utf-8")
        [blocked] = crawl([source], FAST)
        web.add("/terms", page("terms_v1.html"), content_type="text/html; charset=utf-8")
        [back] = crawl([source], FAST)
    assert not blocked.outcome.ok and "instead of the page" in blocked.outcome.error and not blocked.items
    assert back.outcome.ok and apply_snapshots(store, back.items) == []
    assert len(store.versions("Terms")) == 1


def test_real_short_pages_that_mention_cookies_or_bans_are_not_block_pages():
    from monitor.watch.page_text import looks_blocked
    rules = ("Community rules. Hate speech is forbidden. Spam is removed. We use cookies as described in our "
             "cookie policy; you can accept or refuse them in the settings. ") * 8
    assert not looks_blocked("Community rules", rules)
    assert not looks_blocked("Impressum", "Verantwortlich: Beispiel GmbH, Musterstraße 1, 12345 Berlin.")


def test_remove_of_the_whole_body_leaves_no_text_rather_than_the_title():
    found = extract_page(page("terms_v1.html"), remove=["body"])
    assert found.text == "" and found.title, "the title alone is no page to watch: the fetch fails in words"


def test_a_page_longer_than_the_limit_is_cut_at_a_line_and_says_so():
    from monitor.watch.page_text import MAX_TEXT_CHARS
    paragraphs = "".join(f"<p>Section {n}: The provider may change these terms with notice.</p>"
                         for n in range(12_000))
    found = extract_page(f"<html><body><main>{paragraphs}</main></body></html>")
    assert len(found.text) <= MAX_TEXT_CHARS and found.text.endswith("with notice.")
    assert found.warning and "only its beginning is watched" in found.warning
