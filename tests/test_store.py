"""The store on SQLite and PostgreSQL: idempotent adds, clusters, filters, search, corrections, outbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.config import Source
from monitor.item import Item
from monitor.store import ItemQuery, NewDelivery, item_json
from monitor.store.sources import FetchOutcome
from monitor.watch.urls import canonical_url

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def item(source: str, title: str, url: str, **kw) -> Item:
    it = Item(source=source, title=title, url=url, **kw)
    it.canonical_url = canonical_url(url)
    return it


def fill(store):
    store.sync_sources([Source(name="Radar", url="https://radar.example/feed", category="industry"),
                        Source(name="Wire", url="https://wire.example/feed", category="legal")])
    items = [
        item("Radar", "Reichweitenverlust bei Müller & Co. auf LinkedIn", "https://a.example/1?utm_source=x",
             tags=["algorithm_reach_change"], scores={"algorithm_reach_change": 0.91}, platforms=["linkedin"],
             lang="de", published=NOW - timedelta(hours=2)),
        item("Radar", "EU fines TikTok under the DSA", "https://a.example/2", tags=["legal_change"],
             scores={"legal_change": 0.97}, platforms=["tiktok"], lang="en", published=NOW - timedelta(hours=5)),
        item("Wire", "EU fines TikTok under the DSA", "https://b.example/other", tags=["legal_change"],
             scores={"legal_change": 0.95}, platforms=["tiktok"], lang="en", published=NOW - timedelta(hours=4)),
        item("Wire", "Ten carousel ideas", "https://b.example/3", lang="en", published=NOW - timedelta(days=20)),
    ]
    added = store.add_items(items, [NewDelivery(1, "chat", "legal_change 0.97"),
                                    NewDelivery(2, "chat", "legal_change 0.95")], now=NOW)
    return items, added


def test_adding_twice_stores_once_and_queues_alerts_with_the_items(store):
    items, added = fill(store)
    assert len(added) == 4 and all(i.id for i in added)
    assert store.unseen(items) == []
    assert store.add_items(items, [NewDelivery(1, "chat", "again")], now=NOW) == []
    due = store.due_alerts(now=NOW)
    assert sorted(it.title for _, it, _ in due["chat"]) == ["EU fines TikTok under the DSA"] * 2
    assert store.count_items(ItemQuery()) == 4


def test_an_entry_published_again_under_a_new_link_is_not_new(store):
    """A feed that puts an entry out again with a new GUID and link, same title and date, brought it
    back in the next digest; another date, or another source, is another item."""
    fill(store)
    again = item("Radar", "EU fines TikTok under the DSA", "https://a.example/2-republished", guid="new-guid",
                 lang="en", published=NOW - timedelta(hours=5))
    later = item("Radar", "EU fines TikTok under the DSA", "https://a.example/2-next-week", lang="en",
                 published=NOW + timedelta(days=7))
    elsewhere = item("Wire", "Reichweitenverlust bei Müller & Co. auf LinkedIn", "https://b.example/9",
                     lang="de", published=NOW - timedelta(hours=2))
    twice = item("Wire", "Neu im Feed", "https://b.example/10", published=NOW)
    twice_again = item("Wire", "Neu im Feed", "https://b.example/11", published=NOW)
    assert store.unseen([again, later, elsewhere, twice, twice_again]) == [later, elsewhere, twice]


def test_same_story_from_two_sources_shares_a_cluster(store):
    _, added = fill(store)
    by_source = {(i.source, i.title): i for i in added}
    radar, wire = by_source[("Radar", "EU fines TikTok under the DSA")], by_source[("Wire", "EU fines TikTok under the DSA")]
    assert radar.cluster == wire.cluster
    assert {i.id for i in store.cluster_items(radar.cluster)} == {radar.id, wire.id}
    assert item_json(radar)["cluster"] == radar.cluster


def test_filters_combine_and_search_folds_umlauts_and_compounds(store):
    fill(store)
    titles = lambda q: sorted(i.title for i in store.query_items(q))  # noqa: E731
    assert titles(ItemQuery(tags=["legal_change"], sources=["Wire"])) == ["EU fines TikTok under the DSA"]
    assert titles(ItemQuery(platforms=["linkedin"])) == ["Reichweitenverlust bei Müller & Co. auf LinkedIn"]
    assert titles(ItemQuery(q="Reichweite")) == ["Reichweitenverlust bei Müller & Co. auf LinkedIn"]
    assert titles(ItemQuery(q="Mueller")) == titles(ItemQuery(q="müller")) == titles(ItemQuery(q="Reichweite"))
    assert titles(ItemQuery(since=NOW - timedelta(days=7), categories=["legal"])) == ["EU fines TikTok under the DSA"]
    assert [i.title for i in store.query_items(ItemQuery(limit=2))][0].startswith("Reichweitenverlust")


def test_correction_overrides_the_model_and_is_kept_for_training(store):
    _, added = fill(store)
    tips = next(i for i in added if i.title == "Ten carousel ideas")
    store.correct_tags(tips.id, ["feature_rollout"], user="anna", now=NOW)
    assert store.get_item(tips.id).tags == ["feature_rollout"]
    [(corrected, tags, user, _)] = store.corrections()
    assert (corrected.id, tags, user) == (tips.id, ["feature_rollout"], "anna")


def test_health_failures_back_off_and_success_heals(store):
    fill(store)
    interval = timedelta(minutes=30)
    store.record_fetch("Wire", FetchOutcome(ok=False, status=404, error="HTTP 404"), interval, now=NOW)
    store.record_fetch("Wire", FetchOutcome(ok=False, status=404, error="HTTP 404"), interval, now=NOW)
    wire = next(s for s in store.list_sources() if s["name"] == "Wire")
    assert (wire["status"], wire["consecutive_failures"], wire["last_error"]) == ("failing", 2, "HTTP 404")
    assert wire["next_attempt"] == (NOW + timedelta(hours=1)).isoformat()
    store.record_fetch("Wire", FetchOutcome(ok=True, status=200, etag='"e"'), interval, now=NOW)
    wire = next(s for s in store.list_sources() if s["name"] == "Wire")
    assert (wire["status"], wire["consecutive_failures"], wire["items"]) == ("ok", 0, 2)


def test_digest_bookkeeping_per_target(store):
    fill(store)
    ids = [i.id for i in store.digest_candidates("mail")]
    assert len(ids) == 4
    failed = store.begin_digest("mail", ids, now=NOW)
    store.finish_digest(failed, "SMTP refused", now=NOW)
    digest_row = next(r for r in store.outbox() if r["kind"] == "digest")
    assert len(store.digest_candidates("mail")) == 4 and digest_row["last_error"] == "SMTP refused"
    sent = store.begin_digest("mail", ids, now=NOW)
    store.finish_digest(sent, None, now=NOW)
    assert store.digest_candidates("mail") == [] and len(store.digest_candidates("other")) == 4


def test_a_source_silent_far_beyond_its_rhythm_is_flagged(store):
    store.sync_sources([Source(name="Daily", url="https://daily.example/feed"),
                        Source(name="Weekly", url="https://weekly.example/feed")])
    daily = [item("Daily", f"Daily news {n}", f"https://d.example/{n}", published=NOW - timedelta(days=12 + n))
             for n in range(10)]
    weekly = [item("Weekly", f"Weekly news {n}", f"https://w.example/{n}", published=NOW - timedelta(days=7 * n + 6))
              for n in range(8)]
    store.add_items(daily + weekly, now=NOW)
    ok = FetchOutcome(ok=True, status=200)
    store.record_fetches([("Daily", ok), ("Weekly", ok)], timedelta(minutes=30), now=NOW)
    rows = {s["name"]: s for s in store.list_sources(now=NOW)}
    assert rows["Daily"]["silent"] and rows["Daily"]["silent_days"] == 12.0
    assert rows["Weekly"]["silent"] is False and rows["Weekly"]["status"] == "ok"


def test_near_duplicate_reports_join_one_story_but_different_news_does_not(store):
    store.sync_sources([Source(name=n, url=f"https://{n}.example/feed") for n in ("a", "b", "c", "d")])
    texts = [
        ("a", "EU fines TikTok 380 million euros under the Digital Services Act",
         "The Commission says TikTok broke transparency rules for ads."),
        ("b", "TikTok fined €380 million by EU under Digital Services Act",
         "Brussels found that TikTok broke the transparency rules for advertising."),
        ("c", "Instagram tests scheduled Reels for creators in Germany", "Some creators can plan Reels ahead."),
        ("d", "EU fines X under the Digital Services Act for blue checks", "The Commission fined X over verification."),
    ]
    background = [item("c", f"Commission opens {topic} investigation under the Digital Services Act",
                       f"https://c.example/bg{n}", summary=f"The EU Commission looks at {topic}.")
                  for n, topic in enumerate(["Temu", "AliExpress", "Meta", "Shein", "Zalando", "Snapchat",
                                             "YouTube", "Pinterest", "LinkedIn", "Amazon", "Booking", "Pornhub"])]
    store.add_items(background, now=NOW - timedelta(hours=30))
    added = store.add_items([item(src, t, f"https://{src}.example/{n}", summary=s)
                             for n, (src, t, s) in enumerate(texts)], now=NOW)
    clusters = {it.source: it.cluster for it in added}
    assert clusters["d"] not in {bg.cluster for bg in store.query_items(ItemQuery(sources=["c"])) if bg.title.startswith("Commission opens")}
    assert clusters["a"] == clusters["b"]
    assert len({clusters["a"], clusters["c"], clusters["d"]}) == 3


def test_search_finds_word_forms_and_compound_parts_and_ranks(store):
    store.sync_sources([Source(name="S", url="https://s.example/feed")])
    store.add_items([
        item("S", "Massiver Reichweitenverlust für Unternehmensseiten", "https://s.example/1"),
        item("S", "Die Reichweite steigt wieder", "https://s.example/2"),
        item("S", "Straße gesperrt", "https://s.example/3"),
    ], now=NOW)
    found = lambda q, **kw: [i.title for i in store.query_items(ItemQuery(q=q, **kw))]  # noqa: E731
    assert sorted(found("Reichweite")) == ["Die Reichweite steigt wieder", "Massiver Reichweitenverlust für Unternehmensseiten"]
    assert found("verlust") == ["Massiver Reichweitenverlust für Unternehmensseiten"]
    assert found("strasse") == found("Straße") == ["Straße gesperrt"]
    assert found("reichweite steigt", order="relevance")[0] == "Die Reichweite steigt wieder"


def test_unrelated_items_with_templated_summaries_stay_apart(store):
    store.sync_sources([Source(name="t3n", url="https://t3n.example/feed")])
    titles = ["Interview mit einer Agentur über Kampagnen", "Konferenzbericht vom Branchentreffen in Hamburg"]
    added = store.add_items([item("t3n", t, f"https://t3n.example/{n}", summary=f"Worum es geht: {t}.")
                             for n, t in enumerate(titles)], now=NOW)
    assert added[0].cluster != added[1].cluster


def test_the_quick_schema_check_knows_the_same_head_as_alembic():
    from alembic.script import ScriptDirectory

    from monitor.store.database import _alembic_config, head_revision
    assert head_revision() == ScriptDirectory.from_config(_alembic_config()).get_current_head()
