"""The web archive, served by a real uvicorn server on 127.0.0.1 over a real SQLite store.

Read as a specification: what a social media manager sees on each page, what machines
get from the API, feed and exports, and what the archive refuses (forged forms,
strangers, script in feed content).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import stat
import types
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import feedparser
import numpy as np
import pytest
from argon2 import PasswordHasher
from bs4 import BeautifulSoup
from lxml import etree
from starlette.datastructures import QueryParams

from monitor.config import Config, Settings, Source, User, WebSettings
from monitor.item import Item
from monitor.store import ItemQuery, NewDelivery, Store, item_json
from monitor.store.sources import FetchOutcome
from monitor.watch.text import clean_title, html_to_text, sanitize_html
from monitor.watch.urls import canonical_url
from monitor.web import create_app
from monitor.web.auth import LoginThrottle
from monitor.web.filters import parse_filters
from tests.servers import running

NOW = datetime.now(UTC).replace(microsecond=0)
FIXED_DAY = datetime(2025, 3, 14, 10, 0, tzinfo=UTC)
SOURCES = [
    Source(name="Instagram Newsroom", url="https://about.instagram.com/feed", category="platform", language="en"),
    Source(name="t3n Social Media", url="https://t3n.de/feed", category="industry", language="de"),
    Source(name="LinkedIn Blog", url="https://linkedin.example/feed", category="platform", language="en"),
    Source(name="Datenschutz-Blog", url="https://datenschutz.example/feed", category="legal", language="de"),
]
XSS_TITLE = '<script>alert(1)</script>Evil <img src=x onerror=alert(2)> title'
XSS_SUMMARY = '<script>alert(3)</script>Summary <img src=x onerror="alert(4)"> &lt;script&gt;alert(5)&lt;/script&gt;'
XSS_CONTENT = ('<p onclick="alert(6)">Body</p><script>alert(7)</script><img src=x onerror=alert(8)>'
               '<a href="javascript:alert(9)">link</a><iframe srcdoc="<script>alert(10)</script>"></iframe>')


def _item(source, title, url, *, hours, tags=(), scores=None, platforms=(), lang="de", summary="", content=""):
    return Item(source=source, title=title, url=url, canonical_url=canonical_url(url), summary=summary,
                content_html=content, published=NOW - timedelta(hours=hours), lang=lang, tags=list(tags),
                scores=dict(scores or {}), platforms=list(platforms))


@pytest.fixture
def store(sqlite_store):
    """The archive's data on SQLite."""
    return filled(sqlite_store)


@pytest.fixture(params=["sqlite_store", "postgres_store"], ids=["sqlite", "postgresql"])
def any_store(request):
    """The archive's data on SQLite, and on PostgreSQL when the local server is there (else skipped)."""
    return filled(request.getfixturevalue(request.param))


def filled(st: Store) -> Store:
    """Four sources (one failing), 66 reports in 65 stories, one alert waiting; `st.ids` names the main items."""
    st.sync_sources(SOURCES)
    for name in ("Instagram Newsroom", "t3n Social Media", "LinkedIn Blog"):
        st.record_fetch(name, FetchOutcome(ok=True, status=200), timedelta(minutes=30))
    st.record_fetch("Datenschutz-Blog", FetchOutcome(ok=False, status=404, error="HTTP 404"), timedelta(minutes=30))
    reels = _item("Instagram Newsroom", "Instagram testet neue Reels-Funktion", "https://about.instagram.com/reels?utm_source=x",
                  hours=2, tags=["feature_rollout"], platforms=["instagram"],
                  scores={"feature_rollout": 0.91, "legal_change": 0.04, "algorithm_reach_change": 0.22},
                  summary="Creator können Entwürfe planen.", content=sanitize_html("<p>Instagram <b>testet</b> Reels.</p>"))
    reach = _item("t3n Social Media", "Reichweitenverlust bei LinkedIn", "https://t3n.de/linkedin-reichweite", hours=20,
                  tags=["algorithm_reach_change"], platforms=["linkedin"], scores={"algorithm_reach_change": 0.88},
                  summary="Unternehmensseiten verlieren Reichweite.")
    reach_too = _item("LinkedIn Blog", "Reichweitenverlust bei LinkedIn", "https://linkedin.example/feed-update", hours=22,
                      tags=["algorithm_reach_change"], platforms=["linkedin"], lang="en")
    ruling = _item("Datenschutz-Blog", "Urteil: Müller GmbH muss Impressum nachbessern", "https://datenschutz.example/mueller",
                   hours=60, tags=["legal_change"], platforms=["instagram"], scores={"legal_change": 0.95})
    evil = _item("Datenschutz-Blog", clean_title(XSS_TITLE), "https://datenschutz.example/evil", hours=100, lang="en",
                 summary=html_to_text(XSS_SUMMARY), content=sanitize_html(XSS_CONTENT))
    old = _item("t3n Social Media", "=HYPERLINK(\"http://x\") Rückblick", "https://t3n.de/old", hours=24 * 400, lang="de")
    old.published = FIXED_DAY
    fillers = [_item("t3n Social Media", f"TikTok Meldung {n}", f"https://t3n.de/tiktok/{n}", hours=200 + n,
                     platforms=["tiktok"], tags=["feature_rollout"] if n % 2 else []) for n in range(60)]
    items = [reels, reach, reach_too, ruling, evil, old, *fillers]
    st.add_items(items, [NewDelivery(index=3, target="team-chat", reason="legal_change")])
    st.mark_alerts_failed([1], "connection refused")
    st.ids = {"reels": reels.id, "reach": reach.id, "reach_too": reach_too.id, "ruling": ruling.id, "evil": evil.id,
              "old": old.id}
    return st


class FakeTagger:
    def explain(self, doc, top=6):
        return {"feature_rollout": [("testet", 1.4), ("reels", 0.7), ("tipps", -0.2)]}

    def thresholds_for(self, lang, platforms=None):
        return {"feature_rollout": 0.3, "legal_change": 0.3, "algorithm_reach_change": 0.3}

    def on_topic(self, docs):
        return np.ones(len(docs))


def make_config(language="de", users=(), rss_token=None):
    web = WebSettings(users=list(users), rss_token=rss_token)
    return Config(settings=Settings(language=language, web=web), sources=SOURCES)


@pytest.fixture
def web(store, tmp_path):
    app = create_app(make_config(), store, home=tmp_path / "home", tagger_loader=FakeTagger)
    with running(app) as client:
        yield client


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def titles(html: str) -> list[str]:
    return [h.get_text(strip=True) for h in BeautifulSoup(html, "html.parser").select("h2.item-title")]


def hrefs(html: str, selector: str = "a") -> list[str]:
    return [a["href"] for a in BeautifulSoup(html, "html.parser").select(selector)]


# ---------------------------------------------------------------------- the archive

def test_archive_lists_newest_first_with_badges_summary_and_cluster(web, store):
    html = web.get("/").text
    assert titles(html)[:3] == ["Instagram testet neue Reels-Funktion", "Reichweitenverlust bei LinkedIn",
                                "Urteil: Müller GmbH muss Impressum nachbessern"]
    assert "65 Meldungen aus 66 Berichten" in html and "zeige 1–50" in html
    assert "Neue Funktion" in html and "Instagram" in html and "Creator können Entwürfe planen." in html
    assert f'/items/{store.ids["reels"]}' in hrefs(html)
    assert "https://about.instagram.com/reels?utm_source=x" in hrefs(html, "h2.item-title a")
    # The two LinkedIn reports are one story: one row, the other report folded under it.
    story = BeautifulSoup(html, "html.parser").select_one("details.story")
    assert story.summary.get_text(strip=True) == "auch berichtet von 1 weiteren Quelle"
    assert "https://linkedin.example/feed-update" in hrefs(str(story)) and f"/items/{store.ids['reach_too']}" in hrefs(str(story))
    assert "LinkedIn Blog" in story.get_text()


def test_the_filter_form_lands_on_a_clean_shareable_url(web):
    sent = web.get("/?q=Reels&tag=feature_rollout&source=&lang=&since=&from=&until=&order=newest")
    assert sent.status_code == 303 and sent.headers["location"] == "/?q=Reels&tag=feature_rollout"
    assert web.get("/?q=Reels&tag=feature_rollout").status_code == 200


def test_filters_combine_and_every_link_keeps_them(web, store):
    html = web.get("/?tag=algorithm_reach_change&platform=linkedin&lang=de").text
    assert titles(html) == ["Reichweitenverlust bei LinkedIn"]
    chips = hrefs(html, "a.chip")
    assert "/?tag=algorithm_reach_change&platform=linkedin" in chips      # removing the language keeps the rest
    assert "/?platform=linkedin&lang=de" in chips
    source_link = BeautifulSoup(html, "html.parser").select_one("p.meta a.source")["href"]
    assert parse_qs(urlsplit(source_link).query) == {"tag": ["algorithm_reach_change"], "platform": ["linkedin"],
                                                     "source": ["t3n Social Media"], "lang": ["de"]}
    page = web.get("/?platform=tiktok&since=30d").text
    assert "60 Meldungen" in page and len(titles(page)) == 50
    assert "/?platform=tiktok&since=30d&page=2" in hrefs(page, "nav.pagination a")
    second = web.get("/?platform=tiktok&since=30d&page=2").text
    assert len(titles(second)) == 10 and "zeige 51–60" in second
    assert "/?source=Datenschutz-Blog&category=legal" in web.get("/?source=Datenschutz-Blog&category=legal").text.replace("&amp;", "&")


def test_date_filters_and_unreadable_values(web):
    assert "Rückblick" not in web.get("/?since=7d").text
    assert titles(web.get("/?since=2025-03-14&until=2025-03-14").text) == ['=HYPERLINK("http://x") Rückblick']
    german = web.get("/?from=14.03.2025&until=14.03.2025&lang=&source=", follow_redirects=True)
    assert german.url.query.decode() == "since=14.03.2025&until=14.03.2025"
    assert titles(german.text) == ['=HYPERLINK("http://x") Rückblick']
    bad = web.get("/?since=soon")
    assert bad.status_code == 200 and "nicht lesbar" in bad.text and "65 Meldungen" in bad.text


def test_search_finds_compounds_and_umlaut_spellings(web):
    found = web.get("/?q=Reichweite").text
    assert titles(found) == ["Reichweitenverlust bei LinkedIn"] and "1 Meldung aus 2 Berichten" in found
    for query in ("Mueller", "müller", "MÜLLER"):
        assert titles(web.get("/", params={"q": query}).text) == ["Urteil: Müller GmbH muss Impressum nachbessern"]
    assert titles(web.get("/?q=Reichweite&order=relevance&source=LinkedIn+Blog").text) == ["Reichweitenverlust bei LinkedIn"]


def test_german_search_through_the_page_folds_ss_and_finds_parts_of_compounds(web, store):
    store.add_items([_item("Datenschutz-Blog", "Neue Regeln für die Straßenwerbung", "https://datenschutz.example/strasse",
                           hours=5, platforms=["instagram"])])
    for query in ("Strasse", "straße", "STRASSENWERBUNG"):
        assert titles(web.get("/", params={"q": query}).text) == ["Neue Regeln für die Straßenwerbung"], query
    for path in ("/?q=verlust", "/?q=verlust&order=relevance"):
        assert titles(web.get(path).text) == ["Reichweitenverlust bei LinkedIn"], path


def _story(store, title, placements):
    """Reports of one story (same title, so one cluster): (source, hours ago) each."""
    items = [_item(src, title, f"https://story.example/{abs(hash(title))}/{n}", hours=hours, platforms=["threads"])
             for n, (src, hours) in enumerate(placements)]
    store.add_items(items)
    assert len({it.cluster for it in items}) == 1
    return items


@pytest.mark.parametrize("query", [
    ItemQuery(), ItemQuery(platforms=["threads"]), ItemQuery(q="Reichweite", order="relevance"),
    ItemQuery(sources=["LinkedIn Blog"]), ItemQuery(since=NOW - timedelta(hours=250), lang="de"),
    ItemQuery(tags=["feature_rollout"]), ItemQuery(q="Threads", order="relevance"),
])
def test_a_story_is_its_first_matching_report_in_the_page_order(any_store, query):
    store = any_store
    _story(store, "Threads öffnet die API für alle", [("LinkedIn Blog", 1), ("t3n Social Media", 230),
                                                        ("Instagram Newsroom", 260), ("LinkedIn Blog", 3)])
    every = store.query_items(query)
    seen, heads = set(), []
    for it in every:
        if it.cluster not in seen:
            seen.add(it.cluster)
            heads.append(it.id)
    assert store.count_stories(query) == (len(every), len(heads))
    for offset, limit in ((0, 50), (0, 2), (1, 3), (40, 3), (48, 50), (len(heads) - 1, 5), (len(heads), 5)):
        wanted = dataclasses.replace(query, offset=offset, limit=limit)
        assert [it.id for it in store.query_stories(wanted, ratio=1.0)] == heads[offset:offset + limit], (offset, limit)
        found = store.story_page(wanted)      # the back half read from the old end
        assert (found.total, found.stories) == (len(every), len(heads))
        assert [it.id for it in found.items] == heads[offset:offset + limit]
        assert all(it.id in {r.id for r in found.reports[it.cluster]} for it in found.items)


def test_a_story_from_many_reports_is_one_row_that_opens_to_the_others(web, store):
    reports = _story(store, "Threads öffnet die API für alle", [("LinkedIn Blog", 1), ("t3n Social Media", 230),
                                                                  ("Instagram Newsroom", 260), ("LinkedIn Blog", 3)])
    html = web.get("/").text
    assert titles(html).count("Threads öffnet die API für alle") == 1 and "66 Meldungen aus 70 Berichten" in html
    row = next(li for li in BeautifulSoup(html, "html.parser").select("li.item-row")
               if "Threads öffnet" in li.select_one("h2").get_text())
    assert row.select_one("details.story summary").get_text(strip=True) == "auch berichtet von 2 weiteren Quellen"
    assert [a["href"] for a in row.select("ul.reports li > a")] == [reports[3].url, reports[1].url, reports[2].url]
    older = web.get("/?page=2").text                      # the older reports never come back as rows
    assert "Threads öffnet die API für alle" not in titles(older) and "zeige 51–66" in older
    api = web.get("/api/items?platform=threads").json()   # machines get every report
    assert [d["id"] for d in api] == [reports[0].id, reports[3].id, reports[1].id, reports[2].id]
    alone = web.get("/?source=LinkedIn+Blog&platform=threads").text
    assert titles(alone) == ["Threads öffnet die API für alle"] and "1 Meldung aus 2 Berichten" in alone
    _story(store, "Reels bekommen Kapitelmarken", [("t3n Social Media", 2), ("t3n Social Media", 4)])
    assert "1 weiterer Bericht derselben Quelle" in web.get("/?q=Kapitelmarken").text


def test_the_team_s_platforms_are_the_default_view_when_the_config_hides_the_others(store, tmp_path):
    config = Config(settings=Settings(language="de", platforms=["instagram"], hide_other_platforms=True),
                    sources=SOURCES)
    with running(create_app(config, store, home=tmp_path)) as client:
        html = client.get("/").text
        assert sorted(titles(html)) == sorted(["Instagram testet neue Reels-Funktion", '=HYPERLINK("http://x") Rückblick',
                                               "Urteil: Müller GmbH muss Impressum nachbessern", "Evil title"])
        soup = BeautifulSoup(html, "html.parser")
        [chip] = soup.select("a.chip")
        assert "Nur eure Plattformen: Instagram" in chip.get_text() and chip["href"] == "/?scope=all"
        assert "scope=team" in soup.select_one(".formats a")["href"]                      # RSS, JSON, CSV: this view
        assert len(client.get(soup.select(".formats a")[1]["href"]).json()) == 4
        everything = client.get("/?scope=all").text
        assert "65 Meldungen aus 66 Berichten" in everything and not BeautifulSoup(everything, "html.parser").select("a.chip")
        assert 'name="scope" value="all"' in everything                                  # the form keeps the choice
        assert "60 Meldungen" in client.get("/?platform=tiktok").text                     # picked platforms win
        assert len(client.get("/api/items").json()) == 66                                 # machines: all by default
        team = [it.id for it in store.query_items(ItemQuery()) if not it.platforms or "instagram" in it.platforms]
        assert [d["id"] for d in client.get("/api/items?scope=team").json()] == team      # as the digest hides
        assert client.get("/?tag=legal_change").text.count("Nur eure Plattformen") == 1


# ---------------------------------------------------------------------- machine routes

@pytest.mark.parametrize("params, query", [
    ({}, ItemQuery()),
    ({"tag": "feature_rollout", "platform": "tiktok"}, ItemQuery(tags=["feature_rollout"], platforms=["tiktok"])),
    ({"q": "Reichweite", "lang": "en"}, ItemQuery(q="Reichweite", lang="en")),
    ({"source": "t3n Social Media", "limit": "5", "offset": "3"}, ItemQuery(sources=["t3n Social Media"], limit=5, offset=3)),
    ({"category": "legal"}, ItemQuery(categories=["legal"])),
])
def test_api_items_equals_the_store_query(web, store, params, query):
    response = web.get("/api/items", params=params)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    assert response.json() == json.loads(json.dumps([item_json(it) for it in store.query_items(query)]))


def test_api_and_exports_stream_in_chunks_without_losing_or_repeating_items(web, store, monkeypatch):
    monkeypatch.setattr("monitor.store.paging.BATCH", 7)
    expected = [item_json(it)["id"] for it in store.query_items(ItemQuery(platforms=["tiktok"]))]
    assert [d["id"] for d in web.get("/api/items?platform=tiktok").json()] == expected
    assert [d["id"] for d in web.get("/api/items?platform=tiktok&limit=20&offset=5").json()] == expected[5:25]
    rows = csv.DictReader(io.StringIO(web.get("/export.csv?platform=tiktok").content.decode("utf-8-sig")))
    assert [int(r["id"]) for r in rows] == expected


def test_api_items_answers_a_page_and_rejects_bad_values(web):
    assert len(web.get("/api/items").json()) == 66                 # up to 100 to a page
    paged = web.get("/api/items?limit=10")
    assert len(paged.json()) == 10 and "link" in paged.headers
    bad = web.get("/api/items?since=yesterday-ish")
    assert bad.status_code == 400 and "since" in bad.json()["error"]
    assert web.get("/api/items?limit=ten").status_code == 400


def test_feed_is_rss_2_with_tags_as_categories(web, store):
    response = web.get("/feed.xml?platform=linkedin")
    assert response.headers["content-type"].startswith("application/rss+xml")
    root = etree.fromstring(response.content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    entries = root.findall("channel/item")
    assert [e.findtext("title") for e in entries] == ["Reichweitenverlust bei LinkedIn"] * 2
    assert [c.text for c in entries[0].findall("category") if c.get("domain") is None] == ["algorithm_reach_change"]
    parsed = feedparser.parse(response.content)
    assert parsed.version == "rss20" and not parsed.bozo
    assert len(etree.fromstring(web.get("/feed.xml").content).findall("channel/item")) == 50   # the newest 50
    default = etree.fromstring(web.get("/feed.xml?limit=3").content).findall("channel/item")
    assert len(default) == 3


def test_feed_text_is_escaped_so_readers_show_it_instead_of_running_it(web, store):
    root = etree.fromstring(web.get("/feed.xml?source=Datenschutz-Blog").content)
    evil = next(e for e in root.findall("channel/item") if e.findtext("guid") == f"lagebild-item-{store.ids['evil']}")
    assert "<script" not in evil.findtext("description") and "&lt;script&gt;" in evil.findtext("description")
    parsed = feedparser.parse(web.get("/feed.xml?source=Datenschutz-Blog").content)
    assert not any("<script" in e.summary or "onerror" in e.summary for e in parsed.entries)


def test_exports_carry_the_filtered_view(web):
    response = web.get("/export.csv?source=t3n+Social+Media&until=2025-03-14")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["title"] for r in rows] == ["'=HYPERLINK(\"http://x\") Rückblick"]    # no formula for spreadsheets
    data = web.get("/export.json?tag=legal_change").json()
    assert [d["title"] for d in data] == ["Urteil: Müller GmbH muss Impressum nachbessern"]


# ---------------------------------------------------------------------- item page and corrections

def test_item_page_shows_content_scores_terms_cluster_and_form(web, store):
    html = web.get(f"/items/{store.ids['reels']}").text
    assert "<b>testet</b>" in html                                   # sanitised feed HTML is rendered
    assert "91 %" in html and "22 %" in html and "Wahrscheinlichkeit" in html
    assert "Begriffe, die den Ausschlag gaben:" in html and ">testet<" in html and ">reels<" in html
    assert html.count("Das Modell ordnet ab 30 % zu.") == 3          # each tag's threshold beside its score
    form = BeautifulSoup(html, "html.parser").select_one("form.correct")
    assert form["action"] == f"/items/{store.ids['reels']}/tags" and form["method"] == "post"
    assert [i["value"] for i in form.select("input[type=checkbox]")] == ["feature_rollout", "legal_change",
                                                                          "algorithm_reach_change"]
    cluster = web.get(f"/items/{store.ids['reach']}").text
    assert f'/items/{store.ids["reach_too"]}' in hrefs(cluster, "#cluster a")


def test_unknown_item_is_a_404_page(web):
    response = web.get("/items/987654")
    assert response.status_code == 404 and "Nicht gefunden" in response.text
    assert web.get("/api/nothing").status_code == 404


def test_tag_correction_needs_the_csrf_token_and_then_changes_the_tags(web, store):
    iid = store.ids["reels"]
    token = csrf_of(web.get(f"/items/{iid}").text)
    forged = web.post(f"/items/{iid}/tags", data={"tag": ["legal_change"]})
    assert forged.status_code == 403 and store.get_item(iid).tags == ["feature_rollout"]
    wrong = web.post(f"/items/{iid}/tags", data={"tag": ["legal_change"], "csrf_token": "x" * 43})
    assert wrong.status_code == 403 and store.correction_history(iid) == []
    done = web.post(f"/items/{iid}/tags", data={"tag": ["legal_change", "feature_rollout"], "csrf_token": token})
    assert done.status_code == 303 and done.headers["location"] == f"/items/{iid}#tags"
    page = web.get(f"/items/{iid}").text
    assert "die Korrektur ist gespeichert" in page and "Korrekturverlauf" in page
    assert store.get_item(iid).tags == ["feature_rollout", "legal_change"]
    assert iid in [d["id"] for d in web.get("/api/items?tag=legal_change").json()]
    assert web.post(f"/items/{iid}/tags", data={"tag": ["spam"], "csrf_token": token}).status_code == 400


def test_every_post_route_is_csrf_protected(store, tmp_path):
    app = create_app(make_config(), store, home=tmp_path)
    posts = [r for r in app.routes if "POST" in (getattr(r, "methods", None) or ())]
    assert posts and all(getattr(r.endpoint, "csrf_protected", False) for r in posts)


# ---------------------------------------------------------------------- safety

def test_script_from_feeds_never_reaches_the_page(web, store):
    for path in ("/", f"/items/{store.ids['evil']}", "/?q=Evil"):
        soup = BeautifulSoup(web.get(path).text, "html.parser")
        assert [s.get("src") for s in soup.find_all("script")] == ["/static/web.js"]
        assert not [(el.name, a) for el in soup.find_all(True) for a in el.attrs if a.lower().startswith("on")]
        assert not [a for a in soup.find_all(href=True) if a["href"].lower().startswith("javascript")]
        assert not soup.find_all(["iframe", "img", "object", "embed"]) and not soup.find_all(style=True)
    assert "Evil" in web.get(f"/items/{store.ids['evil']}").text


def test_security_headers_on_every_response(web):
    for path in ("/", "/api/items", "/feed.xml", "/items/987654", "/static/web.css"):
        headers = web.get(path).headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "same-origin"


def test_session_cookie_is_httponly_lax_and_secure_behind_https(web):
    plain = web.get("/").headers["set-cookie"].lower()
    assert "httponly" in plain and "samesite=lax" in plain and "secure" not in plain
    web.cookies.clear()
    proxied = web.get("/", headers={"X-Forwarded-Proto": "https"}).headers["set-cookie"].lower()
    assert "; secure" in proxied


def test_session_secret_is_kept_private_and_reused(store, tmp_path):
    home = tmp_path / "home"
    create_app(make_config(), store, home=home)
    secret = home / "web-secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600 and len(secret.read_text().strip()) == 64
    before = secret.read_text()
    create_app(make_config(), store, home=home)
    assert secret.read_text() == before


# ---------------------------------------------------------------------- login

PROTECTED = ["/", "/items/1", "/sources", "/trends", "/?tag=legal_change"]
MACHINE = ["/api/items", "/feed.xml", "/export.csv", "/export.json"]


def login(client, password, name=""):
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token, "next": "/sources"})


def test_with_a_password_every_route_needs_login_until_signed_in(store, tmp_path):
    app = create_app(make_config(), store, home=tmp_path, password="Korrekt-Pferd-Batterie")
    with running(app) as client:
        for path in PROTECTED:
            response = client.get(path)
            assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")
        for path in MACHINE:
            assert client.get(path).status_code == 401
        assert client.post("/items/1/tags", data={"tag": "legal_change"}).status_code == 303
        assert store.correction_history(1) == []
        assert client.get("/static/web.css").status_code == 200
        assert login(client, "falsch").status_code == 401
        signed_in = login(client, "Korrekt-Pferd-Batterie", name="Jana")
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/sources"
        for path in PROTECTED + MACHINE:
            assert client.get(path).status_code == 200, path
        page = client.get("/").text
        assert "Jana" in page and "Abmelden" in page
        assert client.post("/logout").status_code == 403
        out = client.post("/logout", data={"csrf_token": csrf_of(page)})
        assert out.status_code == 303 and out.headers["location"] == "/login"
        assert client.get("/").status_code == 303 and client.get("/api/items").status_code == 401


def test_wrong_passwords_are_throttled_per_client(store, tmp_path):
    app = create_app(make_config(), store, home=tmp_path, password="richtig")
    with running(app) as client:
        assert [login(client, f"falsch{n}").status_code for n in range(5)] == [401] * 5
        blocked = login(client, "richtig")
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) >= 1
        assert "Zu viele Fehlversuche" in blocked.text and client.get("/").status_code == 303


def test_throttle_waits_grow_and_end():
    clock = types.SimpleNamespace(now=1000.0)
    throttle = LoginThrottle(clock=lambda: clock.now)
    for _ in range(5):
        assert throttle.wait("10.0.0.1") == 0
        throttle.failed("10.0.0.1")
    waits = []
    for _ in range(4):
        waits.append(throttle.wait("10.0.0.1"))
        clock.now += waits[-1]
        assert throttle.wait("10.0.0.1") == 0
        throttle.failed("10.0.0.1")
    assert waits == [2, 4, 8, 16] and throttle.wait("10.0.0.2") == 0
    throttle.succeeded("10.0.0.1")
    assert throttle.wait("10.0.0.1") == 0


def test_named_users_sign_in_with_argon2_hashes_and_corrections_name_them(store, tmp_path):
    users = [User(name="anna", password_hash=PasswordHasher().hash("anna-pw"))]
    app = create_app(make_config(users=users), store, home=tmp_path)
    with running(app) as client:
        assert login(client, "anna-pw", name="bob").status_code == 401
        assert login(client, "wrong", name="anna").status_code == 401
        assert login(client, "anna-pw", name="anna").status_code == 303
        iid = store.ids["ruling"]
        token = csrf_of(client.get(f"/items/{iid}").text)
        assert client.post(f"/items/{iid}/tags", data={"csrf_token": token}).status_code == 303
    assert store.correction_history(iid)[0]["user"] == "anna" and store.get_item(iid).tags == []


def test_feed_token_opens_only_the_feed(store, tmp_path):
    app = create_app(make_config(rss_token="feed-token-123"), store, home=tmp_path, password="pw")
    with running(app) as client:
        assert client.get("/feed.xml?token=feed-token-123&tag=legal_change").status_code == 200
        assert client.get("/feed.xml?token=wrong").status_code == 401
        assert client.get("/api/items?token=feed-token-123").status_code == 401
        login(client, "pw")
        assert "token=feed-token-123" in client.get("/").text              # the RSS link readers can subscribe to


# ---------------------------------------------------------------------- sources, trends, language

def test_sources_page_puts_failing_first_in_plain_words_with_the_outbox(web):
    html = web.get("/sources").text
    names = [s.get_text(strip=True) for s in BeautifulSoup(html, "html.parser").select(".source-name")]
    assert names[0] == "Datenschutz-Blog" and sorted(names) == sorted(s.name for s in SOURCES)
    assert "Die Adresse gibt es nicht mehr" in html and "1 Fehlversuch in Folge" in html
    assert "Wartende Zustellungen" in html and "team-chat" in html and "connection refused" in html


def test_sources_page_shows_a_new_failure_at_once(web, store):
    assert "Instagram Newsroom" not in _failing(web.get("/sources").text)
    store.record_fetch("Instagram Newsroom", FetchOutcome(ok=False, status=500, error="HTTP 500"), timedelta(minutes=30))
    assert "Instagram Newsroom" in _failing(web.get("/sources").text)


def _failing(html: str) -> list[str]:
    return [s.get_text(strip=True) for s in BeautifulSoup(html, "html.parser").select("tr.row-failing .source-name")]


@dataclass
class FakeTrend:
    term: str
    score: float
    sources: int
    baseline: float
    kind: str
    daily: list[int] = field(default_factory=list)
    item_ids: list[int] = field(default_factory=list)
    days: int = 7
    since: datetime | None = None
    history_days: int = 7


def test_trends_show_a_chart_numbers_and_links(web, store, monkeypatch):
    trend = FakeTrend("reichweite", 5.0, 12, 1.2, "phrase", daily=[1, 0, 2, 1, 1, 0, 1, 3, 5, 8, 12, 9, 10, 12],
                      item_ids=[store.ids["reach"], store.ids["reach_too"]])
    monkeypatch.setattr("monitor.trends.rising.compute_trends", lambda st, days=7, **kw: [trend])
    soup = BeautifulSoup(web.get("/trends").text, "html.parser")
    assert len(soup.select("svg.spark rect")) == 14 and len(soup.select("svg.spark rect.recent")) == 7
    assert "12 Quellen diese Woche" in soup.text and "sonst meist 1" in soup.text
    assert "/trends/items?key=reichweite&days=7" in hrefs(str(soup))
    assert f"/items/{store.ids['reach']}" in hrefs(str(soup))


@pytest.mark.parametrize("language, words, date", [
    ("de", ["Meldungen", "Quellen", "Zum Inhalt springen", "Filter anwenden"], "14.03.2025"),
    ("en", ["Updates", "Sources", "Skip to content", "Apply filters"], "14 Mar 2025"),
])
def test_the_interface_speaks_the_configured_language(store, tmp_path, language, words, date):
    app = create_app(make_config(language=language), store, home=tmp_path)
    with running(app) as client:
        html = client.get("/?until=2025-03-14").text
        assert f'<html lang="{language}">' in html and date in html
        assert all(w in html for w in words), [w for w in words if w not in html]


# ---------------------------------------------------------------------- filters as URLs

def test_filters_round_trip_through_their_url():
    tz = Settings().tz
    params = QueryParams("q=Reels&tag=legal_change,feature_rollout&platform=Twitter&source=A,+B"
                               "&since=7d&until=2026-01-31&order=relevance&page=3")
    f = parse_filters(params, tz, NOW)
    assert f.tags == ["legal_change", "feature_rollout"] and f.platforms == ["x"] and f.sources == ["A, B"]
    assert f.since_at == NOW - timedelta(days=7)
    assert f.until_at == datetime(2026, 2, 1, tzinfo=tz) and f.until_day == "2026-01-31"
    again = parse_filters(QueryParams(f.url().split("?", 1)[1]), tz, NOW)
    assert again.pairs() == f.pairs() and again.page == 3
    assert f.adding("tag", "algorithm_reach_change").page == 1


def test_trends_page_with_the_real_trend_computation(sqlite_store, tmp_path):
    trends = pytest.importorskip("monitor.trends.rising")
    assert hasattr(trends, "compute_trends")
    st = sqlite_store
    st.sync_sources(SOURCES)
    st.add_items([_item(src.name, f"Threads führt Werbeanzeigen in Europa ein ({src.name})", f"https://x.example/{n}",
                        hours=6 + n, summary="Werbeanzeigen auf Threads starten jetzt in Europa.")
                  for n, src in enumerate(SOURCES)])
    app = create_app(make_config(), st, home=tmp_path)
    with running(app) as client:
        soup = BeautifulSoup(client.get("/trends").text, "html.parser")
    cards = soup.select("li.trend")
    assert cards, soup.select_one("main").get_text(" ", strip=True)
    assert all(card.select("svg.spark rect.recent") for card in cards)
    assert any("Quellen" in card.select_one(".trend-numbers").get_text() for card in cards)
    # the archive began with these items: the chart is the week itself, from its first day to today
    for card in cards:
        assert len(card.select("svg.spark rect")) == 7
        start, end = [span.get_text() for span in card.select(".spark-axis span")]
        assert re.fullmatch(r"\d\d\.\d\d\.", start) and end == "heute"


def test_the_item_page_gives_each_item_its_languages_thresholds():
    """An English item is tagged reach from a lower score than a German one, and a German one feature
    (the model's thresholds per language), and its page says from which."""
    from classifiers import Tagger
    from monitor.web.items import thresholds

    tagger = Tagger.load()
    english = thresholds(tagger, Item(source="s", title="t", url="https://example.org/e", lang="en", platforms=["x"]))
    german = thresholds(tagger, Item(source="s", title="t", url="https://example.org/g", lang="de", platforms=["x"]))
    assert english["algorithm_reach_change"] < german["algorithm_reach_change"] == tagger.thresholds["algorithm_reach_change"]
    assert german["feature_rollout"] < english["feature_rollout"] == tagger.thresholds["feature_rollout"]
    # about no platform: feature and reach need twice the score, legal does not
    alone = thresholds(tagger, Item(source="s", title="t", url="https://example.org/a", lang="de"))
    assert alone["feature_rollout"] == 2 * german["feature_rollout"] and alone["legal_change"] == german["legal_change"]
    assert thresholds(None, Item(source="s", title="t", url="https://example.org/n", lang="en")) == {}
