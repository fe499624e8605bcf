"""What the product knows beside the text (issue 11, part 5): the feed's own categories
of an entry, read from RSS, Atom and JSON Feed, stored with the item, and nudging the
tags in production only; `monitor classify` and `monitor eval` read title and summary alone."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from classifiers import Tagger
from monitor.config import Source
from monitor.item import Item
from monitor.tag.hints import apply_shifts, shifts
from monitor.tag.tagging import tag_items
from monitor.watch.contract import SourceSpec
from spiders.categories import MAX_CATEGORIES, feed_categories
from spiders.feed import parse_feed

SPEC = SourceSpec(name="Fachblog", url="https://blog.example/feed", kind="feed", category="industry", language="de")

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Fachblog</title>
<link>https://blog.example/</link><description>x</description>
<item><title>Landgericht kippt Klausel in Nutzungsbedingungen</title><link>https://blog.example/a</link>
<category>Recht</category><category>Urteile</category><category>Recht</category></item>
<item><title>Ohne Kategorie</title><link>https://blog.example/b</link></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Changelog</title><id>urn:x</id><updated>2026-11-01T00:00:00Z</updated>
<entry><title>Version 4.2</title><id>urn:e1</id><link href="https://dev.example/4-2"/><updated>2026-11-01T00:00:00Z</updated>
<category term="release-notes" label="Release Notes"/><category term="api"/></entry></feed>"""

JSON_FEED = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "Blog", "items": [
    {"id": "1", "url": "https://json.example/1", "title": "Zehn Tipps für Reels", "content_text": "Tipps.",
     "tags": ["Tipps", "<b>Instagram</b>", 7, "x" * 300]}]})


def test_categories_are_read_from_rss_atom_and_json_feed():
    rss = parse_feed(RSS.encode(), SPEC)
    assert [it.categories for it in rss] == [["Recht", "Urteile"], []]
    atom = parse_feed(ATOM.encode(), SPEC)
    assert atom[0].categories == ["Release Notes", "api"]
    items = parse_feed(JSON_FEED.encode(), SPEC)
    assert items[0].categories == ["Tipps", "Instagram"]   # markup stripped, numbers and a 300-char blob dropped


def test_a_feed_that_stuffs_keywords_is_cut_to_a_few_and_junk_is_ignored():
    many = [{"term": f"Schlagwort {i}"} for i in range(100)]
    assert len(feed_categories(many)) == MAX_CATEGORIES
    assert feed_categories("Recht") == [] and feed_categories(None) == [] and feed_categories([{"scheme": "x"}]) == []
    assert feed_categories(["Recht\x00\x07", "  Recht  "]) == ["Recht"]


def test_categories_are_stored_with_the_item_and_come_back(store):
    store.sync_sources([Source(name="Fachblog", url="https://blog.example/feed")])
    now = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    with_categories = Item(source="Fachblog", title="Urteil zu Kontosperren", url="https://blog.example/a",
                           categories=["Recht", "Urteile"])
    without = Item(source="Fachblog", title="Ohne Kategorie", url="https://blog.example/b")
    added = store.add_items([with_categories, without], [], now=now)
    back = {it.title: it for it in store.items_by_ids([it.id for it in added])}
    assert back["Urteil zu Kontosperren"].categories == ["Recht", "Urteile"]
    assert back["Ohne Kategorie"].categories == []


@pytest.mark.parametrize("categories, source_category, expected", [
    (["Recht", "Urteile"], None, {"legal_change": 1.0}),
    (["Social Media", "Algorithmus"], None, {"algorithm_reach_change": 1.0}),
    (["Produkt-News"], None, {"feature_rollout": 1.0}),
    (["Tipps & Tricks"], None, {"feature_rollout": -1.0, "legal_change": -1.0, "algorithm_reach_change": -1.0}),
    (["Ratgeber", "Datenschutz"], None, {"legal_change": 1.0, "feature_rollout": -1.0,
                                         "algorithm_reach_change": -1.0}),
    ([], "platform", {"feature_rollout": 0.5}),
    ([], "legal", {}),
    (["Allgemein", "News"], "industry", {}),
])
def test_what_a_category_says_moves_the_tags_it_names(categories, source_category, expected):
    assert shifts(categories, source_category) == expected


def test_a_shift_decides_only_near_the_threshold():
    thresholds = {"feature_rollout": 0.3, "legal_change": 0.3, "algorithm_reach_change": 0.3}
    scores = {"feature_rollout": 0.2, "legal_change": 0.02, "algorithm_reach_change": 0.95}
    tags, moved = apply_shifts(scores, thresholds, {"feature_rollout": 1.0, "legal_change": 1.0,
                                                     "algorithm_reach_change": -1.0})
    assert tags == ["feature_rollout", "algorithm_reach_change"]   # 0.2 crosses, 0.02 stays far below, 0.95 stays
    assert moved["feature_rollout"] > 0.3 > moved["legal_change"] > 0.02 and moved["algorithm_reach_change"] < 0.95


def test_without_hints_tagging_is_the_text_model_alone_and_with_them_scores_move():
    tagger = Tagger.load()
    text = {"title": "Instagram: neue Einstellungen im Überblick",
            "summary": "Was sich in der App ändert und wie ihr die Optionen findet."}
    plain = Item(source="Fachblog", url="https://blog.example/c", **text)
    hinted = Item(source="Fachblog", url="https://blog.example/c", categories=["Produkt-News"], **text)
    advice = Item(source="Fachblog", url="https://blog.example/c", categories=["Tipps"], **text)
    tag_items(tagger, [plain])
    tag_items(tagger, [hinted, advice], {"Fachblog": "industry"})
    model = tagger.predict([{**text, "lang": plain.lang}])[0]
    assert plain.tags == model.tags and plain.scores == model.scores
    assert hinted.scores["feature_rollout"] > plain.scores["feature_rollout"] > advice.scores["feature_rollout"]
    assert hinted.scores["legal_change"] == plain.scores["legal_change"]


def test_a_hinted_item_is_judged_against_its_languages_thresholds():
    """After a category moves the scores, the item's own language decides where its thresholds lie."""
    shipped = Tagger.load()
    tagger = shipped.with_thresholds({t: 0.99 for t in shipped.thresholds}, {"en": {t: 0.001 for t in shipped.thresholds}})
    text = {"title": "Five things to know about the new settings", "summary": "What the app changes."}
    english = Item(source="Blog", url="https://blog.example/e", lang="en", categories=["Produkt-News"], **text)
    german = Item(source="Blog", url="https://blog.example/g", lang="de", categories=["Produkt-News"], **text)
    tag_items(tagger, [english, german])
    assert "feature_rollout" in english.tags and german.tags == []
    assert english.scores["feature_rollout"] < 0.99 and german.scores["feature_rollout"] < 0.99


def test_an_item_on_a_platforms_newsroom_gets_that_platform_unless_the_source_says_otherwise():
    """A source added without a platform hint (an OPML import from another reader): its newsroom posts
    that never name the platform ("3 improvements our users inspired") still belong to it."""
    from monitor.watch.annotate import item_platforms
    post = dict(source="Pinterest-Newsroom", title="3 Verbesserungen, zu denen uns unsere Nutzer inspiriert haben",
                url="https://newsroom.pinterest.com/de/post/3-verbesserungen")
    assert item_platforms(Item(**post)) == ["pinterest"]
    assert item_platforms(Item(**post, platforms=["facebook", "instagram"])) == []     # the source's hint rules
    assert item_platforms(Item(**{**post, "url": "https://blog.example/3-verbesserungen"})) == []


def test_a_sources_platform_counts_as_what_its_items_are_about():
    """In `monitor run` an item's platforms come from its text, else its source's hint, else its link;
    an item about none needs more for feature and reach (`classifiers.tagger.NO_PLATFORM_FACTOR`)."""
    shipped = Tagger.load()
    text = {"title": "Neue Farben für die Bahn-App", "summary": ""}
    score = shipped.predict([{**text, "lang": "de"}])[0].scores["feature_rollout"]
    # a middling score, so that 0.75 of it is a reachable bar and twice that bar (capped at 0.95) is not
    assert 0.05 <= score <= 0.9
    tagger = shipped.with_thresholds({**shipped.thresholds, "feature_rollout": score * 0.75}, {})
    from_newsroom = Item(source="Newsroom", url="https://example.org/n", lang="de", platforms=["instagram"], **text)
    from_blog = Item(source="Blog", url="https://example.org/b", lang="de", **text)
    tag_items(tagger, [from_newsroom, from_blog])
    assert from_newsroom.platforms == ["instagram"] and "feature_rollout" in from_newsroom.tags
    assert from_blog.platforms == [] and "feature_rollout" not in from_blog.tags
    assert from_blog.scores == from_newsroom.scores          # the score is the model's; only the bar moves
