"""Untrusted feed HTML and tracking-laden URLs."""

from monitor.watch.text import clean_title, html_to_text, sanitize_html
from monitor.watch.urls import canonical_url


def test_sanitizer_keeps_text_and_links_but_drops_active_content():
    raw = ('<p onclick="x()">Hallo <b>Welt</b> <a href="javascript:alert(1)">bad</a> '
           '<a href="https://ok.example/">ok</a><script>alert(1)</script>'
           '<iframe srcdoc="<script>alert(2)</script>"></iframe><img src=x onerror=alert(3)></p>')
    clean = sanitize_html(raw)
    for bad in ("<script", "onclick", "javascript:", "<iframe", "srcdoc", "onerror", "<img"):
        assert bad not in clean
    assert '<a href="https://ok.example/" rel="noopener noreferrer nofollow">ok</a>' in clean
    assert "<b>Welt</b>" in clean


def test_plain_text_and_titles():
    assert html_to_text("<p>Erste&nbsp;Zeile</p><p>zweite &amp; dritte</p>") == "Erste Zeile zweite & dritte"
    assert clean_title("<b>Neu:</b> Reels &amp; Stories") == "Neu: Reels & Stories"
    assert len(html_to_text("wort " * 2000)) <= 2000


def test_canonical_urls_drop_tracking_and_normalise():
    a = canonical_url("HTTP://WWW.Example.org:80/news/story/?utm_source=x&b=2&fbclid=1&a=1#top")
    b = canonical_url("https://example.org/news/story?a=1&b=2&gclid=9&igshid=abc")
    assert a == b == "https://example.org/news/story?a=1&b=2"
    assert canonical_url("https://example.org/") == "https://example.org/"
    assert canonical_url("https://example.org:8443/x/") == "https://example.org:8443/x"
