"""Machines reading the archive: `/api/items` in pages, `?all=1`, `/feed.xml` and the exports,
and `monitor items --format json|csv`, on SQLite and on PostgreSQL, over a real uvicorn server.

Read as a specification: a client that follows the Link headers sees every match once,
in order, even while new items arrive; a page never holds more than asked; the streams
hand over everything, a batch at a time.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner
from lxml import etree

from monitor.cli import cli
from monitor.store import ItemQuery, Store
from monitor.web import create_app
from tests.servers import running
from tests.test_web import NOW, filled, make_config


def _item(n: int, *, hours: float, platforms=("tiktok",), title: str | None = None):
    from tests.test_web import _item as make
    return make("t3n Social Media", title or f"TikTok Nachtrag {n}", f"https://t3n.de/later/{n}", hours=hours,
                platforms=list(platforms))


@pytest.fixture
def store(store: Store) -> Store:
    """66 reports in 65 stories (tests.test_web.filled), on SQLite and on PostgreSQL."""
    return filled(store)


@pytest.fixture
def web(store, tmp_path):
    with running(create_app(make_config(), store, home=tmp_path / "home")) as client:
        yield client


@pytest.fixture
def small_batches(monkeypatch):
    """Streams take 7 items from the store at a time, so 66 items make ten batches."""
    monkeypatch.setattr("monitor.store.paging.BATCH", 7)


def walk_pages(web, url: str) -> tuple[list[int], list[int]]:
    """Every item id, following the Link headers from `url`; and the size of each page."""
    ids, sizes = [], []
    while url:
        response = web.get(url)
        assert response.status_code == 200, response.text
        page = [d["id"] for d in response.json()]
        ids += page
        sizes.append(len(page))
        url = next_link(response)
    return ids, sizes


def next_link(response) -> str | None:
    link = response.headers.get("link")
    if link is None:
        return None
    target, rel = link.split(";")
    assert rel.strip() == 'rel="next"' and target.startswith("<") and target.endswith(">")
    return target[1:-1]


def ids_of(store: Store, **query) -> list[int]:
    return [it.id for it in store.query_items(ItemQuery(**query))]


# ---------------------------------------------------------------------- pages

@pytest.mark.parametrize("params, query", [
    ("", {}),
    ("platform=tiktok", {"platforms": ["tiktok"]}),
    ("tag=feature_rollout&lang=de", {"tags": ["feature_rollout"], "lang": "de"}),
    ("source=t3n+Social+Media&since=30d", {"sources": ["t3n Social Media"], "since": NOW - timedelta(days=30)}),
    ("category=platform", {"categories": ["platform"]}),
    ("q=Meldung", {"q": "Meldung"}),
    ("q=Meldung&order=relevance", {"q": "Meldung", "order": "relevance"}),
])
def test_following_the_links_walks_every_match_once_in_order(web, store, params, query):
    ids, sizes = walk_pages(web, f"/api/items?limit=7&{params}")
    expected = ids_of(store, **query)
    assert ids == expected and len(set(ids)) == len(ids)
    assert all(size == 7 for size in sizes[:-1]) and 1 <= sizes[-1] <= 7


def test_items_arriving_between_pages_neither_repeat_nor_push_others_out(web, store):
    before = ids_of(store, platforms=["tiktok"])
    first = web.get("/api/items?platform=tiktok&limit=10")
    boundary = store.get_item(first.json()[-1]["id"])
    hours = (NOW - boundary.published).total_seconds() / 3600
    newest, tie, middle, oldest = (_item(1, hours=0.5), _item(2, hours=hours), _item(3, hours=hours + 20.5),
                                   _item(4, hours=24 * 800))
    store.add_items([newest, tie, middle, oldest])
    rest, _ = walk_pages(web, next_link(first))
    seen = [d["id"] for d in first.json()] + rest
    assert [i for i in seen if i in before] == before                  # the walk as it was: each once, in order
    assert sorted(set(seen) - set(before)) == sorted([middle.id, oldest.id])   # behind the cursor: met once
    assert len(seen) == len(set(seen)) == len(before) + 2


def test_items_arriving_between_pages_keep_relevance_pages_in_place_on_postgresql(web, store):
    if store.dialect != "postgresql":
        pytest.skip("SQLite's bm25 weighs words by the whole archive, so new matches shift scores a little")
    before = ids_of(store, q="Meldung", order="relevance")
    first = web.get("/api/items?q=Meldung&order=relevance&limit=10")
    store.add_items([_item(n, hours=n * 7.5, title=f"TikTok Meldung Meldung {n}") for n in range(5)])
    rest, _ = walk_pages(web, next_link(first))
    seen = [d["id"] for d in first.json()] + rest
    assert [i for i in seen if i in before] == before and len(seen) == len(set(seen))


def test_the_link_header_comes_only_when_more_match_and_keeps_the_filters(web, store):
    assert "link" not in web.get("/api/items?limit=66").headers              # exactly all: no next page
    paged = web.get("/api/items?limit=65&platform=tiktok&tag=feature_rollout&offset=2")
    assert "link" not in paged.headers and len(paged.json()) == 28           # 30 match, 2 skipped
    nothing = web.get("/api/items?platform=snapchat")
    assert nothing.json() == [] and "link" not in nothing.headers
    first = web.get("/api/items?limit=20&platform=tiktok&offset=3")
    url = urlsplit(next_link(first))
    assert url.scheme == "http" and url.path == "/api/items"
    params = parse_qs(url.query)
    assert params["limit"] == ["20"] and params["platform"] == ["tiktok"] and "offset" not in params
    assert params["cursor"][0] and "tiktok" not in params["cursor"][0]
    second = web.get(next_link(first))
    assert [d["id"] for d in second.json()] == ids_of(store, platforms=["tiktok"])[23:43]


def test_a_page_holds_100_items_unless_limit_says_otherwise_and_never_more_than_1000(web, store):
    store.add_items([_item(n, hours=300 + n) for n in range(50)])
    default = web.get("/api/items")
    assert len(default.json()) == 100 and next_link(default)
    assert len(web.get("/api/items?limit=1000").json()) == 116
    assert len(web.get("/api/items?limit=1").json()) == 1
    for bad in ("0", "1001", "-5", "ten", "2.5"):
        response = web.get(f"/api/items?limit={bad}")
        assert response.status_code == 400 and response.headers["content-type"].startswith("application/json")
        error = response.json()["error"]
        assert "limit" in error and "1 to 1,000" in error and "Link header" in error and "?all=1" in error


def test_a_damaged_or_foreign_cursor_is_refused_in_plain_words(web):
    cursor = parse_qs(urlsplit(next_link(web.get("/api/items?limit=5"))).query)["cursor"][0]
    assert web.get(f"/api/items?limit=5&cursor={cursor}").status_code == 200
    for url in ("/api/items?cursor=nonsense", f"/api/items?cursor={cursor[:-6]}",
                f"/api/items?cursor={cursor}&q=Meldung&order=relevance"):      # a date cursor for relevance
        response = web.get(url)
        assert response.status_code == 400 and "Link header" in response.json()["error"], url


# ---------------------------------------------------------------------- streams

def test_all_streams_every_match_in_batches(web, store, small_batches):
    for params, query in (("", {}), ("&platform=tiktok", {"platforms": ["tiktok"]}),
                          ("&q=Meldung&order=relevance", {"q": "Meldung", "order": "relevance"})):
        with web.stream("GET", "/api/items?all=1" + params) as response:
            assert response.status_code == 200 and "content-length" not in response.headers
            assert response.headers["transfer-encoding"] == "chunked" and "link" not in response.headers
            chunks = list(response.iter_raw())
        assert [d["id"] for d in json.loads(b"".join(chunks))] == ids_of(store, **query)
    assert len(chunks) >= 60 // 7


def test_exports_hand_over_every_match_once(web, store, small_batches):
    expected = ids_of(store)
    rows = list(csv.DictReader(io.StringIO(web.get("/export.csv").content.decode("utf-8-sig"))))
    assert [int(r["id"]) for r in rows] == expected
    assert [d["id"] for d in web.get("/export.json").json()] == expected
    assert [d["id"] for d in web.get("/export.json?tag=feature_rollout").json()] == ids_of(store, tags=["feature_rollout"])
    assert [d["id"] for d in web.get("/export.json?limit=9&offset=4").json()] == expected[4:13]
    assert web.get("/export.json?platform=snapchat").json() == []


def test_the_store_walks_in_batches_of_the_given_size(store):
    batches = list(store.walk_items(ItemQuery(platforms=["tiktok"]), batch=7))
    assert [len(b) for b in batches] == [7] * 8 + [4]
    assert [it.id for b in batches for it in b] == ids_of(store, platforms=["tiktok"])
    assert all(it.tags is not None and it.source for b in batches for it in b)


def test_monitor_items_streams_json_and_csv(store, small_batches, tmp_path, monkeypatch):
    url = store.engine.url.render_as_string(hide_password=False)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    printed = runner.invoke(cli, ["items", "--db", url, "--format", "json"])
    assert printed.exit_code == 0, printed.output
    assert [d["id"] for d in json.loads(printed.output)] == ids_of(store)
    limited = runner.invoke(cli, ["items", "--db", url, "--format", "csv", "--platform", "tiktok", "--limit", "10"])
    rows = list(csv.DictReader(io.StringIO(limited.output)))
    assert [int(r["id"]) for r in rows] == ids_of(store, platforms=["tiktok"])[:10]
    assert list(rows[0]) == ["id", "published", "source", "tags", "platforms", "title"]
    empty = runner.invoke(cli, ["items", "--db", url, "--format", "json", "--platform", "snapchat"])
    assert json.loads(empty.output) == []


# ---------------------------------------------------------------------- feed

def test_the_feed_holds_the_newest_50_unless_limit_says_otherwise(web, store):
    def guids(url):
        return [e.findtext("guid") for e in etree.fromstring(web.get(url).content).findall("channel/item")]
    newest = [f"lagebild-item-{i}" for i in ids_of(store)]
    assert guids("/feed.xml") == newest[:50]
    assert guids("/feed.xml?limit=3") == newest[:3]
    assert guids("/feed.xml?limit=5000") == newest                    # more than 1,000 is cut to 1,000
    assert guids("/feed.xml?platform=linkedin") == [f"lagebild-item-{i}" for i in ids_of(store, platforms=["linkedin"])]
    assert web.get("/feed.xml?limit=0").status_code == 400
