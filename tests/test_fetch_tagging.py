"""A source's first fetch is tagged in the crawl process (spiders/new_sources.py), with the
very tags and scores the run's own process would have given; everything else is still
tagged by the run."""

from __future__ import annotations

from datetime import timedelta

from monitor.config import Config, FetchSettings
from monitor.item import Item
from monitor.pipeline import run_cycle
from monitor.store import FetchState, Store
from monitor.store.items import ItemQuery
from monitor.tag.tagging import load_tagger, tag_items
from monitor.tell.deliver import Sender
from spiders import new_sources
from spiders.base import SourceSpec
from spiders.crawl import crawl
from tests.servers import FeedServer, rss

FAST = FetchSettings(timeout=timedelta(seconds=5), retries=0)
REPORTS = [
    ("Instagram testet neue Reichweiten-Statistiken für Creator", "<p>Meta führt <b>Insights</b> für Reels ein.</p>"),
    ("EU-Kommission verhängt Bußgeld gegen TikTok", "<p>Es geht um den Schutz Jugendlicher nach dem DSA.</p>"),
    ("LinkedIn changes how the feed ranks posts with links", "<p>Posts with external links lose reach.</p>"),
    ("YouTube erlaubt Werbung in Shorts für alle Partner", "<p>Neue Anzeigenformate ab kommender Woche.</p>"),
    ("WhatsApp Kanäle bekommen Umfragen", "<p>Admins können jetzt abstimmen lassen.</p>"),
]


def entries(prefix: str, start: int = 0, follow_up: str = "") -> list[dict]:
    """The reports as feed entries; `follow_up` marks later reports' titles (a feed's entry with the
    same title and date under a new link is the same entry published again, not news)."""
    return [{"title": title + follow_up, "link": f"http://127.0.0.1/{prefix}/{start + n}", "summary": summary}
            for n, (title, summary) in enumerate(REPORTS)]


def new_spec(name: str, url: str, model: str = "") -> SourceSpec:
    return SourceSpec(name=name, url=url, kind="feed", category="legal", options={new_sources.OPTION: model})


def test_items_tagged_in_the_crawl_equal_items_tagged_by_the_run():
    with FeedServer() as web:
        url = web.add("/new.xml", rss("Neu", entries("n")))
        [result] = crawl([new_spec("neu", url)], FAST)
        [plain] = crawl([SourceSpec(name="neu", url=url, kind="feed", category="legal")], FAST)
    assert result.outcome.ok and len(result.items) == len(REPORTS)
    assert all(new_sources.tagged(item) for item in result.items)
    assert not any(new_sources.tagged(item) for item in plain.items)     # not a first fetch: the run tags
    tag_items(load_tagger(None), plain.items, {"neu": "legal"})          # as pipeline._store_new does
    assert [(i.tags, i.scores) for i in result.items] == [(i.tags, i.scores) for i in plain.items]
    assert any(i.tags for i in result.items)


def test_a_crawl_done_tagging_lets_go_of_the_model_and_its_word_caches():
    """At the end of a first run the crawl process waits for the run to read its last results;
    the model and the word caches it holds then would only add to the run's peak memory."""
    from monitor.stories import features
    with FeedServer() as web:
        url = web.add("/new.xml", rss("Neu", entries("n")))
        [result] = crawl([SourceSpec(name="neu", url=url, kind="feed", category="legal")], FAST)
    new_sources.expect([new_spec("neu", url)])       # as the crawl process does with its orders
    new_sources.tag_first_fetches([result])
    assert all(new_sources.tagged(item) for item in result.items)
    assert new_sources._taggers and features._lookup.cache_info().currsize > 0
    new_sources.forget()
    assert not new_sources._taggers and features._lookup.cache_info().currsize == 0


def test_only_sources_never_fetched_are_marked():
    never, before = (SourceSpec(name=n, url=f"http://127.0.0.1/{n}", kind="feed", category="industry")
                     for n in ("never", "before"))
    page = SourceSpec(name="page", url="http://127.0.0.1/p", kind="page", category="legal")
    from datetime import UTC, datetime
    state = {"never": FetchState(None, None, None), "page": FetchState(None, None, None),
             "before": FetchState('"e"', None, None, last_fetch=datetime.now(UTC))}
    assert new_sources.mark_first_fetches([never, before, page], state, "") == 1
    assert never.options == {new_sources.OPTION: ""} and before.options == {} and page.options == {}


def test_a_first_run_leaves_tagging_to_the_crawl_and_a_second_run_tags_what_is_new(tmp_path):
    """The run loads no tagger when every item arrives tagged; items stored are tagged the same."""
    loads: list[str] = []

    def loader():
        loads.append("loaded")
        return load_tagger(None)

    store = Store.open(f"sqlite:///{tmp_path / 'first.db'}")
    with FeedServer() as web:
        web.add("/a.xml", rss("A", entries("a")))
        web.add("/b.xml", rss("B", entries("b")))
        config = Config.model_validate({"sources": [
            {"name": "A", "url": web.url("/a.xml"), "category": "legal"},
            {"name": "B", "url": web.url("/b.xml"), "category": "platform"}]})
        first = run_cycle(config, store, loader, Sender(), crawl_tagger="")
        assert first.new_count == 2 * len(REPORTS) and loads == []
        web.add("/a.xml", rss("A", entries("a") + entries("a2", 10, follow_up=": das Update")))
        second = run_cycle(config, store, loader, Sender(), crawl_tagger="")
        assert second.new_count == len(REPORTS) and loads == ["loaded"]
    stored = {(i.source, i.url): i for i in store.query_items(ItemQuery(limit=100))}
    tagger = load_tagger(None)
    for source, category in (("A", "legal"), ("B", "platform")):
        mine = [Item(source=source, title=i.title, url=i.url, summary=i.summary, lang=i.lang, platforms=i.platforms,
                     categories=i.categories) for i in stored.values() if i.source == source]
        tag_items(tagger, mine, {source: category})
        for item in mine:
            assert stored[(source, item.url)].tags == item.tags, item.title
    store.close()


def test_the_crawl_is_told_the_model_the_run_would_load(tmp_path):
    from monitor.tag.tagging import user_model_dir
    assert new_sources.model_choice(tmp_path) == "" and new_sources.model_choice(None) == ""
    user_model_dir(tmp_path).mkdir()
    (user_model_dir(tmp_path) / "tagger.json").write_text("{}")
    assert new_sources.model_choice(tmp_path) == str(user_model_dir(tmp_path))


def test_a_run_imports_no_tagger_for_choosing_the_crawls_model(tmp_path):
    """`monitor run` asks for the model choice on every run; a re-run must not pay for NumPy and SciPy."""
    import subprocess
    import sys
    code = ("import sys; from pathlib import Path; from spiders.new_sources import model_choice; "
            "model_choice(Path(sys.argv[1])); print('scipy' in sys.modules, 'classifiers.tagger' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_story_tokens_read_in_the_crawl_are_those_the_store_would_read():
    """A new source's items come with their story tokens (spiders/new_sources.py); the store dates
    them and uses them as if it had read them itself, and reads them for everything else."""
    from datetime import UTC, datetime

    from monitor.stories.clusters import dated, report_of
    with FeedServer() as web:
        url = web.add("/new.xml", rss("Neu", entries("s")))
        [result] = crawl([new_spec("neu", url)], FAST)
        [plain] = crawl([SourceSpec(name="neu", url=url, kind="feed", category="legal")], FAST)
    assert all(item.story is not None for item in result.items)
    assert not any(item.story is not None for item in plain.items)
    when = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
    for early, late in zip(result.items, plain.items, strict=True):
        assert dated(early.story, when) == report_of(late, when)


def test_a_crawl_that_cannot_tag_sends_its_items_untagged_and_the_run_tags_them(tmp_path):
    """A model that fails in the crawl process loses nothing: the items arrive untagged and the run
    tags them."""
    store = Store.open(f"sqlite:///{tmp_path / 'broken.db'}")
    broken = tmp_path / "no-model-here"
    broken.mkdir()
    with FeedServer() as web:
        web.add("/a.xml", rss("A", entries("a")))
        config = Config.model_validate({"sources": [{"name": "A", "url": web.url("/a.xml"), "category": "legal"}]})
        report = run_cycle(config, store, lambda: load_tagger(None), Sender(), crawl_tagger=str(broken))
    assert report.new_count == len(REPORTS) and not report.failed
    stored = store.query_items(ItemQuery(limit=100))
    assert len(stored) == len(REPORTS) and all(item.scores for item in stored)
    assert any(item.tags for item in stored)
    store.close()


def test_a_feed_that_carries_whole_articles_is_tagged_and_placed_by_their_news():
    """A feed whose entries hold the whole article: the item's summary is its first 2,000 characters.
    The tags and platforms come from the news at its start, in the crawl process (a first fetch) and
    in the run alike; read whole, the background would add reach and four other networks."""
    from html import escape

    from tests import articles
    entry = {"title": articles.TITLE, "link": "http://127.0.0.1/a/1",
             "summary": "".join(f"<p>{escape(part.strip())}</p>" for part in
                                (articles.TEASER, articles.DETAIL, articles.BACKGROUND))}
    with FeedServer() as web:
        url = web.add("/whole.xml", rss("Ganze Artikel", [entry]))
        [first] = crawl([new_spec("ganz", url)], FAST)
        [later] = crawl([SourceSpec(name="ganz", url=url, kind="feed", category="industry")], FAST)
    tag_items(load_tagger(None), later.items, {"ganz": "industry"})
    for item in (first.items[0], later.items[0]):
        assert len(item.summary) > 1_000 and "LinkedIn" in item.summary
        assert item.platforms == ["instagram"]
        assert item.tags == ["feature_rollout"]
