"""Only web links reach a reader, at every output.

The parser lets only http(s) links through (tests/test_feed_defects.py); here the
outputs defend again: items read from a feed full of `javascript:`, `data:` and
`vbscript:` links, plus a stored row that holds one (written before the check existed),
go through the item page, the archive, the digest (HTML and text), alerts (Markdown and
text), `/feed.xml`, `/api/items` and the exports. No survivor anywhere.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from lxml import etree
from sqlalchemy import update

from monitor.config import Config
from monitor.i18n import Translator
from monitor.item import Item
from monitor.store import Store
from monitor.store.schema import ItemRow
from monitor.tell.alerts import AlertEntry, render_alert
from monitor.tell.digest import render_html, render_text
from monitor.tell.digest_content import build_digest
from monitor.web import create_app
from spiders.base import SourceSpec
from spiders.feed import parse_feed
from tests.servers import running

NOW = datetime.now(UTC).replace(microsecond=0)
BAD = re.compile(r"(?i)\b(?:java|vb)script:|\bdata:text|\bdata:[a-z]+/")
HOSTILE_JSON = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "Hostile", "items": [
    {"id": "1", "title": "Instagram testet Link A", "url": "javascript:alert(document.cookie)"},
    {"id": "2", "title": "Instagram testet Link B", "url": "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="},
    {"id": "3", "title": "Instagram testet Link C", "url": "\tjavascript:alert(3)"},
    {"id": "4", "title": "Instagram testet Link D", "url": "vbscript:msgbox(4)"},
    {"id": "5", "title": "Instagram testet Link E", "url": "https://ok.example/e\"onmouseover=\"alert(5)",
     "content_html": '<a href="javascript:alert(6)">x</a><a href="data:text/html,<b>7</b>">y</a>'},
]})
SOURCES = [{"name": "Hostile", "url": "https://hostile.example/feed.json", "category": "platform"}]


@pytest.fixture
def hostile_store(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'links.db'}")
    config = Config.model_validate({"settings": {"language": "de", "web": {"base_url": "https://lb.example.org"},
                                                 "digest": {"notify": []}}, "sources": SOURCES})
    store.sync_sources(config.sources)
    items = parse_feed(HOSTILE_JSON.encode(), SourceSpec("Hostile", SOURCES[0]["url"], "feed", "platform"))
    legacy = Item(source="Hostile", title="Instagram testet Altbestand", url="https://legacy.example/x",
                  canonical_url="https://legacy.example/x")
    for it in (*items, legacy):
        it.tags, it.scores, it.published = ["feature_rollout"], {"feature_rollout": 0.9}, NOW - timedelta(hours=1)
    added = store.add_items([*items, legacy], now=NOW - timedelta(minutes=30))
    with store.session() as s, s.begin():     # as stored before the check existed
        s.execute(update(ItemRow).where(ItemRow.id == legacy.id).values(url="javascript:alert('stored')"))
    yield store, config, added
    store.close()


def survivors(text: str) -> list[str]:
    return BAD.findall(text)


def html_links(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    return [tag.get(attr) for attr in ("href", "src", "action", "formaction") for tag in soup.find_all(attrs={attr: True})]


def test_the_parser_lets_no_other_scheme_through(hostile_store):
    _, _, items = hostile_store
    assert all(it.url == "" or it.url.startswith("https://") for it in items)
    assert items[4].url == "https://ok.example/e%22onmouseover=%22alert(5)"      # quoted, cannot end an attribute


def test_no_survivor_in_the_archive_item_pages_feed_and_exports(hostile_store, tmp_path):
    store, config, items = hostile_store
    app = create_app(config, store, home=tmp_path / "home", tagger_loader=None)
    pages = {}
    with running(app) as client:
        pages["/"] = client.get("/").text
        for it in items:
            pages[f"/items/{it.id}"] = client.get(f"/items/{it.id}").text
        for path in ("/feed.xml", "/api/items", "/export.csv", "/export.json", "/api/items?all=1"):
            response = client.get(path)
            assert response.status_code == 200, path
            pages[path] = response.text
    for path, text in pages.items():
        assert survivors(text) == [], path
        if path == "/" or path.startswith("/items/"):
            assert all(link is None or not BAD.search(link) for link in html_links(text)), path
    with_button = [it.title for it in items if 'class="button"' in pages[f"/items/{it.id}"]]
    assert with_button == ["Instagram testet Link E"]   # no web address, no "open original" button
    rss = etree.fromstring(pages["/feed.xml"].encode())
    assert all(link.text.startswith("https://") for link in rss.iter("link"))
    assert {i["url"] for i in json.loads(pages["/api/items"])} <= {"", "https://ok.example/e%22onmouseover=%22alert(5)"}


def test_no_survivor_in_the_digest_or_the_alerts(hostile_store):
    store, config, _ = hostile_store
    t = Translator("de")
    pending = store.digest_candidates("team")
    assert len(pending) == 6
    digest = build_digest(store, config, pending, now=NOW, base_url="https://lb.example.org", t=t)
    html, text = render_html(digest, t), render_text(digest, t)
    assert survivors(html) == [] and survivors(text) == []
    assert all(link is None or not BAD.search(link) for link in html_links(html))
    for it in pending:
        entry = AlertEntry.of(it, "feature_rollout", "https://lb.example.org")
        for markdown in (True, False):
            block = render_alert(entry, t, markdown=markdown, limit=4000)
            assert survivors(block) == [], block
            assert it.title in block
