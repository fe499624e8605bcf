"""`monitor retag`: stored items read again by today's model, as a run reads new ones. The case it
exists for: an archive stored before the whole-article reading, whose long items carry tags from
their background and platforms from their last paragraphs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.config import Config, Source
from monitor.item import Item
from monitor.store import ItemQuery, Store
from monitor.tag.retag import retag_archive
from monitor.tag.tagging import load_tagger
from tests import articles

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
REACH, FEATURE, LEGAL = "algorithm_reach_change", "feature_rollout", "legal_change"
SOURCES = [Source(name="blog", url="https://blog.example/feed"),
           Source(name="agb", url="https://agb.example/terms", kind="page", category="legal"),
           Source(name="yt-blog", url="https://yt.example/feed", platforms=["youtube"])]


def config() -> Config:
    return Config.model_validate({"sources": [s.model_dump(exclude_defaults=True) for s in SOURCES]})


def old_items() -> list[Item]:
    """Items as an earlier reading stored them: the article with its background's tag and platforms,
    a terms page's change forced legal, and a plain news item on a one-platform source."""
    return [
        Item(source="blog", title=articles.TITLE, summary=articles.ARTICLE, url="https://blog.example/a", lang="de",
             published=NOW - timedelta(days=3), tags=[FEATURE, REACH], scores={FEATURE: 0.9, REACH: 0.6},
             platforms=["instagram", "linkedin", "reddit", "youtube"]),
        Item(source="agb", title="Nutzungsbedingungen geändert", summary="1 Satz geändert.", kind="change",
             url="https://agb.example/terms", lang="de", published=NOW - timedelta(days=3),
             tags=[LEGAL], scores={LEGAL: 1.0}),
        Item(source="yt-blog", title="Ein Rückblick auf zehn Jahre Kanalgeschichte", url="https://yt.example/b",
             summary="Wir erzählen, wie alles anfing.", lang="de", published=NOW - timedelta(days=40),
             tags=[REACH], scores={REACH: 0.5}, platforms=["youtube"]),
    ]


def stored(store: Store) -> dict[str, Item]:
    store.sync_sources(SOURCES)
    for item in old_items():
        store.add_items([item], now=item.published)      # each stored when it was published
    return {it.url: it for it in store.query_items(ItemQuery())}


def test_retag_reads_a_stored_article_as_a_run_reads_a_new_one(store: Store):
    before = stored(store)
    report = retag_archive(store, load_tagger(None), config())
    after = {it.url: it for it in store.query_items(ItemQuery())}
    article = after["https://blog.example/a"]
    assert article.tags == [FEATURE]                    # the background's reach words no longer count
    assert article.platforms == ["instagram"]           # networks of the last paragraph are not what it is about
    assert REACH not in article.scores or article.scores[REACH] < before["https://blog.example/a"].scores[REACH]
    assert store.query_items(ItemQuery(platforms=["reddit"])) == []          # the filters read the new labels
    assert [it.url for it in store.query_items(ItemQuery(tags=[REACH]))] == []
    assert after["https://agb.example/terms"].tags == [LEGAL]              # a terms page stays a legal change
    assert after["https://yt.example/b"].platforms == ["youtube"]          # the source's hint, as when stored
    assert report.items == 3 and report.tags_changed == 2
    assert report.tag_moves == {f"-{REACH}": 2} and report.platform_moves["-reddit"] == 1


def test_corrections_stay_and_nothing_is_sent(store: Store):
    items = stored(store)
    article = items["https://blog.example/a"]
    assert article.id is not None
    store.correct_tags(article.id, [REACH], "anna")
    outbox_before = store.outbox()
    retag_archive(store, load_tagger(None), config())
    assert store.get_item(article.id).tags == [REACH]            # what a person decided wins
    assert [tags for _item, tags, _user, _when in store.corrections()] == [[REACH]]
    assert store.outbox() == outbox_before


def test_a_window_and_a_dry_run_leave_the_rest_as_it_was(store: Store):
    items = stored(store)
    old = items["https://yt.example/b"]
    report = retag_archive(store, load_tagger(None), config(), write=False)
    assert report.tags_changed == 2
    assert {it.url: it.tags for it in store.query_items(ItemQuery())} == {url: it.tags for url, it in items.items()}
    retag_archive(store, load_tagger(None), config(), since=NOW - timedelta(days=10))
    assert store.get_item(old.id).tags == [REACH]                 # published 40 days ago and stored before the window
    assert store.get_item(items["https://blog.example/a"].id).tags == [FEATURE]


def test_the_command_says_what_it_changed(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("MONITOR_HOME", str(tmp_path / "home"))
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(json.dumps({"sources": [s.model_dump(exclude_defaults=True) for s in SOURCES]}))
    url = f"sqlite:///{tmp_path / 'lagebild.db'}"
    db = Store.open(url)
    stored(db)
    db.close()
    runner = CliRunner()
    dry = runner.invoke(cli, ["retag", "--dry-run", "--config", str(feeds), "--db", url])
    assert dry.exit_code == 0, dry.output
    assert "Would re-tag 3 items: 2 with other tags" in dry.output and "Nothing was written" in dry.output
    done = runner.invoke(cli, ["retag", "--config", str(feeds), "--db", url])
    assert done.exit_code == 0, done.output
    assert f"-{REACH} 2" in done.output and "-reddit 1" in done.output
    again = runner.invoke(cli, ["retag", "--config", str(feeds), "--db", url])
    assert "Re-tagged 3 items: 0 with other tags, 0 with other platforms." in again.output


def test_an_archive_a_run_just_stored_is_left_as_it_is(tmp_path: Path):
    """Retagging reads an item exactly as the run did (crawl-process annotation, the source's hint and
    category, the feed's own categories): an up-to-date archive does not change."""
    import dataclasses

    from monitor.pipeline import run_cycle
    from monitor.tag.tagging import tag_items
    from monitor.tell.deliver import Sender
    from tests.servers import FeedServer, rss

    reports = [{"title": articles.TITLE, "link": "http://127.0.0.1/a/1", "summary": articles.ARTICLE},
               {"title": "Neue Regeln für Werbung in Kurzvideos", "link": "http://127.0.0.1/a/2",
                "summary": "Ab März gelten strengere Kennzeichnungspflichten.", "categories": ["Recht"]},
               {"title": "So wächst dein Kanal 2027", "link": "http://127.0.0.1/a/3", "summary": "Zehn Tipps.", "categories": ["Tipps"]}]
    store = Store.open(f"sqlite:///{tmp_path / 'run.db'}")
    with FeedServer() as web:
        cfg = Config.model_validate({"sources": [
            {"name": "news", "url": web.add("/n.xml", rss("N", reports)), "category": "platform"},
            {"name": "yt", "url": web.add("/y.xml", rss("Y", [dict(r, link=r["link"] + "y") for r in reports])),
             "platforms": ["youtube"]}]})
        assert run_cycle(cfg, store, lambda: load_tagger(None), Sender()).new_count == 6
    kept = store.query_items(ItemQuery())
    assert {tuple(i.categories) for i in kept} == {("Recht",), ("Tipps",), ()}
    text_alone = [dataclasses.replace(i, scores={}, tags=[]) for i in kept]
    tag_items(load_tagger(None), text_alone)
    assert [i.scores for i in text_alone] != [i.scores for i in kept]     # the hints moved scores: retag must too
    report = retag_archive(store, load_tagger(None), cfg)
    assert report.items == 6 and report.tags_changed == report.platforms_changed == 0, report
    again = {i.url: i.scores for i in store.query_items(ItemQuery())}
    assert all(again[i.url] == pytest.approx(i.scores) for i in kept)
    store.close()


def test_on_postgresql_the_model_the_workers_use_tags_the_archive(tmp_path: Path, postgres_url: str, monkeypatch):
    """On another machine than the one that trained: `monitor retag` uses the model published to the
    database (as every worker does), not the packaged one of its own data directory."""
    import monitor.tag.train as train
    from tests.test_team_model_tags import few_examples

    store = Store.open(postgres_url)
    store.sync_sources(SOURCES)
    zebra = Item(source="blog", title="Plattform meldet Zebrafunk und Reichweite, Folge 99", url="https://blog.example/z",
                 summary="Mehr zu Zebrafunk.", lang="de", published=NOW)
    store.add_items([zebra], now=NOW)
    assert store.query_items(ItemQuery())[0].tags == []               # the packaged model knows no Zebrafunk
    monkeypatch.setattr(train, "load_examples", lambda *_files: few_examples())
    said = list(train.retrain(store, tmp_path / "trainer"))
    assert any("every worker uses it" in line for line in said), said
    store.close()
    monkeypatch.setenv("MONITOR_HOME", str(tmp_path / "other-machine"))
    done = CliRunner().invoke(cli, ["retag", "--db", postgres_url])
    assert done.exit_code == 0, done.output
    assert f"+{REACH} 1" in done.output
    store = Store.open(postgres_url)
    assert store.query_items(ItemQuery(tags=[REACH]))[0].url == "https://blog.example/z"
    store.close()
