"""One table from failure to plain words (monitor/watch/errors.py, monitor/locale/errors.yaml).

Every class of failure is produced for real (a local server that answers badly, a closed
port, a name that cannot resolve) and must come out as its kind, with German and English
words that carry no library jargon. When (nearly) every source fails for want of a
network, the run summary, `/sources` and the digest say so once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.config import FetchSettings
from monitor.i18n import Translator
from monitor.pipeline import RunReport
from monitor.watch.errors import (
    BY_KEY,
    KINDS,
    STATUS_KEYS,
    Problem,
    describe,
    explain,
    health_words,
    outage,
    words,
)
from spiders.base import SourceSpec
from spiders.crawl import crawl
from tests.hostile import HostileServer
from tests.servers import FeedServer

DE, EN = Translator("de"), Translator("en")
JARGON = ("<unknown>", "junk after", "not well-formed", "SAX", "Error:", "Exception", "Twisted", "Scrapy",
          "bozo", "errno", "[Failure", "HTTPStatus")
SAMPLES = {"http": {"status": 503}, "redirect_scheme": {"target": "ftp://example.org/feed"},
           "moved_page": {"target": "https://example.org/new.xml"}, "damaged": {"line": 3},
           "damaged_partly": {"line": 3, "items": 6}, "wrong_encoding": {"declared": "UTF-8", "actual": "cp1252"},
           "crash": {"detail": "TypeError: boom"}, "long_list": {"listed": 1500, "kept": 1000},
           "select_missed": {"select": "'main .terms'"}, "long_page": {"limit": "500,000"}}
MOVED_PAGE = ('<head><title>Document Moved</title></head>\n<body><h1>Object Moved</h1>This document may be found '
              '<a HREF="{target}">here</a></body>')
BROKEN_EARLY = '<?xml version="1.0"?>\n<rss version="2.0">\n<channel>\n<title>Broken</titel>\n'
BOMB = ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        '<rss version="2.0"><channel><title>&b;</title></channel></rss>')


def spec(name: str, url: str) -> SourceSpec:
    return SourceSpec(name=name, url=url, kind="feed", category="industry")


def all_keys() -> set[str]:
    return ({k.key for k in KINDS} - {"http"}) | set(STATUS_KEYS.values()) | {"server", "http", "other"}


# --------------------------------------------------------------------------- every class, for real

@pytest.fixture(scope="module")
def failures():
    """One crawl over a source for every class of failure; the stored sentence of each."""
    with FeedServer() as web, HostileServer() as hostile:
        routes = {
            "gone": ("/gone.xml", 404), "removed": ("/removed.xml", 410), "login": ("/login.xml", 401),
            "forbidden": ("/forbidden.xml", 403), "server": ("/server.xml", 502), "http": ("/teapot.xml", 418),
        }
        for path, status in routes.values():
            web.add(path, "nope", status=status, content_type="text/plain", conditional=False)
        web.add("/limited.xml", "slow down", status=429, headers={"Retry-After": "3600"}, conditional=False)
        web.add("/big.xml", "<rss>" + "x" * 300_000 + "</rss>")
        web.add("/text.txt", "Hallo, das ist kein Feed.", content_type="text/plain")
        web.add("/sitemap.xml", '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                                "<url><loc>https://example.org/</loc></url></urlset>")
        web.add("/page.html", "<!doctype html><html><head><title>Blog</title></head><body>Hi</body></html>",
                content_type="text/html")
        web.add("/moved.xml", MOVED_PAGE.format(target=web.url("/new-feed.xml")), content_type="text/html")
        web.add("/damaged.xml", BROKEN_EARLY)
        web.add("/bomb.xml", BOMB)
        web.add("/to-ftp.xml", "", status=302, headers={"Location": "ftp://127.0.0.1/feed.xml"}, conditional=False)
        web.add("/to-js.xml", "", status=301, headers={"Location": "javascript:alert(1)"}, conditional=False)
        sources = {key: web.url(path) for key, (path, _) in routes.items()} | {
            "rate_limited": web.url("/limited.xml"), "too_big": web.url("/big.xml"),
            "too_big/unannounced": hostile.url("/endless"),
            "not_feed": web.url("/text.txt"), "not_feed/sitemap": web.url("/sitemap.xml"),
            "html_page": web.url("/page.html"), "moved_page": web.url("/moved.xml"),
            "damaged": web.url("/damaged.xml"), "entities": web.url("/bomb.xml"),
            "redirect_scheme": web.url("/to-ftp.xml"), "redirect_scheme/javascript": web.url("/to-js.xml"),
            "redirect_loop": hostile.url("/loop/a"), "reset": hostile.url("/reset"), "timeout": hostile.url("/drip"),
            "empty": hostile.url("/empty"), "dns": "http://lagebild-test.invalid/feed.xml",
            "refused": "http://127.0.0.1:9/feed.xml", "tls": web.base.replace("http://", "https://") + "/tls.xml",
        }
        results = crawl([spec(name, url) for name, url in sources.items()],
                        FetchSettings(timeout=timedelta(seconds=3), retries=0, max_bytes=200_000))
    return {r.source: r.outcome for r in results}


@pytest.mark.parametrize("source", [
    "dns", "refused", "reset", "timeout", "tls", "gone", "removed", "login", "forbidden", "server", "http",
    "rate_limited", "too_big", "too_big/unannounced", "not_feed", "not_feed/sitemap", "html_page", "moved_page", "damaged", "entities",
    "redirect_loop", "redirect_scheme", "redirect_scheme/javascript", "empty",
])
def test_every_failure_class_comes_out_as_its_kind_in_plain_words(failures, source):
    outcome = failures[source]
    assert not outcome.ok, outcome
    problem = explain(outcome.error, outcome.status)
    assert problem.key == source.split("/")[0], (source, outcome.error)
    for t in (DE, EN):
        said = words(t, outcome.error, outcome.status)
        assert not said.startswith("errors."), said
        assert not any(j.lower() in said.lower() for j in JARGON), said


def test_the_words_carry_what_a_person_needs(failures):
    assert "(HTTP 502)" in words(DE, failures["server"].error, failures["server"].status)
    assert "/new-feed.xml" in words(EN, failures["moved_page"].error)
    assert "Zeile 4" in words(DE, failures["damaged"].error)
    assert "ftp://127.0.0.1/feed.xml" in words(DE, failures["redirect_scheme"].error)
    assert "Tippfehler" in words(DE, failures["dns"].error)
    assert "nimmt keine Verbindung" not in words(DE, failures["entities"].error)   # the site did answer


def test_every_kind_has_german_and_english_words():
    for key in all_keys():
        for form in ([f"errors.{key}.one", f"errors.{key}.other"] if key == "damaged_partly" else [f"errors.{key}"]):
            assert DE(form) != form and EN(form) != form, form
            assert DE(form) != EN(form), form
    for key in ("outage.all", "outage.most", "outage.row"):
        assert DE(f"errors.{key}") != EN(f"errors.{key}")


@pytest.mark.parametrize("key", [k.key for k in KINDS])
def test_every_stored_sentence_reads_back_as_its_kind(key):
    sentence = describe(key, **SAMPLES.get(key, {}))
    problem = explain(sentence)
    expected = "server" if key == "http" else key
    assert problem.key == expected, (key, sentence)
    if key == "damaged_partly":
        assert problem.details == {"line": "3", "items": "6"} and sentence.endswith("6 items read")
    assert BY_KEY[key].sentence


@pytest.mark.parametrize("text, status, key", [
    ("not a readable feed (<unknown>:3:0: junk after document element)", 200, "damaged"),
    ("HTTP 503 Service Unavailable", None, "server"),
    ("HTTP 504 Gateway Timeout: the server's gateway timed out", None, "server"),
    ("HTTP 404 Not Found: the address no longer exists; check the URL", None, "gone"),
    ("the feed declares XML entities; refused (entity-expansion attacks)", 200, "entities"),
    ("the host name could not be resolved (DNS); check the URL", None, "dns"),
    ("DownloadConnectionRefusedError: Connection was refused by other side: 111: Connection refused.", None, "refused"),
    ("the address returns a web page (HTML), not a feed; look for the page's RSS link", 200, "html_page"),
    ("too many redirects (a loop or a chain longer than 5): max redirections reached", None, "redirect_loop"),
    ("something nobody foresaw", 500, "server"),
    ("something nobody foresaw", None, "other"),
])
def test_texts_stored_before_the_table_are_understood(text, status, key):
    assert explain(text, status).key == key


# --------------------------------------------------------------------------- no network at all

def test_a_run_without_network_prints_one_line_not_one_per_source():
    report = RunReport(fetched=66, failed={f"Quelle {n}": describe("dns") for n in range(66)})
    lines = report.lines()
    assert sum("No source reachable: check the network or proxy." in line for line in lines) == 1
    assert not any("failing:" in line for line in lines)


def test_nearly_all_unreachable_is_one_line_and_other_failures_stay_listed():
    failed = {f"Quelle {n}": describe("timeout" if n % 2 else "refused") for n in range(64)}
    failed["Kaputt"] = describe("http", status=404)
    lines = RunReport(fetched=66, failed=failed).lines()
    assert sum("64 of 66 sources not reachable" in line for line in lines) == 1
    assert [line for line in lines if "failing:" in line] == ["  failing: Kaputt: HTTP 404 Not Found"]


def test_a_single_unreachable_source_keeps_its_own_words():
    lines = RunReport(fetched=5, failed={"Tippfehler": describe("dns")}).lines()
    assert "  failing: Tippfehler: the host name could not be resolved (DNS)" in lines
    assert outage([Problem("dns")], 5) == 0


def test_sources_and_digest_say_it_once_in_their_language():
    rows = [{"name": f"Quelle {n}", "status": "failing", "last_error": describe("dns"), "last_status": None}
            for n in range(66)]
    rows.append({"name": "Neu", "status": "new", "last_error": None})
    said = health_words(rows, DE)
    assert said.outage == "Keine Quelle erreichbar: Netzwerk oder Proxy prüfen."
    assert said.problems == {} and len(said.unreachable) == 66
    damaged = {"name": "Repariert", "status": "ok", "last_error": describe("damaged_partly", line=3, items=6)}
    assert health_words([damaged], DE).notes == {
        "Repariert": "Der Feed ist in Zeile 3 beschädigt; 6 Meldungen gelesen, weitere fehlen womöglich."}
    assert health_words([damaged], EN).notes["Repariert"].startswith("The feed is damaged at line 3; 6 items read")


def test_sources_page_and_digest_show_the_outage_once_and_a_repair_note(tmp_path):
    from monitor.config import Config
    from monitor.store import Store
    from monitor.tell.digest import render_html, render_text
    from monitor.tell.digest_content import build_digest
    from monitor.watch.contract import FetchOutcome
    from monitor.web import create_app
    from tests.servers import running

    names = [f"Quelle {n}" for n in range(12)]
    config = Config.model_validate({"settings": {"language": "de", "digest": {"notify": []}}, "sources": [
        {"name": name, "url": f"https://q{n}.example/feed", "category": "industry"} for n, name in enumerate(names)]
        + [{"name": "Repariert", "url": "https://r.example/feed", "category": "industry"}]})
    store = Store.open(f"sqlite:///{tmp_path / 'outage.db'}")
    store.sync_sources(config.sources)
    store.record_fetches([(name, FetchOutcome(ok=False, error=describe("dns"))) for name in names]
                         + [("Repariert", FetchOutcome(ok=True, status=200,
                                                       warning=describe("damaged_partly", line=3, items=6)))],
                         timedelta(minutes=30))
    with running(create_app(config, store, home=tmp_path / "home", tagger_loader=None)) as client:
        page = client.get("/sources").text
    assert page.count("12 von 13 Quellen nicht erreichbar: Netzwerk oder Proxy prüfen.") == 1   # nearly all
    assert "Tippfehler" not in page and page.count("Nicht erreichbar – siehe Hinweis oben.") == 12
    assert "Der Feed ist in Zeile 3 beschädigt; 6 Meldungen gelesen" in page
    digest = build_digest(store, config, [], now=datetime.now(UTC), base_url=None, t=DE)
    text, html = render_text(digest, DE), render_html(digest, DE)
    for out in (text, html):
        assert out.count("12 von 13 Quellen nicht erreichbar") == 1 and "Tippfehler" not in out
        assert "Quelle 0" in out and "DNS" not in out
    store.close()
