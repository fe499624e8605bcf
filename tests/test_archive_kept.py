"""What the archive keeps from one view to the next, and when it must let go.

Counts (monitor/web/counts.py, browse.counts_since): what a later view adds must equal counting
afresh, on SQLite and PostgreSQL, whatever arrived. "Das Wichtigste" (archive.important_block):
reused while a crawl keeps storing, never longer than `IMPORTANT_BUSY` seconds. The source
filter: a list for a few sources, a field with suggestions from `/api/sources` for many."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from monitor.config import Source
from monitor.item import Item
from monitor.store import ItemQuery
from monitor.store.browse import Counted
from monitor.watch.urls import canonical_url
from monitor.web.counts import Counts

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
SOURCES = ("Radar", "Wire", "Echo")


def report(source: str, title: str, n: int, hours: float, tags: list[str] | None = None,
           lang: str = "de") -> Item:
    it = Item(source=source, title=title, url=f"https://{source.lower()}.example/{n}", tags=tags or [],
              scores={t: 0.9 for t in tags or []}, lang=lang, published=NOW - timedelta(hours=hours))
    it.canonical_url = canonical_url(it.url)
    return it


def counted_afresh(store, query: ItemQuery) -> tuple[int, int]:
    return store.count_stories(query)


QUERIES = [ItemQuery(), ItemQuery(tags=["legal_change"]), ItemQuery(lang="en"), ItemQuery(sources=["Wire"]),
           ItemQuery(tags=["feature_rollout"], lang="de")]


def test_counts_carried_forward_equal_counting_afresh_as_reports_arrive(store):
    sources = [Source(name=n, url=f"https://{n.lower()}.example/feed", category="industry") for n in SOURCES]
    store.sync_sources(sources)
    other = store.ensure_team("kunde-b")
    store.sync_sources(sources[1:2], team_id=other.id)           # kunde-b follows Wire alone
    searches = [ItemQuery(q="Bußgeld"), ItemQuery(q="Reels"), ItemQuery(q="Rechtevorgaben", team_id=other.id)]
    queries = QUERIES + [replace(q, team_id=team) for q in QUERIES[:3] for team in (1, other.id)] + searches
    store.add_items([report("Echo", "Five tips for Reels", 1, 30, lang="en"),      # the lowest id: see below
                     report("Radar", "Meta muss DSA-Bußgeld zahlen", 2, 29, ["legal_change"]),
                     report("Radar", "LinkedIn testet Karussells", 3, 28, ["feature_rollout"])],
                    now=NOW - timedelta(hours=1))
    known = {repr(q): store.story_page(q).counted for q in queries}
    assert all(k.upto > 0 for k in known.values() if k.items)
    # Arrivals of every kind: a report joining a story counted before (same title, another
    # source); one joining an older story of which no earlier report matched the filter (the
    # untagged tips, below the legal filter's highest counted id; tagged now); new stories; a
    # story that starts now and grows.
    store.add_items([report("Wire", "Meta muss DSA-Bußgeld zahlen", 4, 2, ["legal_change"]),
                     report("Wire", "Five tips for Reels", 5, 2, ["legal_change"], lang="en"),
                     report("Wire", "TikTok stellt Rechtevorgaben um", 6, 1, ["legal_change"]),
                     report("Echo", "TikTok stellt Rechtevorgaben um", 7, 1),
                     report("Echo", "Threads opens its API", 8, 1, ["feature_rollout"], lang="en")], now=NOW)
    for q in queries:
        carried = store.story_page(q, known[repr(q)]).counted
        assert (carried.items, carried.stories) == counted_afresh(store, q), q
        assert carried.upto >= known[repr(q)].upto
    # A search's page counts its matches as it reads them; its view tabs carry those counts on.
    for q in searches:
        carried = store.view_counts({"tab": q}, {"tab": known[repr(q)]})["tab"]
        assert (carried.items, carried.stories) == counted_afresh(store, q), q
        page = store.story_page(q).counted
        assert (carried.items, carried.stories) == (page.items, page.stories)
    # Nothing new: the known counts come back as they were.
    again = store.story_page(QUERIES[0], known[repr(QUERIES[0])])
    assert again.counted.stories > 0 and store.story_page(QUERIES[0], again.counted).counted == again.counted


def test_a_page_shows_the_counts_of_items_stored_after_the_last_view(store):
    from zoneinfo import ZoneInfo

    from starlette.datastructures import QueryParams

    from monitor.web.archive import load_page
    from monitor.web.filters import parse_filters

    store.sync_sources([Source(name=n, url=f"https://{n.lower()}.example/feed", category="industry")
                        for n in SOURCES])
    store.add_items([report("Radar", f"Bericht {n}", n, 20 - n) for n in range(1, 4)], now=NOW - timedelta(hours=1))
    counts = Counts()
    f = parse_filters(QueryParams(""), ZoneInfo("Europe/Berlin"), NOW)
    first = load_page(store, f, list(SOURCES), counts)
    assert (first.total, first.stories) == (3, 3)
    store.add_items([report("Wire", "Bericht 1", 10, 1), report("Echo", "Neu heute", 11, 1)], now=NOW)
    second = load_page(store, f, list(SOURCES), counts)
    assert (second.total, second.stories) == (5, 4)
    assert [it.title for it in second.items][0] == "Neu heute"


def test_kept_counts_age_out_and_a_correction_forgets_them():
    counts = Counts(fresh=60)
    query = ItemQuery(tags=["legal_change"])
    counts.put(query, Counted(5, 4, 10), None)
    assert counts.get(query) == Counted(5, 4, 10)
    assert counts.get(ItemQuery(tags=["legal_change"], offset=50, limit=50)) == Counted(5, 4, 10)   # paging: same filter
    assert counts.get(ItemQuery(tags=["feature_rollout"])) is None
    counts.forget()
    assert counts.get(query) is None
    stale = Counts(fresh=0)
    stale.put(query, Counted(5, 4, 10), None)
    assert stale.get(query) is None
    assert counts.get(ItemQuery(q="reichweite")) is None
    counts.put(ItemQuery(q="reichweite"), Counted(2, 2, 10), None)        # a search's tab counts are kept
    assert counts.get(ItemQuery(q="reichweite", offset=50, limit=50)) == Counted(2, 2, 10)


def test_counts_carried_on_keep_the_age_of_the_first_count():
    clock = [1000.0]
    counts = Counts(fresh=60, clock=lambda: clock[0])
    query = ItemQuery()
    counts.put(query, Counted(1, 1, 1), None)
    clock[0] += 40
    counts.put(query, Counted(2, 2, 2), counts.get(query))          # carried on: still 40 s old
    assert counts.get(query) == Counted(2, 2, 2)
    clock[0] += 30
    assert counts.get(query) is None                                # 70 s after the count: afresh


def test_the_important_block_follows_a_crawl_within_ten_seconds(sqlite_store, tmp_path, monkeypatch):
    from starlette.datastructures import QueryParams

    from monitor.config import Config, Settings
    from monitor.web import archive, create_app
    from monitor.web.filters import parse_filters

    clock = [1000.0]
    monkeypatch.setattr(archive, "utcnow", lambda: NOW)
    sources = [Source(name=n, url=f"https://{n.lower()}.example/feed", category="industry") for n in SOURCES]
    sqlite_store.sync_sources(sources)
    sqlite_store.add_items([report("Radar", "EU-Kommission verhängt DSA-Strafe gegen X", 1, 5, ["legal_change"])],
                           now=NOW - timedelta(hours=1))
    web = create_app(Config(settings=Settings(language="de"), sources=sources), sqlite_store,
                     home=tmp_path / "home").state.web
    web.clock = lambda: clock[0]
    f = parse_filters(QueryParams(""), web.tz, NOW)
    shown = lambda: [p.item.title for p in archive.important_block(web, f)]      # noqa: E731
    assert shown() == ["EU-Kommission verhängt DSA-Strafe gegen X"]
    sqlite_store.add_items([report("Wire", "BGH kippt Klauseln in Instagrams AGB", 2, 1, ["legal_change"])], now=NOW)
    clock[0] += 3                   # a crawl is storing: the block of 3 s ago is shown
    assert shown() == ["EU-Kommission verhängt DSA-Strafe gegen X"]
    clock[0] += 8                   # 11 s: read again, with the new legal change
    assert "BGH kippt Klauseln in Instagrams AGB" in shown()
    clock[0] += 40                  # nothing new: kept
    assert len(shown()) == 2
    new_view = parse_filters(QueryParams("view=new"), web.tz, NOW)    # where a reader who chose it starts
    assert len(archive.important_block(web, new_view)) == 2
    assert archive.important_block(web, parse_filters(QueryParams("view=digest"), web.tz, NOW)) == []


def test_many_sources_are_typed_with_suggestions_a_few_are_picked_from_a_list(sqlite_store, tmp_path):
    from monitor.config import Config, Settings
    from monitor.web import archive, create_app
    from tests.servers import running

    many = [Source(name=f"Quelle {n:04d}", url=f"https://q{n}.example/feed", category="industry")
            for n in range(archive.SOURCE_LIST_MAX + 50)]
    for sources, listed in ((many[:5], True), (many, False)):
        app = create_app(Config(settings=Settings(language="de"), sources=sources), sqlite_store,
                         home=tmp_path / f"home{len(sources)}")
        sqlite_store.sync_sources(sources)
        with running(app) as client:
            html = client.get("/").text
            assert ('<select id="f-source" name="source">' in html) is listed
            assert ('list="f-source-names"' in html) is not listed
            assert html.count('<option value="Quelle') == (5 if listed else 0)      # no name is sent with the page
            names = client.get("/api/sources").json()
            assert names == [s.name for s in sources]
            assert client.get("/", params={"source": "Quelle 0003"}).status_code == 200


def test_the_last_pages_of_a_teams_archive_show_the_stories_it_sees(store):
    """The back half of the pages is read from the old end; for a team, a story's row is its newest
    report that the team sees, even where another team's source reported it later."""
    sources = [Source(name=n, url=f"https://{n.lower()}.example/feed", category="industry") for n in SOURCES]
    store.sync_sources(sources)
    other = store.ensure_team("kunde-b")
    store.sync_sources(sources[2:], team_id=other.id)         # kunde-b sees Echo only
    made = []
    for n in range(60):
        made.append(report(SOURCES[n % 2], f"Meldung Nummer {n}", n, 200 - n))
        if n % 3 == 0:            # an earlier report of the same story from the one source kunde-b has
            made.append(report("Echo", f"Meldung Nummer {n}", 100 + n, 300 - n))
    store.add_items(made, now=NOW)
    for team_id in (1, other.id):
        query = ItemQuery(team_id=team_id)
        seen, heads = set(), []
        for it in store.query_items(query):
            if it.cluster not in seen:
                seen.add(it.cluster)
                heads.append(it.id)
        assert store.count_stories(query) == (len(store.query_ids(query)), len(heads))
        for offset, limit in ((0, 10), (len(heads) // 2 + 1, 10), (len(heads) - 3, 10), (len(heads) - 1, 5)):
            page = store.story_page(replace(query, offset=offset, limit=limit))
            assert [it.id for it in page.items] == heads[offset:offset + limit], (team_id, offset)


def test_the_important_block_leads_a_story_with_a_report_in_the_readers_language(sqlite_store):
    from monitor.tell import important

    sources = [Source(name=n, url=f"https://{n.lower()}.example/feed", category="industry") for n in SOURCES]
    sqlite_store.sync_sources(sources)
    english = report("Wire", "EU fines TikTok 380 million euros under the DSA", 1, 3, ["legal_change"], lang="en")
    german = report("Radar", "EU verhängt 380 Millionen Euro DSA-Strafe gegen TikTok", 2, 2, ["legal_change"])
    german.canonical_url = english.canonical_url                 # one story
    sqlite_store.add_items([english, german], now=NOW)
    for language, lead in (("de", german.title), ("en", english.title)):
        [pick] = important.recent(sqlite_store, NOW, [], language=language)
        assert pick.item.title == lead
