"""A watched page's text: remove:, a select: that outlives a redesign, boilerplate lists,
hidden text, table rows. Pages in tests/fixtures/pages/ are written by us in the shape of
real terms pages (a language list and a table of contents inside the main area, a cookie
dialog that hides the rest of the page)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.config import FetchSettings, Source
from monitor.watch.contract import spec_options
from monitor.watch.page_diff import sentences
from monitor.watch.page_text import extract_page, split_variant
from spiders.base import SourceSpec
from spiders.crawl import crawl
from tests.servers import FeedServer

PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"
FAST = FetchSettings(timeout=timedelta(seconds=5), retries=0)


def page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def lines(html: str, **options) -> list[str]:
    return extract_page(html, **options).text.splitlines()


def main(body: str) -> str:
    return f"<html><head><title>T</title></head><body><main>{body}</main></body></html>"


# ----------------------------------------------------------------------------- boilerplate lists

def test_language_picker_table_of_contents_and_link_rows_inside_main_are_not_the_document():
    text = lines(page("terms_boilerplate.html"))
    for boilerplate in ("Deutsch", "日本語", "Ads you see", "Data we do not sell", "Earlier versions", "Help Centre",
                        "Activity log"):
        assert not any(boilerplate in line for line in text), boilerplate
    assert text[:3] == ["Terms of Service", "1. The services we provide",
                        "Our mission is to help people stay close to the people and causes they care about."]


def test_lists_whose_entries_say_something_besides_their_link_are_content():
    text = lines(page("terms_boilerplate.html"))
    assert "Commerce Policies: apply when you offer products for sale." in text
    assert "Use the same name that you use in everyday life." in text
    html = main("<p>Intro.</p><ul><li>Read the <a href='/p'>privacy policy</a> before you sign up.</li>"
                "<li>Ask <a href='/help'>our help centre</a> when in doubt.</li></ul>")
    assert lines(html) == ["Intro.", "Read the privacy policy before you sign up.", "Ask our help centre when in doubt."]


def test_a_link_whose_label_is_a_whole_sentence_is_content():
    long_label = "You can download a copy of everything you shared with us from your account settings page."
    html = main(f"<ul><li><a href='/dyi'>{long_label}</a></li><li><a href='/del'>{long_label} Again.</a></li></ul>")
    assert lines(html) == [long_label, f"{long_label} Again."]


def test_language_pickers_without_hreflang_and_without_a_list_are_recognised_by_their_names():
    picker = "".join(f"<a href='?l={n}'>{name}</a> " for n, name in enumerate(
        ["English (UK)", "Deutsch", "Français", "Polski", "Türkçe"]))
    spans = "<div class='lang'>" + "".join(f"<span>{n}</span>" for n in ["Deutsch", "English", "Español"]) + "</div>"
    html = main(f"<div class='locale'>{picker}</div>{spans}<p>Die Bedingungen gelten für alle Nutzer.</p>")
    assert lines(html) == ["Die Bedingungen gelten für alle Nutzer."]


def test_changing_the_boilerplate_inside_main_changes_nothing():
    before = page("terms_boilerplate.html")
    after = (before.replace('<li><a href="https://it-it.example.com/legal/terms" hreflang="it" title="Italian">'
                            'Italiano</a></li>', "")
             .replace("Activity log", "Your activity").replace("u_0_3_", "u_1_9_")
             .replace("Earlier versions", "Archive"))
    assert extract_page(after).text == extract_page(before).text


# ----------------------------------------------------------------------------- hidden text

def test_a_cookie_dialog_that_hides_the_rest_of_the_page_does_not_hide_the_document():
    text = lines(page("privacy_cookie_dialog.html"))
    assert "We collect information from the devices you use, such as the operating system and signal strength." in text
    assert not any("cookies" in line.lower() for line in text)         # the dialog itself is noise
    assert "Open the menu" not in text and "Tap to expand this section." not in text  # small hidden bits stay out


def test_the_page_reads_the_same_with_the_dialog_open_and_closed():
    open_ = page("privacy_cookie_dialog.html")
    closed = open_.replace(' aria-hidden="true"', "").split('<div class="x1uvtmcs"')[0] + "</body></html>"
    assert extract_page(open_).text == extract_page(closed).text


def test_small_hidden_parts_are_still_dropped():
    html = main("<p>Visible terms text that is most of the page and stays.</p>"
                "<div hidden><p>Mobile menu</p></div><span aria-hidden='true'>›</span>"
                "<p style='display:none'>Loading…</p>")
    assert lines(html) == ["Visible terms text that is most of the page and stays."]


# ----------------------------------------------------------------------------- remove: and select:

def test_remove_cuts_css_and_xpath_matches_out_before_reading():
    html = main("<p>Keep this sentence.</p><div id='Related Articles'><p>Related: how to report</p></div>"
                "<fieldset><p>Was it useful to you today</p></fieldset><p class='promo'>Try our app.</p>")
    assert lines(html, remove=["[id='Related Articles']", "fieldset", "xpath://p[@class='promo']"]) == [
        "Keep this sentence."]


def test_a_select_that_no_longer_matches_reads_the_whole_page_and_says_so():
    html = page("terms_v1.html")
    fine = extract_page(html, select="article.legal-document")
    assert fine.warning is None
    redesigned = html.replace('class="legal-document"', 'class="lc-article"')
    found = extract_page(redesigned, select="article.legal-document")
    assert found.text == extract_page(html).text and found.text.startswith("Terms of Service")
    assert "matched nothing" in found.warning and "whole page" in found.warning
    empty = extract_page(html.replace('<p class="meta views">', '<p id="gone">'), select="#gone")   # only noise
    assert empty.text == fine.text and empty.warning


def test_a_select_that_broke_is_ok_with_its_warning_in_the_sources_health(sqlite_store):
    with FeedServer() as web:
        url = web.add("/terms", page("terms_v1.html").replace('class="legal-document"', 'class="lc-article"'),
                      content_type="text/html; charset=utf-8")
        configured = Source(name="Terms", url=url, kind="page", category="legal", select="article.legal-document",
                            remove=[".meta"])
        spec = SourceSpec(name="Terms", url=url, kind="page", category="legal", options=spec_options(configured))
        [result] = crawl([replace(spec)], FAST)
    assert result.outcome.ok and "matched nothing" in result.outcome.warning
    [snap] = result.items
    assert snap.summary.startswith("Terms of Service\n1. Who we are") and "views" not in snap.summary
    sqlite_store.sync_sources([configured])
    sqlite_store.record_fetches([("Terms", result.outcome)], timedelta(minutes=30))
    [health] = sqlite_store.list_sources()
    assert health["status"] == "ok" and "select 'article.legal-document' matched nothing" in health["last_error"]
    from monitor.i18n import Translator
    from monitor.watch.errors import words
    said = words(Translator("de"), health["last_error"])
    assert "passt auf nichts Lesbares mehr" in said and "scheitert" not in said, "a note, not a failure"


# ----------------------------------------------------------------------------- table rows, typography, variants

def test_a_table_row_is_one_line_and_one_sentence():
    text = extract_page(page("privacy_cookie_dialog.html")).text
    row = "Search history | Until you delete it. Backups are removed within 90 days."
    assert row in text.splitlines()
    assert row in sentences(text)


def test_layout_tables_are_not_flattened_into_one_line():
    body = "".join(f"<h2>Part {n}</h2><p>Sentence {n} of the document.</p>" for n in range(3))
    html = f"<html><body><table><tr><td>{body}</td></tr></table></body></html>"
    assert lines(html) == [x for n in range(3) for x in (f"Part {n}", f"Sentence {n} of the document.")]


def test_typography_of_the_template_is_not_a_change():
    straight = main("<p>We don't sell your data. It's yours.</p>")
    curly = main("<p>We don\u2019t sell your da\u00adta. It\u2019s yours.\u200b</p>")
    assert extract_page(straight).text == extract_page(curly).text == "We don't sell your data. It's yours."


def test_variant_hints_name_the_version_on_a_first_line():
    eu = main("<p>These Products are provided to you by Meta Platforms Ireland Limited.</p>")
    us = main("<p>These Products are provided to you by Meta Platforms, Inc.</p>")
    hints = {"eu": r"Ireland Limited", "us": r"Meta Platforms, Inc\."}
    assert split_variant(extract_page(eu, variants=hints).text) == (
        "eu", "These Products are provided to you by Meta Platforms Ireland Limited.")
    assert split_variant(extract_page(us, variants=hints).text)[0] == "us"
    assert split_variant(extract_page(main("<p>Other.</p>"), variants=hints).text) == (None, "Other.")


def test_remove_and_variant_are_checked_in_feeds_yaml():
    with pytest.raises(ValueError, match="not a valid CSS or XPath"):
        Source(name="p", url="https://example.org/t", kind="page", remove=["div["])
    with pytest.raises(ValueError, match="not a valid regular expression"):
        Source(name="p", url="https://example.org/t", kind="page", variant={"eu": "(unclosed"})
    with pytest.raises(ValueError, match="short name"):
        Source(name="p", url="https://example.org/t", kind="page", variant={"EU terms!": "x"})
    with pytest.raises(ValueError, match="only for kind page"):
        Source(name="f", url="https://example.org/feed", kind="feed", remove=["nav"])
    source = Source(name="p", url="https://example.org/t", kind="page", remove=["nav"], variant={"eu": "Ireland"})
    assert spec_options(source) == {"remove": ["nav"], "variant": {"eu": "Ireland"}}


def test_a_wrapper_around_the_whole_page_is_not_taken_for_a_language_picker():
    picker = "<ul>" + "".join(f"<li><a hreflang='{c}' href='/{c}'>{c}</a></li>" for c in ("de", "fr", "es")) + "</ul>"
    html = (f"<html><body><div id='wrap'><div class='top'>{picker}</div>"
            "<div class='doc'><p>First clause of the terms.</p></div><div class='end'><p>Last clause.</p></div>"
            "</div></body></html>")
    assert lines(html) == ["First clause of the terms.", "Last clause."]
