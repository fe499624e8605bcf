"""The fast parser (feedparser-rs, spiders/fast_feed.py) makes exactly the items feedparser makes.

Every document is read twice through the crawl's own `read_feed` (decoding, sanitising,
link checks, dates, categories, ids): once as shipped, once with the fast path switched
off so that feedparser reads everything; the items (every field), the warning and the
error must be identical. The documents:

* feedparser's own test corpus (about 2,300 small feeds, many of them odd on purpose),
  read from feedparser's sdist when one is cached; fetch it once with
      pip download feedparser==<installed version> --no-binary :all: --no-deps -d ~/.cache/lagebild
  (or point FEEDPARSER_SDIST at the file); the test is skipped without it;
* the real feeds in /work/shared/fixtures/real-feeds/ (REAL_FEEDS overrides), read in place;
* our own hostile and tricky feeds, below and in tests/test_feed_defects.py;
* feeds shaped like benchmarks/feedserver.py's, where the fast path must also be taken
  (that is where the time goes).
"""

from __future__ import annotations

import dataclasses
import os
import sys
import tarfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

from monitor.watch.contract import SourceSpec
from spiders import fast_feed, feed
from spiders.base import SourceError
from tests import test_feed_defects as defects

ROOT = Path(__file__).resolve().parent.parent
URL = "http://feeds.example.org/news/feed.xml"


def read(body: bytes, fast: bool, headers: dict[str, str] | None = None, url: str = URL) -> tuple:
    """What leaves the parser: items as plain data, the warning, or the error's words."""
    spec = SourceSpec(name="s", url=url, kind="feed", category="industry")
    saved = fast_feed.fast_parse
    if not fast:
        fast_feed.fast_parse = lambda *args: None        # feedparser reads everything
    try:
        got = feed.read_feed(body, spec, headers=headers or {}, base_url=url)
        return "ok", [dataclasses.asdict(item) for item in got.items], got.warning
    except SourceError as e:
        return "error", str(e)
    finally:
        fast_feed.fast_parse = saved


def took_fast_path(body: bytes, headers: dict[str, str] | None = None) -> bool:
    decoded = feed.decode(body, (headers or {}).get("content-type"), None)
    if decoded.text.lstrip()[:1] == "{" or feed.declares_entities(decoded.text):
        return False
    utf8, _ = feed._as_utf8(decoded.text)
    return fast_feed.fast_parse(utf8, decoded.text, {}) is not None


def assert_same(name: str, body: bytes, headers: dict[str, str] | None = None) -> None:
    slow, fast = read(body, False, headers), read(body, True, headers)
    assert fast == slow, f"{name}: the fast parser's items differ from feedparser's"


# --- feedparser's own corpus ----------------------------------------------------------------

def _sdist() -> Path | None:
    version = feedparser.__version__
    named = os.environ.get("FEEDPARSER_SDIST")
    candidates = [Path(named)] if named else []
    candidates += [Path.home() / ".cache" / "lagebild", Path("/tmp")]
    for place in candidates:
        if place.is_file():
            return place
        found = place / f"feedparser-{version}.tar.gz"
        if found.is_file():
            return found
    return None


def corpus() -> Iterator[tuple[str, bytes]]:
    path = _sdist()
    if path is None:
        return
    with tarfile.open(path) as archive:
        for member in archive.getmembers():
            if member.isfile() and "/tests/" in member.name and member.name.endswith(".xml"):
                handle = archive.extractfile(member)
                if handle is not None:
                    yield member.name.split("/tests/", 1)[1], handle.read()


def test_feedparsers_own_corpus_gives_the_same_items():
    documents = list(corpus())
    if not documents:
        pytest.skip("feedparser's sdist is not cached (see this module's docstring)")
    assert len(documents) > 1000, "the corpus was not read whole"
    fast = 0
    for name, body in documents:
        assert_same(name, body)
        fast += took_fast_path(body)
    # the corpus is odd on purpose, yet the plain feeds in it must take the fast path
    assert fast > 150, f"the fast path read only {fast} of {len(documents)} corpus documents"


# --- real feeds -------------------------------------------------------------------------------

REAL_FEEDS = Path(os.environ.get("REAL_FEEDS", "/work/shared/fixtures/real-feeds"))


def real_feeds() -> list[Path]:
    if not REAL_FEEDS.is_dir():
        return []
    return sorted(p for p in REAL_FEEDS.iterdir() if p.suffix in (".xml", ".rss", ".atom", ".json"))


def test_real_feeds_give_the_same_items():
    paths = real_feeds()
    if not paths:
        pytest.skip(f"no real feeds at {REAL_FEEDS}")
    fast = 0
    for path in paths:
        body = path.read_bytes()
        assert_same(path.name, body)
        fast += took_fast_path(body)
    assert fast >= 10, f"the fast path read only {fast} of {len(paths)} real feeds"


# --- our own hostile and tricky feeds -----------------------------------------------------------

def rss(items: str, channel: str = "", root: str = '<rss version="2.0">') -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?>{root}<channel><title>T</title>'
            f"<link>https://example.org/</link>{channel}{items}</channel></rss>").encode()


def atom(entries: str, root: str = '<feed xmlns="http://www.w3.org/2005/Atom">') -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?>{root}<title>A</title><id>urn:a</id>'
            f"<updated>2026-12-01T10:00:00Z</updated>{entries}</feed>").encode()


OURS: dict[str, bytes] = {
    "rss dates": rss("".join(
        f"<item><title>Datum {n}</title><link>https://example.org/{n}</link><pubDate>{d}</pubDate></item>"
        for n, d in enumerate(["Tue, 01 Dec 2026 10:00:00 GMT", "1 Dec 2026 10:00 +0100", "Tue, 01 Dec 2026 10:00:00 EST",
                               "Tue, 01 Dec 26 10:00:00 GMT", "2026/12/1 10:00:00", "Di, 01 Dez 2026 10:00:00 +0100",
                               "Tue, 01 Dec 2026 10:00:00 CEST", "2026-12-01T10:00:00+01:00", "2026-12-01",
                               "gestern", "", "Tue, 31 Feb 2026 10:00:00 GMT", "Tue, 01 Dec 2026 25:00:00 GMT"]))),
    "dc dates": rss('<item><title>DC</title><link>https://example.org/dc</link><dc:date>2026-12-01T08:00:00Z</dc:date>'
                    "</item><item><title>Both</title><link>https://example.org/b</link>"
                    "<pubDate>Tue, 01 Dec 2026 10:00:00 GMT</pubDate><dc:date>2026-11-30T08:00:00Z</dc:date></item>",
                    root='<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'),
    "atom dates": atom("<entry><title>P</title><id>urn:p</id><published>2026-12-01T09:00:00+02:00</published>"
                       "<updated>2026-12-02T09:00:00Z</updated><link href='https://example.org/p'/></entry>"
                       "<entry><title>U</title><id>urn:u</id><updated>2026-12-02T09:00:00.123Z</updated>"
                       "<link href='https://example.org/u'/></entry>"),
    "rss titles": rss("<item><title>Tom &amp;amp; Jerry</title><link>https://example.org/1</link></item>"
                      "<item><title>&lt;b&gt;Fett&lt;/b&gt; gedruckt</title><link>https://example.org/2</link></item>"
                      "<item><title>The &lt;blink&gt; tag &amp; more</title><link>https://example.org/3</link></item>"
                      "<item><title><![CDATA[Mit <em>CDATA</em> & Co]]></title><link>https://example.org/4</link></item>"
                      "<item><title>  Leer  zeichen\n umbrochen </title><link>https://example.org/5</link></item>"),
    "atom text kinds": atom("<entry><title>Plain &lt;b&gt; not bold</title><id>urn:1</id>"
                            "<summary>a &amp;amp; b</summary><link href='https://example.org/1'/></entry>"
                            "<entry><title>Zweite</title><id>urn:2</id><content>text &lt;i&gt;</content>"
                            "<link href='https://example.org/2'/></entry>"),
    "atom html kinds": atom("<entry><title type='html'>&lt;b&gt;Bold&lt;/b&gt;</title><id>urn:1</id>"
                            "<summary type='html'>&lt;p&gt;Para&lt;/p&gt;</summary><link href='https://example.org/1'/>"
                            "</entry><entry><title type='text'>T</title><id>urn:2</id>"
                            "<content type='html'>&lt;p&gt;Long &lt;a href=\"/x\"&gt;link&lt;/a&gt;&lt;/p&gt;</content>"
                            "<summary type='text'>short</summary><link href='/rel/2'/></entry>"),
    "atom mixed kinds": atom("<entry><title type='html'>&lt;b&gt;B&lt;/b&gt;</title><id>urn:1</id></entry>"
                             "<entry><title>&lt;b&gt;B&lt;/b&gt;</title><id>urn:2</id></entry>"),
    "links": rss("<item><title>JS</title><link>javascript:alert(1)</link><guid>g1</guid></item>"
                 "<item><title>Rel</title><link>/relative/path?a=1&amp;b=2</link></item>"
                 "<item><title>Permalink guid</title><guid>https://example.org/guid-is-link</guid></item>"
                 "<item><title>Not a permalink</title><guid isPermaLink='false'>https://example.org/np</guid></item>"
                 "<item><title>Data</title><link>data:text/html,hi</link></item>"
                 "<item><title>Enclosure only</title><enclosure url='https://cdn.example.org/a.mp3' type='audio/mpeg'"
                 " length='1'/></item>"
                 "<item><title>Spaces</title><link>  https://example.org/space  </link></item>"),
    "private addresses": rss("<item><title>Loopback</title><link>http://127.0.0.1:8080/a</link></item>"
                             "<item><title>Intranet</title><link>http://10.1.2.3/x</link><enclosure url="
                             "'http://localhost/e.mp3' type='audio/mpeg'/></item>"
                             "<item><title>Empty</title><link></link><guid isPermaLink='false'>e1</guid></item>"),
    "atom links": atom("<entry><title>Alt</title><id>urn:1</id><link rel='self' href='https://example.org/self'/>"
                       "<link rel='alternate' href='https://example.org/alt'/></entry>"
                       "<entry><title>Enc</title><id>urn:2</id><link rel='enclosure' href='https://example.org/e.mp3'/>"
                       "</entry><entry><title>JS</title><id>urn:3</id><link href='javascript:x()'/></entry>"),
    "categories": rss("<item><title>Cats</title><link>https://example.org/c</link><category>Recht</category>"
                      "<category domain='x'>Produkt-News</category><category>recht</category>"
                      "<category>&lt;b&gt;Fett&lt;/b&gt;</category><dc:subject>Algorithmus</dc:subject></item>",
                      root='<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'),
    "atom categories": atom("<entry><title>C</title><id>urn:c</id><category term='t' label='Label'/>"
                            "<category term='nur-term'/><category scheme='s' term='x,y'/></entry>"),
    "content encoded": rss("<item><title>Body</title><link>https://example.org/b</link><description>Kurz</description>"
                           "<content:encoded><![CDATA[<p>Lang <script>alert(1)</script><a href='/x'>mehr</a></p>]]>"
                           "</content:encoded></item><item><title>Only encoded</title><link>https://example.org/o"
                           "</link><content:encoded>&lt;p&gt;Nur&lt;/p&gt;</content:encoded></item>",
                           root='<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'),
    "no titles": rss("<item><description>Ein Post ohne Titel mit mehr als zwölf Wörtern, damit der Titel aus den "
                     "ersten Wörtern entsteht und gekürzt wird.</description><link>https://social.example/@a/1</link>"
                     "</item><item><description></description></item>"),
    "media description": atom("<entry><title>Video</title><id>yt:1</id><link rel='alternate' href='https://www.youtube."
                              "com/watch?v=1'/><media:group><media:title>Video</media:title><media:description>Was im "
                              "Video passiert</media:description></media:group></entry>",
                              root='<feed xmlns="http://www.w3.org/2005/Atom" '
                                   'xmlns:media="http://search.yahoo.com/mrss/">'),
    "feed language": rss("<item><title>Sprache</title><link>https://example.org/l</link></item>",
                         channel="<language>de-DE</language>"),
    "root xml:lang": rss("<item><title>Lang</title><link>https://example.org/l</link></item>",
                         root='<rss version="2.0" xml:lang="en">'),
    "atom xml:lang": atom("<entry><title>Lang</title><id>urn:l</id></entry>",
                          root='<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de">'),
    "windows-1252 refs": rss("<item><title>don&#146;t &#147;quote&#148;</title><link>https://example.org/w</link></item>"),
    "control refs": rss("<item><title>bad &#x1F; ref</title><link>https://example.org/c</link></item>"),
    "rdf": (b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            b'xmlns="http://purl.org/rss/1.0/"><channel rdf:about="https://example.org/"><title>R</title>'
            b'<link>https://example.org/</link></channel><item rdf:about="https://example.org/1"><title>Eins</title>'
            b"<link>https://example.org/1</link></item></rdf:RDF>"),
    "empty feed": rss(""),
    "html page": b"<!doctype html><html><head><title>Moved</title></head><body><p>Hello</p></body></html>",
    "broken xml": rss("<item><title>Gut</title><link>https://example.org/g</link></item>"
                      "<item><title>Kaputt & offen</title><link>https://example.org/k</link></item>"),
    "rss 0.91": rss("<item><title>Alt</title><link>https://example.org/a</link><description>x</description></item>",
                    root='<rss version="0.91">'),
    "long summary": rss("<item><title>Lang</title><link>https://example.org/l</link><description>"
                        + "&lt;p&gt;Satz mit &lt;b&gt;Markup&lt;/b&gt; und &amp;amp; Entität.&lt;/p&gt;" * 400
                        + "</description></item>"),
}
DEFECTS = {name: getattr(defects, name) for name in (
    "PODCAST", "RELATIVE", "ATOM_RELATIVE", "UNSAFE_RSS", "UNSAFE_ATOM", "TITLES_RSS", "TITLES_ATOM",
    "UNESCAPED_AMP", "TRUNCATED", "WRONG_DECLARATION")}


@pytest.mark.parametrize("name", sorted(OURS))
def test_our_tricky_feeds_give_the_same_items(name):
    assert_same(name, OURS[name])


@pytest.mark.parametrize("name", sorted(DEFECTS))
def test_the_defect_feeds_give_the_same_items(name):
    body = DEFECTS[name]
    assert_same(name, body.encode() if isinstance(body, str) else body)


@pytest.mark.parametrize("encoding", sorted(defects.UNDECLARED))
def test_undeclared_encodings_give_the_same_items(encoding):
    title, channel = defects.UNDECLARED[encoding]
    body = defects.rss(f"<item><title>{title}</title><link>https://x.example/{encoding}</link></item>",
                       declaration='<?xml version="1.0"?>', channel=channel).encode(encoding)
    assert_same(encoding, body, {"content-type": defects.RSS})


def test_a_content_language_header_names_the_language_as_feedparser_does():
    body = rss("<item><title>Ohne Sprache im Feed</title><link>https://example.org/x</link></item>")
    headers = {"content-type": "application/rss+xml", "content-language": "de"}
    assert_same("content-language", body, headers)
    assert read(body, True, headers)[1][0]["lang"] == "de"


def test_what_the_fast_path_must_not_read_goes_to_feedparser():
    """Damage, unknown dates and elements, Windows-1252 references: feedparser's reading (and its
    error's line) is the one the crawl reports."""
    for name in ("broken xml", "windows-1252 refs", "control refs", "atom mixed kinds", "html page", "empty feed",
                 "private addresses"):
        assert not took_fast_path(OURS[name]), name
    for name in ("rss dates",):     # one odd date in a feed sends the whole feed to feedparser
        assert not took_fast_path(OURS[name]), name


# --- the benchmark's feeds: same items, and the fast path taken ---------------------------------

def test_benchmark_feeds_take_the_fast_path_and_give_the_same_items():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import feedserver
    writer = feedserver.Writer()
    stories = feedserver.story_words(writer, 4)
    now = datetime(2026, 12, 1, 10, tzinfo=UTC)
    xml = 0
    for index in range(24):
        body, content_type = feedserver.feed_body(writer, index, 20, now, stories)
        headers = {"content-type": content_type}
        assert_same(f"bench {index}", body, headers)
        if not body.startswith(b"{"):
            xml += 1
            assert took_fast_path(body, headers), f"bench feed {index} went to feedparser"
    assert xml >= 20


def test_without_the_rust_parser_everything_goes_to_feedparser(monkeypatch):
    monkeypatch.setattr(fast_feed, "feedparser_rs", None)
    body = OURS["categories"]
    assert not took_fast_path(body)
    assert read(body, True)[0] == "ok" and read(body, True) == read(body, False)
