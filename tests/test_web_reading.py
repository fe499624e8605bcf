"""Details a reader meets in the archive: a page change leads to its comparison, text in another
language than the interface says which (screen readers pronounce it right), sources name their
kind in the reader's language, and moments are written one way, to the minute. A real uvicorn
server over real SQLite and PostgreSQL databases."""

from __future__ import annotations

import re

import pytest

from monitor.item import Item
from monitor.store import Store
from monitor.watch.urls import canonical_url
from monitor.web import create_app
from tests.servers import running
from tests.test_web import NOW, SOURCES, filled, make_config


@pytest.fixture
def store(store: Store) -> Store:
    st = filled(store)
    url = "https://about.instagram.com/terms"
    [change] = st.add_items([Item(source=SOURCES[0].name, title="Instagram: Nutzungsbedingungen geändert", url=url,
                                  canonical_url=canonical_url(url) + "#v2", kind="change", lang="en",
                                  summary="1 sentence changed.", tags=["legal_change"],
                                  scores={"legal_change": 0.99}, published=NOW)])
    st.change_id = change.id        # type: ignore[attr-defined]
    return st


@pytest.fixture
def web(store, tmp_path):
    with running(create_app(make_config(), store, home=tmp_path / "home")) as client:
        yield client


def test_a_page_change_in_the_list_leads_to_its_comparison_not_to_the_live_page(web, store):
    html = web.get("/").text
    row = re.search(rf'id="item-{store.change_id}"[^>]*><a href="([^"]+)"', html)
    assert row and row.group(1) == f"/items/{store.change_id}"


def test_an_english_item_on_the_german_archive_says_its_language(web, store):
    html = web.get("/").text
    assert re.search(rf'id="item-{store.change_id}" lang="en"', html)
    page = web.get(f"/items/{store.change_id}").text
    assert '<html lang="de">' in page and '<h1 id="item-title" lang="en">' in page


def test_sources_name_their_kind_in_german_and_moments_to_the_minute(web):
    html = web.get("/sources").text
    assert "· Feed ·" in html and "· feed ·" not in html
    page = web.get("/items/1").text
    moments = re.findall(r"<time[^>]*>([^<]+)</time>", page)
    assert moments and all(re.fullmatch(r"\d\d\.\d\d\.\d{4}, \d\d:\d\d", m) for m in moments), moments
