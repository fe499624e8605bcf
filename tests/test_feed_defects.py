"""Feeds in the shapes that tripped Lagebild up (issue 12), fetched from a real local server.

Written for this project in the shape of the failures found in other parsers' test
corpora, not copied from them: items without GUID and link, relative links behind a
redirect and xml:base, `javascript:` links, entity declarations in UTF-16 and UTF-32,
feeds that declare no encoding, plain-text titles with angle brackets, and feeds that
parse only by repairing them.
"""

from __future__ import annotations

import codecs
import json
from datetime import timedelta

import pytest

from monitor.config import FetchSettings
from monitor.i18n import Translator
from monitor.watch.errors import words
from spiders.base import SourceError, SourceSpec
from spiders.crawl import crawl
from spiders.feed import read_feed
from tests.servers import FeedServer

FAST = FetchSettings(timeout=timedelta(seconds=5), retries=0)
RSS = "application/rss+xml"     # no charset: the feed's own declaration (or nothing) must say it


def spec(name: str, url: str, language: str | None = None) -> SourceSpec:
    return SourceSpec(name=name, url=url, kind="feed", category="industry", language=language)


def rss(items: str, *, declaration: str = '<?xml version="1.0" encoding="utf-8"?>', channel: str = "") -> str:
    return (f'{declaration}\n<rss version="2.0"><channel><title>Test</title><link>https://example.org/</link>'
            f"{channel}\n{items}\n</channel></rss>")


# ----------------------------------------------------------------------------------- the shapes

PODCAST = rss("""
<item><title>Vorhersage Mittwoch, 04.09.2012</title><description>Sonnig, 24 Grad.</description>
  <pubDate>Wed, 04 Sep 2012 05:00:00 GMT</pubDate></item>
<item><title>Vorhersage Donnerstag, 05.09.2012</title><description>Gewitter am Abend.</description>
  <pubDate>Thu, 05 Sep 2012 05:00:00 GMT</pubDate></item>
<item><title>Wetter</title><description>Wie gestern.</description><pubDate>Fri, 06 Sep 2012 05:00:00 GMT</pubDate></item>
<item><title>Wetter</title><description>Wie gestern.</description><pubDate>Sat, 07 Sep 2012 05:00:00 GMT</pubDate></item>
<item><title>Folge 12</title><enclosure url="audio/folge-12.mp3" type="audio/mpeg" length="1"/></item>
""")

RELATIVE = rss("""
<item><title>Neben dem Feed</title><link>item-1.html</link><description>&lt;a href="more.html"&gt;mehr&lt;/a&gt;</description></item>
<item><title>Ab der Wurzel</title><link>/abs/path?x=1</link></item>
<item><title>Eine Ebene hoch</title><link>../up.html</link></item>
<item xml:base="https://cdn.example.org/base/"><title>Mit xml:base</title><link>x.html</link></item>
""")

ATOM_RELATIVE = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="sub/"><title>Atom</title><id>urn:a</id><updated>2024-05-01T10:00:00Z</updated>
<entry xml:base="entries/"><title>Atom relativ</title><id>urn:a:1</id><updated>2024-05-01T10:00:00Z</updated>
  <link rel="alternate" href="e1.html"/><content type="html">&lt;a href="../pics/"&gt;Bilder&lt;/a&gt;</content></entry>
</feed>"""

UNSAFE_JSON = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "JSON", "items": [
    {"id": "1", "title": "Mit Ersatzlink", "url": "javascript:alert(1)", "external_url": "https://ok.example/1"},
    {"id": "2", "title": "Nur data:", "url": "data:text/html,<script>alert(2)</script>"},
    {"id": "3", "title": "Versteckt", "url": "  JaVaScRiPt:alert(3)"},
    {"id": "4", "title": "VBScript", "url": "vbscript:msgbox(4)"},
    {"id": "5", "title": "Relativ", "url": "/posts/5"},
    {"id": "6", "title": "Sauber", "url": "https://fine.example/6",
     "content_html": '<p><a href="javascript:alert(6)">klick</a> <a href="/rel">rel</a></p>'},
]})

WRONG_TYPES_JSON = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "JSON", "items": [
    {"id": {"x": 1}, "title": ["Liste statt Text"], "url": ["https://list.example/1"],
     "external_url": "https://ok.example/list", "content_text": {"x": 1}},
    {"id": 7, "title": 42, "url": "https://ok.example/number", "content_html": ["<p>a</p>"]},
    {"id": "3", "title": True, "url": False, "summary": "Nur eine Zusammenfassung."},
]})

UNSAFE_RSS = rss("""
<item><title>RSS mit javascript</title><link>javascript:alert(7)</link><guid isPermaLink="false">r1</guid></item>
<item><title>RSS mit data</title><link>data:text/html;base64,PHNjcmlwdD4=</link><guid isPermaLink="false">r2</guid></item>
""")

UNSAFE_ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:u</id><updated>2024-05-01T10:00:00Z</updated>
<entry><title>Atom mit zwei Links</title><id>urn:u:1</id><updated>2024-05-01T10:00:00Z</updated>
  <link rel="alternate" href="javascript:alert(8)"/><link rel="alternate" type="text/html" href="https://ok.example/8"/></entry>
</feed>"""

BOMB = ('<?xml version="1.0" encoding="{enc}"?>\n<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>\n'
        '<rss version="2.0"><channel><title>&c;</title><item><title>&c;</title><link>https://x.example/</link></item>'
        "</channel></rss>")

CLEAN_UTF16 = rss('<item><title>Größere Reichweite für Beiträge</title><link>https://x.example/u16</link></item>',
                  declaration='<?xml version="1.0" encoding="UTF-16"?>')

UNDECLARED = {   # no charset header, no encoding in the declaration, bytes that are not UTF-8
    "cp1252": ("Größere Reichweite für Beiträge über Übermorgen – „jetzt“", ""),
    "koi8-r": ("Новости: изменения алгоритма ленты во ВКонтакте", ""),
    "shift_jis": ("インスタグラムで新しい機能が公開されました", ""),
    "iso-8859-1": ("Très complexe : l'enfant doué à l'école", ""),
    "iso-8859-2": ("Zażółć gęślą jaźń: nowe funkcje na Facebooku", "<language>pl</language>"),
}

TITLES_RSS = rss("""
<item><title>History of the &lt;blink&gt; tag</title><link>https://x.example/blink</link></item>
<item><title>AT&amp;T &lt; Verizon? Warum 3 &gt; 2 ist</title><link>https://x.example/att</link></item>
<item><title>&lt;b&gt;Fett&lt;/b&gt; und &amp;quot;zitiert&amp;quot;</title><link>https://x.example/bold</link></item>
<item><title>&lt;script&gt;alert("t")&lt;/script&gt;Neue Funktion &lt;img src=x onerror=alert(1)&gt;</title><link>https://x.example/xss</link></item>
""")

TITLES_ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:t</id><updated>2024-05-01T10:00:00Z</updated>
<entry><title type="text">History of the &lt;blink&gt; tag</title><id>urn:t:1</id><updated>2024-05-01T10:00:00Z</updated>
  <link href="https://x.example/a1"/><summary type="text">Use &lt;blink&gt; never.</summary></entry>
<entry><title type="html">&lt;b&gt;Bold&lt;/b&gt; move</title><id>urn:t:2</id><updated>2024-05-01T10:00:00Z</updated>
  <link href="https://x.example/a2"/></entry>
<entry><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">An <em>XHTML</em> title</div></title><id>urn:t:3</id>
  <updated>2024-05-01T10:00:00Z</updated><link href="https://x.example/a3"/></entry>
</feed>"""


def six_items() -> str:
    return "\n".join(f"<item><title>Meldung {n}</title><link>https://x.example/{n}</link></item>" for n in range(6))


UNESCAPED_AMP = rss(six_items(), channel="\n<description>Tom & Jerry</description>")
TRUNCATED = rss(six_items()).split("<title>Meldung 5")[0] + "<title>Meld"     # cut inside the last item
SOFT_HYPHENS = rss("<item><title>Weniger Reich\u00adweite f\u00fcr Link\u00adposts</title><link>https://x.example/s</link>"
                   "<description>&lt;p&gt;Die Daten&amp;shy;schutz&amp;shy;grund&amp;shy;verordnung gilt; "
                   "Reich&#173;weite sinkt.&lt;/p&gt;</description></item>")
WRONG_DECLARATION = rss("<item><title>Größere Reichweite für Beiträge</title><link>https://x.example/w</link></item>")


@pytest.fixture(scope="module")
def fetched():
    with FeedServer() as web:
        web.add("/podcast.xml", PODCAST)
        web.add("/old/feed.xml", "", status=301, headers={"Location": web.url("/news/feed/rss.xml")}, conditional=False)
        web.add("/news/feed/rss.xml", RELATIVE)
        web.add("/atom/index.xml", ATOM_RELATIVE, content_type="application/atom+xml")
        web.add("/unsafe.json", UNSAFE_JSON, content_type="application/feed+json")
        web.add("/wrong-types.json", WRONG_TYPES_JSON, content_type="application/feed+json")
        web.add("/unsafe.xml", UNSAFE_RSS)
        web.add("/unsafe.atom", UNSAFE_ATOM, content_type="application/atom+xml")
        for name, encoding, bom in (("utf16le", "utf-16-le", codecs.BOM_UTF16_LE), ("utf16be", "utf-16-be", b""),
                                    ("utf32", "utf-32-le", codecs.BOM_UTF32_LE), ("utf8bom", "utf-8", codecs.BOM_UTF8)):
            declared = {"utf-16-le": "UTF-16", "utf-16-be": "UTF-16", "utf-32-le": "UTF-32"}.get(encoding, "UTF-8")
            web.add(f"/bomb-{name}.xml", bom + BOMB.format(enc=declared).encode(encoding), content_type=RSS)
        web.add("/clean-utf16.xml", codecs.BOM_UTF16_LE + CLEAN_UTF16.encode("utf-16-le"), content_type=RSS)
        for encoding, (title, channel) in UNDECLARED.items():
            body = rss(f"<item><title>{title}</title><link>https://x.example/{encoding}</link></item>",
                       declaration='<?xml version="1.0"?>', channel=channel).encode(encoding)
            web.add(f"/undeclared-{encoding}.xml", body, content_type=RSS)
        web.add("/titles.xml", TITLES_RSS)
        web.add("/titles.atom", TITLES_ATOM, content_type="application/atom+xml")
        web.add("/amp.xml", UNESCAPED_AMP)
        web.add("/truncated.xml", TRUNCATED)
        web.add("/soft-hyphens.xml", SOFT_HYPHENS)
        web.add("/long.xml", rss("\n".join(f"<item><title>Eintrag {n}</title><link>https://x.example/l{n}</link>"
                                            "</item>" for n in range(1500))))
        web.add("/wrong-declaration.xml", WRONG_DECLARATION.encode("cp1252"), content_type=RSS)
        paths = [p for p in web.routes if p != "/news/feed/rss.xml"]
        results = crawl([spec(p.strip("/"), web.url(p)) for p in paths], FAST)
        base = web.base
    return {r.source: r for r in results}, base


def items_of(fetched, name):
    results, _ = fetched
    result = results[name]
    assert result.outcome.ok, result.outcome.error
    return result.items


# ----------------------------------------------------------------------------- 1. identity

def test_items_without_guid_and_link_are_kept_apart(fetched, sqlite_store):
    items = items_of(fetched, "podcast.xml")
    assert [i.title for i in items] == ["Vorhersage Mittwoch, 04.09.2012", "Vorhersage Donnerstag, 05.09.2012",
                                        "Wetter", "Wetter", "Folge 12"]
    assert len({i.fingerprint for i in items}) == 5          # same words, another day: another item
    _, base = fetched
    assert not any(i.url.startswith(base + "/podcast") or i.canonical_url.endswith("/podcast.xml") for i in items)
    assert items[-1].url == base + "/audio/folge-12.mp3"   # an episode without a page: its enclosure
    sqlite_store.sync_sources([])
    from monitor.config import Source
    sqlite_store.sync_sources([Source(name="podcast.xml", url=base + "/podcast.xml", category="industry")])
    assert len(sqlite_store.add_items(sqlite_store.unseen(items))) == 5
    assert sqlite_store.unseen(items) == []                  # and the next run adds nothing


# ----------------------------------------------------------------------------- 2. relative links

def test_relative_links_resolve_against_the_address_after_redirects_and_xml_base(fetched):
    _, base = fetched
    items = {i.title: i for i in items_of(fetched, "old/feed.xml")}
    assert {t: i.url for t, i in items.items()} == {
        "Neben dem Feed": base + "/news/feed/item-1.html",
        "Ab der Wurzel": base + "/abs/path?x=1",
        "Eine Ebene hoch": base + "/news/up.html",
        "Mit xml:base": "https://cdn.example.org/base/x.html",
    }
    assert f'href="{base}/news/feed/more.html"' in items["Neben dem Feed"].content_html


def test_relative_xml_base_in_atom_stacks_on_the_document_address(fetched):
    _, base = fetched
    [entry] = items_of(fetched, "atom/index.xml")
    assert entry.url == base + "/atom/sub/entries/e1.html"
    assert f'href="{base}/atom/sub/pics/"' in entry.content_html


# ----------------------------------------------------------------------------- 3. only web links

def test_only_http_links_leave_the_parser(fetched):
    _, base = fetched
    urls = {i.title: i.url for name in ("unsafe.json", "unsafe.xml", "unsafe.atom") for i in items_of(fetched, name)}
    assert urls == {"Mit Ersatzlink": "https://ok.example/1", "Nur data:": "", "Versteckt": "", "VBScript": "",
                    "Relativ": base + "/posts/5", "Sauber": "https://fine.example/6", "RSS mit javascript": "",
                    "RSS mit data": "", "Atom mit zwei Links": "https://ok.example/8"}
    clean = next(i for i in items_of(fetched, "unsafe.json") if i.title == "Sauber").content_html
    assert "javascript" not in clean and f'href="{base}/rel"' in clean


def test_json_feed_fields_of_the_wrong_type_count_as_missing_not_as_python_text(fetched):
    items = items_of(fetched, "wrong-types.json")
    assert [(i.title, i.url, i.summary, i.guid) for i in items] == [
        ("https://ok.example/list", "https://ok.example/list", "", None),    # the link that is a string
        ("42", "https://ok.example/number", "", "7"),                         # numbers as written
        ("Nur eine Zusammenfassung.", "", "Nur eine Zusammenfassung.", "3"),
    ]
    assert not any("[" in i.title or "{" in i.summary or "True" in i.title for i in items)


# ----------------------------------------------------------------------------- 4. entities in any encoding

@pytest.mark.parametrize("name", ["bomb-utf16le.xml", "bomb-utf16be.xml", "bomb-utf32.xml", "bomb-utf8bom.xml"])
def test_entity_declarations_are_refused_in_every_encoding(fetched, name):
    outcome = fetched[0][name].outcome
    assert not outcome.ok and "entities" in outcome.error
    assert "Entity" in words(Translator("de"), outcome.error, outcome.status)


def test_a_harmless_utf16_feed_reads_right(fetched):
    assert [i.title for i in items_of(fetched, "clean-utf16.xml")] == ["Größere Reichweite für Beiträge"]


# ----------------------------------------------------------------------------- 5. undeclared encodings

@pytest.mark.parametrize("encoding", list(UNDECLARED))
def test_feeds_that_declare_no_encoding_are_read_right(fetched, encoding):
    [item] = items_of(fetched, f"undeclared-{encoding}.xml")
    assert item.title == UNDECLARED[encoding][0]
    assert fetched[0][f"undeclared-{encoding}.xml"].outcome.warning is None     # nothing was wrong


# ----------------------------------------------------------------------------- 6. text titles

def test_plain_text_titles_stay_text_and_html_titles_lose_their_tags(fetched):
    rss_titles = [i.title for i in items_of(fetched, "titles.xml")]
    assert rss_titles == ["History of the <blink> tag", "AT&T < Verizon? Warum 3 > 2 ist", 'Fett und "zitiert"',
                          "Neue Funktion"]
    atom = items_of(fetched, "titles.atom")
    assert [i.title for i in atom] == ["History of the <blink> tag", "Bold move", "An XHTML title"]
    assert atom[0].summary == "Use <blink> never." and "&lt;blink&gt;" in atom[0].content_html


def test_soft_hyphens_inside_words_are_dropped_so_search_and_tags_see_the_word(fetched, sqlite_store):
    """German sites hyphenate long words with invisible soft hyphens ("Reich&shy;weite"); kept, they
    would split the word for the search index, the story matcher and the tagger."""
    [item] = items_of(fetched, "soft-hyphens.xml")
    assert item.title == "Weniger Reichweite für Linkposts"
    assert item.summary == "Die Datenschutzgrundverordnung gilt; Reichweite sinkt."
    from monitor.config import Source
    from monitor.store import ItemQuery
    _, base = fetched
    sqlite_store.sync_sources([Source(name="soft-hyphens.xml", url=base + "/soft-hyphens.xml", category="industry")])
    sqlite_store.add_items(sqlite_store.unseen([item]))
    assert [it.title for it in sqlite_store.query_items(ItemQuery(q="Datenschutzgrundverordnung"))] == [item.title]


# ----------------------------------------------------------------------------- 7. repaired feeds

@pytest.mark.parametrize("name, count, english, german", [
    ("amp.xml", 6, "the feed is damaged at line 3; 6 items read", "Der Feed ist in Zeile 3 beschädigt; 6 Meldungen"),
    ("truncated.xml", 5, "the feed is damaged at line 8; 5 items read", "Der Feed ist in Zeile 8 beschädigt; 5 Meldungen"),
    ("wrong-declaration.xml", 1, "the feed declares utf-8 but is written in cp1252; read as cp1252",
     "gibt die Zeichenkodierung utf-8 an, ist aber in cp1252 geschrieben"),
    ("long.xml", 1000, "the feed lists 1500 entries; the first 1000 were read",
     "Der Feed führt 1500 Einträge; die ersten 1000 wurden gelesen"),
])
def test_feeds_read_by_repairing_them_stay_ok_and_say_so(fetched, sqlite_store, name, count, english, german):
    result = fetched[0][name]
    assert result.outcome.ok and len(result.items) == count
    assert result.outcome.warning == english
    from monitor.config import Source
    sqlite_store.sync_sources([Source(name=name, url="https://x.example/feed", category="industry")])
    sqlite_store.record_fetch(name, result.outcome, timedelta(minutes=30))
    [row] = sqlite_store.list_sources()
    assert row["status"] == "ok" and row["last_error"] == english
    assert german in words(Translator("de"), row["last_error"])
    if name == "wrong-declaration.xml":
        assert result.items[0].title == "Größere Reichweite für Beiträge"


def test_an_unchanged_repaired_feed_keeps_its_note_and_a_fixed_one_loses_it(sqlite_store):
    from monitor.config import Source
    from monitor.watch.contract import FetchOutcome
    sqlite_store.sync_sources([Source(name="f", url="https://x.example/feed", category="industry")])
    note = "the feed is damaged at line 3; 6 items read"
    sqlite_store.record_fetch("f", FetchOutcome(ok=True, status=200, warning=note), timedelta(minutes=30))
    sqlite_store.record_fetch("f", FetchOutcome(ok=True, status=304, not_modified=True), timedelta(minutes=30))
    assert sqlite_store.list_sources()[0]["last_error"] == note
    sqlite_store.record_fetch("f", FetchOutcome(ok=True, status=200), timedelta(minutes=30))
    assert sqlite_store.list_sources()[0]["last_error"] is None


def test_a_declared_charset_that_the_bytes_contradict_is_overruled():
    body = rss("<item><title>Größere Reichweite</title><link>https://x.example/1</link></item>").encode("utf-8")
    feed = read_feed(body, spec("s", "https://x.example/feed"), {"content-type": "text/xml; charset=ISO-8859-1"})
    assert feed.items[0].title == "Größere Reichweite"
    assert feed.warning is None          # the XML declaration said UTF-8, and it was right


@pytest.mark.parametrize("doctype", [
    '<!DOCTYPE rss SYSTEM "a>b" [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>',   # a ">" hides nothing
    '<!DOCTYPE rss [\n<!-- comment -->\n<!ENTITY a "x">]>',
])
def test_entity_declarations_are_found_however_the_doctype_is_written(doctype):
    body = f'<?xml version="1.0"?>\n{doctype}\n<rss version="2.0"><channel><title>&a;</title></channel></rss>'
    for encoding in ("utf-8", "utf-16", "utf-32"):
        with pytest.raises(SourceError, match="entities"):
            read_feed(body.encode(encoding), spec("s", "https://x.example/feed"))
