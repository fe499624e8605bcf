"""Trends on generated series in a real SQLite store: bursts are found, steady talk and spam are not."""

import dataclasses
import itertools
import math
import random
import re
from datetime import UTC, datetime, timedelta

import pytest

from monitor.config import Source
from monitor.item import Item
from monitor.trends.rising import compute_trends, trend_json
from monitor.trends.terms import term_key

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SYLLABLES = ["ka", "lo", "mi", "ner", "tus", "bri", "go", "fen", "dra", "pel", "son", "vi", "rum", "ta", "wek"]
_urls = itertools.count()


@pytest.fixture
def store(sqlite_store):
    """40 sources on SQLite, no items yet."""
    sqlite_store.sync_sources([Source(name=f"Quelle {n}", url=f"https://example.org/{n}/feed") for n in range(40)])
    return sqlite_store


def item(source: int, title: str, days_ago: float, summary: str = "") -> Item:
    return Item(source=f"Quelle {source}", title=title, summary=summary, url=f"https://example.org/a/{next(_urls)}",
                published=NOW - timedelta(days=days_ago))


def add(store, items) -> None:
    store.add_items(list(items), now=NOW)


def background(store, sources=range(20), days=49, seed=7) -> None:
    """Every source writes one item a day about made-up words: the quiet noise that trends must ignore."""
    rnd = random.Random(seed)
    words = ["".join(rnd.choice(SYLLABLES) for _ in range(3)).capitalize() for _ in range(300)]
    add(store, (item(src, " ".join(rnd.sample(words, 5)), day + rnd.random() * 0.9, " ".join(rnd.sample(words, 8)))
                for src in sources for day in range(days)))


def trends(store, **kw):
    kw.setdefault("now", NOW)
    return compute_trends(store, **kw)


def by_key(found):
    return {t.key: t for t in found}


def test_burst_across_many_sources_tops_the_list_with_counts_and_explanation(store):
    background(store)
    # Usually one source a week mentions it ...
    add(store, [item(30, "Broadcast-Kanal im Test", 7 * week + 3) for week in range(1, 7)])
    # ... this week twelve do, in the last three days, in several spellings.
    forms = ["Instagram startet Broadcast-Kanäle", "Broadcast-Kanal jetzt für alle", "Neue broadcast kanäle bei Meta"]
    add(store, [item(src, forms[src % 3], 0.2 + src * 0.2) for src in range(12)])
    found = trends(store, language="de")
    top = found[0]
    assert top.key == term_key("Broadcast-Kanäle")
    assert top.term == "Broadcast-Kanäle"
    assert top.kind == "phrase"
    assert (top.sources, top.baseline) == (12, 1.0)
    assert top.explanation == "12 Quellen diese Woche, sonst 1"
    assert len(top.daily) == 49 and sum(top.daily[-7:]) == 12 and sum(top.daily[:-7]) == 6
    assert len(top.item_ids) == 12
    assert top.score == pytest.approx((12 - 1) / math.sqrt(1 + 1 + 0))
    english = trends(store, language="en")[0]
    assert english.explanation == "12 sources this week, usually 1"


def test_item_ids_are_every_counted_item_newest_first(store):
    add(store, [item(src % 40, f"Threads Communities Update {src}", src * 0.1) for src in range(40)])
    top = by_key(trends(store))[term_key("Threads Communities")]
    assert len(top.item_ids) == 40 == top.sources
    dates = {i.id: i.published for i in store.items_by_ids(top.item_ids)}
    assert [dates[i] for i in top.item_ids] == sorted(dates.values(), reverse=True)


def test_steady_topic_mentioned_every_day_is_not_rising(store):
    background(store)
    add(store, [item(src, "Community Notes erklärt", day + 0.5) for src in range(20, 30) for day in range(49)])
    found = by_key(trends(store))
    assert term_key("Community Notes") not in found
    assert not any("community" in k for k in found)


def test_one_source_spamming_a_term_is_not_a_trend(store):
    background(store)
    add(store, [item(35, f"Mega-Gewinnspiel Runde {n}", n * 0.03) for n in range(200)])
    assert term_key("Mega-Gewinnspiel") not in by_key(trends(store))
    # Two other sources mentioning it once make three, but the spammer still writes nearly all of it.
    add(store, [item(36, "Mega-Gewinnspiel gesichtet", 1), item(37, "Was ist das Mega-Gewinnspiel?", 2)])
    assert term_key("Mega-Gewinnspiel") not in by_key(trends(store))


def test_new_term_without_history_is_found_with_a_finite_score(store):
    background(store)
    add(store, [item(src, "Reichweiten-Bonus für Karussells", 1 + n) for n, src in enumerate(range(21, 25))])
    found = by_key(trends(store, language="en"))
    new = found[term_key("Reichweiten-Bonus")]
    assert (new.sources, new.baseline) == (4, 0.0)
    assert math.isfinite(new.score) and new.score == pytest.approx(4.0)
    assert new.explanation == "4 sources this week, none in the 6 weeks before"


def test_fewer_sources_than_the_minimum_is_not_a_trend(store):
    background(store)
    add(store, [item(21, "Story-Sticker für Umfragen", 1), item(22, "Was der Story-Sticker kann", 2)])
    assert term_key("Story-Sticker") not in by_key(trends(store))
    assert term_key("Story-Sticker") in by_key(trends(store, min_sources=2))
    add(store, [item(23, "Story-Sticker im Test", 3)])
    assert term_key("Story-Sticker") in by_key(trends(store))
    assert term_key("Story-Sticker") not in by_key(trends(store, min_sources=4))


def test_the_longer_phrase_replaces_its_parts_when_it_covers_the_same_items(store):
    background(store)
    add(store, [item(src, "EU prüft Digital Services Act", 0.5 + n * 0.3) for n, src in enumerate(range(20, 30))])
    found = by_key(trends(store))
    assert found[term_key("Digital Services Act")].term == "Digital Services Act"
    for part in ("Digital", "Services", "Act", "Digital Services", "Services Act", "EU prüft", "prüft Digital"):
        assert term_key(part) not in found


def test_a_platform_rising_with_a_named_feature_gives_way_to_the_feature(store):
    background(store)
    add(store, [item(src, "Threads Communities kommen", 0.5 + n * 0.3) for n, src in enumerate(range(20, 28))])
    found = by_key(trends(store))
    assert term_key("Threads Communities") in found
    assert "@threads" not in found


def test_hashtags_and_platforms_of_one_story_are_one_card(store):
    background(store)
    add(store, [item(src, f"Bluesky wächst weiter #Starterpack{'' if src % 2 else 's'}", 0.5 + n * 0.2,
                    "Viele Marken testen das Netzwerk.") for n, src in enumerate(range(20, 30))])
    cards = trends(store)
    card = next(c for c in cards if "@bluesky" in c.keys)
    assert "#starterpack" in card.keys and "Bluesky" in card.terms
    assert card.sources == 10 == len(card.item_ids) and card.story is not None
    assert len([c for c in cards if "#starterpack" in c.keys]) == 1
    # 'Bluesky wächst' is the platform and a verb, not a name: the platform stays, the phrase goes.
    assert not any(term_key("Bluesky wächst") in c.keys for c in cards)


def test_a_platform_in_many_stories_is_a_platform_card(store):
    background(store)
    rnd = random.Random(3)
    titles = ["".join(rnd.choice(SYLLABLES) for _ in range(4)).capitalize() for _ in range(8)]
    add(store, [item(src, f"Bluesky: {titles[n]}", 0.5 + n * 0.4, f"{titles[n]} {n * 7} Stück.")
                for n, src in enumerate(range(20, 28))])
    card = by_key(trends(store))["@bluesky"]
    assert card.term == "Bluesky" and card.kind == "platform" and card.story is None
    assert card.sources == 8 == len(card.item_ids)


def test_store_without_earlier_data_says_so(store):
    add(store, [item(src, "Broadcast-Kanäle starten", 1 + src * 0.1) for src in range(5)])
    top = trends(store, language="de")[0]
    assert top.explanation == "5 Quellen diese Woche, noch keine älteren Daten zum Vergleich"


def test_the_chart_starts_where_the_archive_does(store):
    """Six weeks of zeros before an archive's first fetch read as "nobody wrote about it": a trend
    says how many days before its window the archive has items for, and charts only those."""
    add(store, [item(30, "Ein Interview ohne Bezug", 17.5)])      # the first item: 10.5 days before the window
    add(store, [item(src, "Broadcast-Kanäle starten", 1 + src * 0.1) for src in range(5)])
    young = trends(store)[0]
    assert young.history_days == 11 and len(young.daily) == 49, "the JSON's daily keeps its length"
    assert trend_json(young)["history_days"] == 11
    background(store)
    assert trends(store)[0].history_days == 42


def test_window_length_is_configurable(store):
    background(store)
    add(store, [item(src, "Broadcast-Kanäle starten", 0.5 + src * 0.1) for src in range(20, 26)])
    top = trends(store, days=3, language="en")[0]
    assert top.key == term_key("Broadcast-Kanäle")
    assert top.explanation == "6 sources in the last 3 days, none in the 6 weeks before"
    assert len(top.daily) == 45


def test_empty_store_has_no_trends(store):
    assert trends(store) == []


def test_json_has_the_contract_fields_strongest_first(store):
    background(store)
    add(store, [item(src, "Broadcast-Kanäle starten", 0.5) for src in range(20, 32)])
    add(store, [item(src, "Threads Communities kommen", 0.5) for src in range(20, 25)])
    rows = [trend_json(t) for t in trends(store)]
    assert len(rows) >= 2
    for row in rows:
        assert isinstance(row["term"], str) and isinstance(row["sources"], int)
        assert isinstance(row["score"], float) and isinstance(row["baseline"], float)
        assert row["kind"] in ("platform", "hashtag", "phrase")
        assert len(row["daily"]) == 49 and row["explanation"] and row["items"]
    scores = [row["score"] for row in rows]
    assert scores == sorted(scores, reverse=True)
    assert rows[0]["term"] == "Broadcast-Kanäle"


def test_limit_caps_the_list(store):
    background(store)
    for n, name in enumerate(["Alpha-Funktion", "Beta-Funktion", "Gamma-Funktion", "Delta-Funktion"]):
        add(store, [item(src, f"{name} kommt", 0.5) for src in range(20, 24 + n)])
    assert len(trends(store, limit=2)) == 2


def test_usual_counts_only_the_weeks_the_store_has_data_for(store):
    # The store started three weeks ago: two baseline weeks, not six empty ones diluting 'usual'.
    background(store, days=21)
    add(store, [item(src, "Notizen-Funktion im Test", 7 * week + 2) for week in (1, 2) for src in (30, 31)])
    add(store, [item(src, "Notizen-Funktion für alle", 0.5 + n * 0.3) for n, src in enumerate(range(30, 38))])
    trend = by_key(trends(store, language="en"))[term_key("Notizen-Funktion")]
    assert (trend.sources, trend.baseline) == (8, 2.0)
    assert trend.explanation == "8 sources this week, usually 2"


def test_single_everyday_words_are_not_trend_terms_but_names_are():
    from monitor.trends.rising import worth_tracking
    for name in ("DSA", "TikTok", "Broadcast-Kanäle", "A/B-Tests", "Kennzeichnungspflicht"):
        assert worth_tracking(name.lower(), name), name
    for word in ("content", "change", "Profil", "Millionen", "Services"):
        assert not worth_tracking(word.lower(), word), word
    assert worth_tracking("digital fairness act", "Digital Fairness Act")


# ---------------------------------------------------------------------- the /trends page

FINE = [("EU-Kommission verhängt DSA-Bußgeld gegen TikTok", "Wegen des Werbearchivs: 380 Mio. Euro nach dem "
         "Digital Services Act."),
        ("DSA-Bußgeld gegen TikTok: 380 Millionen Euro", "Die EU-Kommission beanstandet das Werbearchiv, "
         "der Digital Services Act verlangt es."),
        ("TikTok muss DSA-Bußgeld zahlen", "EU-Kommission: 380 Mio. Euro für Mängel im Werbearchiv nach dem "
         "Digital Services Act."),
        ("Werbearchiv mangelhaft: DSA-Bußgeld für TikTok", "380 Mio. Euro, sagt die EU-Kommission, gestützt "
         "auf den Digital Services Act."),
        ("DSA-Bußgeld: TikTok soll 380 Mio. Euro zahlen", "Die EU-Kommission sieht Verstöße gegen den "
         "Digital Services Act beim Werbearchiv.")]
EVERYDAY = ["Die EU plant neue Regeln für {n}", "Was die EU mit {n} vorhat", "AI im Alltag: {n} im Blick",
            "Zeigt uns euren {n}-Moment", "CEO von {n} tritt ab", "EUR-Kurs und {n}"]


def _words(n: int) -> str:
    rnd = random.Random(n)
    return "".join(rnd.choice(SYLLABLES) for _ in range(4)).capitalize()


def test_trend_cards_count_exactly_the_items_their_link_lists(sqlite_store, tmp_path):
    """On a real server over a SQLite file: one card per story, no EU/AI/EUR/CEO cards, and each
    card's numbers equal the list its link opens (whole words: 'Broadcast-Kanäle-Update' and
    'euren' count for nothing else)."""
    from bs4 import BeautifulSoup

    from monitor.config import Config, Settings
    from monitor.web import create_app
    from tests.servers import running

    now = datetime.now(UTC)
    sources = [Source(name=f"Quelle {n}", url=f"https://example.org/{n}/feed") for n in range(30)]
    sqlite_store.sync_sources(sources)

    def at(src: int, title: str, hours: float, summary: str = "") -> Item:
        return Item(source=f"Quelle {src}", title=title, summary=summary, url=f"https://example.org/a/{next(_urls)}",
                    published=now - timedelta(hours=hours))

    fine = [at(src, title, 5 + src, summary) for src, (title, summary) in enumerate(FINE)]
    everyday = [at(10 + n, form.format(n=_words(n * 7 + k)), 20 + 9 * n + k)
                for n in range(6) for k, form in enumerate(EVERYDAY)]
    channels = [at(20 + n, f"Broadcast-Kanäle für {_words(100 + n)}", 30 + 11 * n, "Neue Broadcast-Kanäle.")
                for n in range(4)]
    lookalike = [at(25 + n, f"Broadcast-Kanäle-Update {_words(200 + n)}", 40 + 7 * n) for n in range(2)]
    sqlite_store.add_items(fine + everyday + channels + lookalike, now=now)

    app = create_app(Config(settings=Settings(language="de"), sources=sources), sqlite_store, home=tmp_path)
    with running(app) as client:
        soup = BeautifulSoup(client.get("/trends").text, "html.parser")
        cards = soup.select("li.trend")
        titles = [card.select_one("h2").get_text(strip=True) for card in cards]
        assert not [t for t in titles if re.search(r"\b(EU|AI|EUR|CEO|euren)\b", t)], titles
        assert len(titles) == 2, titles      # the fine and the channels: nothing of the everyday words
        about_fine = [card for card in cards if "DSA-Bußgeld" in card.get_text(" ")]
        assert len(about_fine) == 1, titles
        assert "Digital Services Act" in about_fine[0].get_text(" ") and "EU-Kommission" in about_fine[0].get_text(" ")
        assert "Broadcast-Kanäle" in titles
        for card in cards:
            said = card.select_one(".row-links a").get_text(" ", strip=True)
            count = int(re.search(r"\d+", said).group())
            sources_said = int(re.match(r"\d+", card.select_one(".trend-numbers").get_text(strip=True)).group())
            page = BeautifulSoup(client.get(card.select_one(".row-links a")["href"]).text, "html.parser")
            listed = page.select("ol.trend-all li")
            assert len(listed) == count, (card.get_text(" ", strip=True), len(listed))
            assert len({li.select_one(".meta").get_text().split(" · ")[0] for li in listed}) == sources_said
            assert f"{count} Meldungen aus {sources_said} Quellen" in page.select_one(".trend-count").get_text()
            if card.select_one("h2").get_text(strip=True) == "Broadcast-Kanäle":
                assert count == 4 and not any("Update" in li.get_text() for li in listed)
        # the digest's trend lines open the same lists as the cards
        from monitor.tell.digest_content import trend_lines
        lines = trend_lines(sqlite_store, now, "http://lagebild.test", [])
        card_links = {card.select_one(".row-links a")["href"] for card in cards}
        assert lines and {line["url"].removeprefix("http://lagebild.test") for line in lines} <= card_links
        gone = client.get("/trends/items?key=kein+trend&days=7", follow_redirects=False)
        assert gone.status_code == 303 and gone.headers["location"].startswith("/trends")


def test_a_card_shows_its_newest_items_one_per_story_first():
    from monitor.web.trends import shown_items
    stories = [1, 1, 1, 2, None, 3]       # a big story, then three others (one without a cluster)
    items = [Item(source="Quelle 1", title=f"Meldung {n}", url=f"https://example.org/s/{n}", id=n, cluster=c)
             for n, c in enumerate(stories)]
    assert [it.id for it in shown_items(items)] == [0, 3, 4]
    one_story = [dataclasses.replace(it, cluster=1) for it in items]
    assert [it.id for it in shown_items(one_story)] == [0, 1, 2]
