"""Story clusters: each story once, across sources and languages, and different stories apart.

Reports go through the store as a run adds them (monitor/store → monitor/stories), and
the digest and the archive name the other sources of a story once ("auch bei: …").
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup

from monitor.config import Config, Settings, Source
from monitor.i18n import Translator
from monitor.item import Item
from monitor.stories.clusters import StoryIndex, report
from monitor.tell.digest import render_html, render_text
from monitor.tell.digest_content import build_digest
from monitor.web import create_app
from tests.servers import running

NOW = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)
SOURCES = ["heise online", "Reuters", "tagesschau.de", "The Verge", "t3n", "TechCrunch", "netzpolitik.org"]


def config() -> Config:
    return Config(settings=Settings(language="de"),
                  sources=[Source(name=name, url=f"https://feed{n}.example.org/rss") for n, name in enumerate(SOURCES)])


@pytest.fixture
def store(sqlite_store):
    sqlite_store.sync_sources(list(config().sources))
    return sqlite_store


def report_item(source: str, title: str, summary: str, hours: float, lang: str, **kw) -> Item:
    slug = abs(hash((source, title))) % 10**8
    return Item(source=source, title=title, summary=summary, url=f"https://{slug}.example.org/{slug}",
                canonical_url=f"https://{slug}.example.org/{slug}", published=NOW - timedelta(hours=hours), lang=lang,
                **kw)


def clusters(store, *reports: Item, now: datetime = NOW) -> list[int | None]:
    return [it.cluster for it in store.add_items(list(reports), now=now)]


X_FINE_DE = ("heise online", "EU-Kommission verhängt 120 Millionen Euro Strafe gegen X",
             ("Erstmals greift Brüssel beim Gesetz über digitale Dienste durch: Das blaue Häkchen täusche Nutzer, "
              "das Werbearchiv sei lückenhaft."), 5, "de")
X_FINE_EN = ("Reuters", "EU hits Musk's X with €120m fine under Digital Services Act",
             "The European Commission said the blue checkmark deceives users and the ad repository falls short.",
             4, "en")


def test_a_german_and_an_english_report_of_one_fine_are_one_story(store):
    german, english = clusters(store, report_item(*X_FINE_DE), report_item(*X_FINE_EN))
    assert german == english


def test_a_report_joins_the_story_in_a_later_run_too(store):
    [german] = clusters(store, report_item(*X_FINE_DE))
    [english] = clusters(store, report_item(*X_FINE_EN))
    assert english == german


def test_two_fines_against_two_platforms_on_one_day_are_two_stories(store):
    x_de, x_en, tiktok_de, tiktok_en = clusters(
        store, report_item(*X_FINE_DE), report_item(*X_FINE_EN),
        report_item("tagesschau.de", "EU verhängt Millionenstrafe gegen TikTok",
                    "Die EU-Kommission wirft TikTok vor, gegen das Gesetz über digitale Dienste verstoßen zu haben: "
                    "Das Werbearchiv sei lückenhaft. 530 Millionen Euro Strafe.", 3, "de"),
        report_item("The Verge", "TikTok fined €530 million under the DSA",
                    "The European Commission says TikTok's ad repository falls short of what the DSA demands.",
                    2, "en"))
    assert x_de == x_en and tiktok_de == tiktok_en
    assert x_de != tiktok_de


def test_two_fines_against_one_company_are_two_stories_by_their_amounts(store):
    first, second = clusters(
        store,
        report_item("Reuters", "EU fines Meta 200 million euros over pay-or-consent model",
                    "The Commission said Meta breached the Digital Markets Act.", 30, "en"),
        report_item("heise online", "EU-Strafe von 797 Millionen Euro gegen Meta",
                    "Die Kommission wirft dem Konzern Missbrauch seiner Marktmacht vor.", 2, "de"))
    assert first != second


def test_one_fine_rounded_is_one_story_and_converted_is_not_set_apart(store):
    """'798 Millionen Euro' and 'fast 800 Millionen Euro' are one fine (they were two stories and two
    alerts); '$840 million' is the same fine converted: its number no longer sets it apart, though
    across languages and currencies the rest of the text must carry the match."""
    from monitor.stories.clusters import apart

    euros, _, rounded = clusters(
        store,
        report_item("heise online", "EU-Kommission verhängt 798 Millionen Euro Bußgeld gegen Meta",
                    "Meta habe seinen Kleinanzeigendienst Marketplace unzulässig mit Facebook verknüpft.", 6, "de"),
        report_item("Reuters", "Meta fined nearly $840 million by EU over Facebook Marketplace",
                    "The European Commission said Meta tied its classified ads service to Facebook.", 5, "en"),
        report_item("tagesschau.de", "Meta muss fast 800 Millionen Euro Strafe wegen Marketplace zahlen",
                    "Die EU-Kommission verhängt knapp 800 Millionen Euro gegen den Facebook-Konzern.", 4, "de"))
    assert euros == rounded
    euro_fine = report("EU-Kommission verhängt 798 Millionen Euro Bußgeld gegen Meta", "", platforms=["facebook"],
                       when=NOW, lang="de")
    dollar_fine = report("Meta fined nearly $840 million by EU over Marketplace", "", platforms=["facebook"],
                         when=NOW, lang="en")
    assert not apart(euro_fine, dollar_fine) and not apart(dollar_fine, euro_fine)


def test_proceedings_against_two_companies_on_one_day_are_two_stories(store):
    temu_en, temu_de, ali_en, ali_de = clusters(
        store,
        report_item("Reuters", "Commission opens formal DSA proceedings against Temu",
                    "The EU suspects the marketplace does too little against illegal products.", 6, "en"),
        report_item("heise online", "EU leitet Verfahren gegen Temu ein",
                    "Die EU-Kommission prüft, ob Temu gegen den Digital Services Act verstößt: illegale Produkte.",
                    5, "de"),
        report_item("The Verge", "EU opens investigation into AliExpress under the DSA",
                    "The European Commission will look at illegal products on AliExpress.", 4, "en"),
        report_item("netzpolitik.org", "Kommission eröffnet Verfahren gegen AliExpress",
                    "Die EU untersucht, ob AliExpress genug gegen illegale Produkte unternimmt (DSA).", 3, "de"))
    assert temu_en == temu_de and ali_en == ali_de
    assert temu_en != ali_en


def test_two_features_of_one_app_on_one_day_are_two_stories(store):
    repost_en, repost_de, map_en, map_de = clusters(
        store,
        report_item("TechCrunch", "Instagram tests a repost button for feed posts and Reels",
                    "Reposted posts appear in a new tab on the profile.", 8, "en", platforms=["instagram"]),
        report_item("t3n", "Instagram testet Reposts für Beiträge und Reels",
                    "Geteilte Beiträge erscheinen in einem eigenen Reiter im Profil.", 7, "de",
                    platforms=["instagram"]),
        report_item("The Verge", "Instagram adds a friend map to share your location",
                    "The Map shows where friends posted from; location sharing is off by default.", 6, "en",
                    platforms=["instagram"]),
        report_item("heise online", "Instagram startet Karte mit Standorten von Freunden",
                    "Die Kartenfunktion zeigt, wo Freunde zuletzt aktiv waren; die Standortfreigabe ist aus.",
                    5, "de", platforms=["instagram"]))
    assert repost_en == repost_de and map_en == map_de
    assert repost_en != map_en


def test_two_apps_of_one_owner_on_one_day_are_two_stories(store):
    threads, facebook = clusters(
        store,
        report_item("t3n", "Threads startet Gruppen für Themen", "Nutzer können Gruppen beitreten.", 6, "de",
                    platforms=["threads"]),
        report_item("heise online", "Facebook-Gruppen: Neue Regeln für Themen-Gruppen",
                    "Gruppen auf Facebook bekommen neue Moderationswerkzeuge.", 5, "de", platforms=["facebook"]))
    assert threads != facebook


def test_rulings_of_two_courts_in_one_city_are_two_stories(store):
    """'AG München' and 'LG München I' share a place name and a topic; the courts set them apart,
    while the German and the English name of one court join its reports."""
    local, regional_de, regional_en = clusters(
        store,
        report_item("t3n", "AG München: Rabattcode auf Instagram ist Werbung",
                    "Eine Influencerin muss ihren Rabattcode als Werbung kennzeichnen.", 9, "de"),
        report_item("heise online", "LG München I: Rabattcode auf Instagram ist Werbung",
                    "Ein Influencer muss Rabattcodes in Reels als Werbung kennzeichnen, entschied das Landgericht.",
                    5, "de"),
        report_item("Reuters", "Munich Regional Court I: discount codes on Instagram are advertising",
                    "An influencer has to label discount codes in Reels as ads, the court ruled.", 4, "en"))
    assert regional_de == regional_en
    assert local != regional_de


def test_one_kind_of_court_in_two_cities_is_two_stories(store):
    berlin, cologne = clusters(
        store,
        report_item("t3n", "LG Berlin: WhatsApp-Klausel zur Datenweitergabe unwirksam",
                    "Die Verbraucherzentrale hatte gegen WhatsApp geklagt.", 9, "de"),
        report_item("heise online", "LG Köln: WhatsApp-Klausel zur Datenweitergabe unwirksam",
                    "Ein Wettbewerbsverein hatte gegen WhatsApp geklagt.", 5, "de"))
    assert berlin != cologne


def test_two_authorities_acting_on_one_platform_and_topic_are_two_stories(store):
    cartel, commission, both = clusters(
        store,
        report_item("tagesschau.de", "Bundeskartellamt prüft Altersprüfung bei TikTok",
                    "Die Behörde will wissen, wie TikTok das Alter seiner Nutzer schätzt.", 9, "de"),
        report_item("netzpolitik.org", "EU-Kommission prüft Altersprüfung bei TikTok",
                    "Die Behörde will wissen, wie TikTok das Alter seiner Nutzer schätzt.", 5, "de"),
        report_item("Reuters", "German cartel office examines TikTok's age checks",
                    "The Federal Cartel Office follows the European Commission, which asked TikTok about age "
                    "verification under the DSA.", 4, "en"))
    assert cartel != commission
    assert both in (cartel, commission)      # a report naming both authorities may join either


def test_a_place_name_alone_does_not_join_two_stories(store):
    privacy, jobs = clusters(
        store,
        report_item("tagesschau.de", "Berlin: Datenschützerin will Chatbot-App aus den App-Stores entfernen lassen",
                    "Die App übermittle Nutzerdaten nach China.", 9, "de"),
        report_item("heise online", "Berlin: TikTok baut Moderationsteam ab",
                    "Rund 150 Beschäftigte sollen gehen.", 5, "de"))
    assert privacy != jobs


def test_one_feature_in_two_countries_is_two_stories(store):
    us_en, us_de, uk_en = clusters(
        store,
        report_item("The Verge", "YouTube starts AI age estimation for US users",
                    "YouTube will guess from viewing history whether a viewer is under 18.", 30, "en"),
        report_item("t3n", "USA: YouTube schätzt das Alter von Nutzern per KI",
                    "Eine KI soll anhand des Verlaufs erkennen, ob Angemeldete unter 18 sind.", 28, "de"),
        report_item("Reuters", "YouTube brings AI age estimation to the UK",
                    "Viewers the system thinks are under 18 get teen settings.", 3, "en"))
    assert us_en == us_de
    assert uk_en != us_en


def test_a_country_in_one_title_and_its_authority_in_the_other_are_one_story(store):
    german, english = clusters(
        store,
        report_item("heise online", "TikTok: DPC verhängt 530 Millionen Euro Strafe wegen Datenübermittlung nach China",
                    "Die Datenschutzbehörde wirft TikTok Verstöße gegen die DSGVO vor.", 6, "de"),
        report_item("Reuters", "Ireland fines TikTok €530m",
                    "The regulator said TikTok broke the GDPR.", 5, "en"))
    assert german == english


def test_a_weekly_round_up_is_not_the_story_of_an_item_it_lists(store):
    single_en, single_de, roundup = clusters(
        store,
        report_item("TechCrunch", "LinkedIn launches AI hiring assistant for recruiters",
                    "The assistant drafts job posts and sifts applicants.", 30, "en"),
        report_item("t3n", "LinkedIn startet KI-Assistenten für Recruiter",
                    "Der Assistent schreibt Stellenanzeigen und sortiert Bewerbungen vor.", 28, "de"),
        report_item("netzpolitik.org", "LinkedIn-Wochenrückblick: KI-Assistent für Recruiter und ein Video-Tab",
                    "Die Neuerungen der Woche: ein KI-Assistent für Recruiter, ein Tab für Videos.", 3, "de"))
    assert single_en == single_de
    assert roundup != single_en


def test_two_dates_in_the_titles_are_two_stories(store):
    june, september = clusters(
        store,
        report_item("t3n", "WhatsApp: Ab 1. Juni kein Support mehr für ältere Smartphones",
                    "Wer ein altes Gerät nutzt, muss umsteigen.", 30, "de"),
        report_item("heise online", "WhatsApp: Ab 1. September kein Support mehr für ältere Smartphones",
                    "Wer ein altes Gerät nutzt, muss umsteigen.", 3, "de"))
    assert june != september


def test_reports_further_apart_than_the_window_are_two_stories(store):
    german = report_item(*X_FINE_DE)
    late = report_item(*X_FINE_EN)
    late.published = german.published + timedelta(days=9)
    first, second = clusters(store, german, late, now=late.published)
    assert first != second


def test_the_window_is_counted_from_publication_not_from_the_run():
    """One run can bring a backlog of months: reports of one day meet, of other months not."""
    index = StoryIndex()
    when = datetime(2026, 1, 5, tzinfo=UTC)
    index.add(1, 1, report(X_FINE_DE[1], X_FINE_DE[2], lang="de", when=when))
    assert index.match(report(X_FINE_EN[1], X_FINE_EN[2], lang="en", when=when + timedelta(days=2))) == 1
    assert index.match(report(X_FINE_EN[1], X_FINE_EN[2], lang="en", when=when + timedelta(days=60))) is None


def test_a_report_kept_in_the_index_weighs_and_matches_as_it_did_when_new():
    """The index keeps a report compact (tokens as a tuple, weights as codes: a third of the memory);
    its weights, and so every similarity, must be those of the report as it was read."""
    when = datetime(2026, 1, 5, tzinfo=UTC)
    fresh = report(X_FINE_DE[1], X_FINE_DE[2], lang="de", when=when)
    kept = report(X_FINE_DE[1], X_FINE_DE[2], lang="de", when=when)
    english = report(X_FINE_EN[1], X_FINE_EN[2], lang="en", when=when)
    index, plain = StoryIndex(), StoryIndex()
    before = plain.similarity(fresh, english)
    index.add(1, 1, kept)
    assert isinstance(kept.tokens, tuple) and len(kept.codes) == len(kept.tokens)
    assert dict(zip(kept.tokens, kept.codes)) and isinstance(fresh.tokens, dict)
    assert index.weighed(kept).vector == pytest.approx(index.weighed(fresh).vector)
    assert before > 0.2 and index.match(english) == 1


def test_a_stored_report_weighed_only_where_it_shares_tokens_scores_as_when_weighed_whole():
    """Candidates are weighed only on the tokens they share with the new report (and their totals,
    kept): the similarity must be the one of the whole weights."""
    from monitor.stories.clusters import _ruzicka
    when = datetime(2026, 1, 5, tzinfo=UTC)
    index = StoryIndex()
    index.add(1, 1, report(X_FINE_DE[1], X_FINE_DE[2], lang="de", when=when))
    index.add(2, 2, report("TikTok testet längere Videos", "Bis zu 60 Minuten für einige Nutzer.", lang="de",
                           when=when))
    for cross, new in ((True, report(X_FINE_EN[1], X_FINE_EN[2], lang="en", when=when)),
                       (False, report("Brüssel: 120 Millionen Euro Strafe gegen X", "Das blaue Häkchen täusche.",
                                      lang="de", when=when))):
        mine = index.weighed(new)
        whole = _ruzicka(mine, index.weighed(index.reports[1]), cross)
        first = _ruzicka(mine, index._stored(1, mine), cross)         # weighed whole, totals kept
        again = _ruzicka(mine, index._stored(1, mine), cross)         # only the shared tokens weighed
        assert whole > 0.2 and first == pytest.approx(whole, abs=1e-12) and again == pytest.approx(whole, abs=1e-12)


def test_amounts_dates_and_legal_words_read_alike_in_both_languages():
    german = report("Bußgeld von 1,2 Mrd. Euro: DSGVO-Verstoß, gilt ab 3. November", "", lang="de")
    english = report("€1.2bn GDPR fine, applies from November 3rd", "", lang="en")
    shared = set(german.tokens) & set(english.tokens)
    assert {"n:1.2e+09", "#gdpr", "~fine", "d:11-3"} <= shared
    assert german.money == english.money == (("eur", 1.2e9),)


# ---------------------------------------------------------------------- "auch bei: …"

def one_story_from_four_sources(store) -> list[Item]:
    """One story: t3n first, then Reuters, heise twice (an update), The Verge."""
    told = [("t3n", "Threads startet Communities", "Metas Dienst führt Themengruppen ein, über 100 zum Start.", "de"),
            ("Reuters", "Threads launches Communities", "More than 100 topic communities at launch.", "en"),
            ("heise online", "Threads Communities: Themengruppen für alle",
             "Mehr als 100 Communities stehen zum Start bereit.", "de"),
            ("heise online", "Update: Threads Communities jetzt auch in Deutschland",
             "Die über 100 Communities sind nun auch hierzulande verfügbar.", "de"),
            ("The Verge", "Threads now has communities", "Meta says more than 100 communities are live.", "en")]
    return store.add_items([report_item(source, title, summary, 9 - n, lang, platforms=["threads"],
                                        tags=["feature_rollout"], scores={"feature_rollout": 0.9})
                            for n, (source, title, summary, lang) in enumerate(told)], now=NOW)


def test_the_digest_names_the_other_sources_of_a_story_once(store):
    added = one_story_from_four_sources(store)
    assert len({it.cluster for it in added}) == 1
    digest = build_digest(store, config(), store.digest_candidates("team"), now=NOW, base_url=None, t=Translator("de"))
    [entry] = [e for s in digest.sections for g in s.groups for e in g.entries]
    assert entry.item.source == "t3n"
    assert entry.also_at == ["Reuters", "heise online", "The Verge"] and entry.also == 3
    text, html = render_text(digest, Translator("de")), render_html(digest, Translator("de"))
    line = "auch gemeldet von 3 weiteren Quellen: Reuters, heise online, The Verge"
    assert text.count(line) == 1 and html.count(line) == 1


def test_the_archive_names_the_other_sources_of_a_story_once(store, tmp_path):
    one_story_from_four_sources(store)
    with running(create_app(config(), store, home=tmp_path / "home")) as client:
        page = BeautifulSoup(client.get("/").text, "html.parser")
    [row] = page.select("li.item-row")
    shown = row.select_one("p.meta a.source").get_text(strip=True)
    others = sorted({"t3n", "Reuters", "heise online", "The Verge"} - {shown})
    assert row.select_one("p.meta .also").get_text(strip=True) == f"auch bei: {', '.join(others)}"
    assert row.select_one("details.story summary").get_text(strip=True) == "auch berichtet von 3 weiteren Quellen"
    assert len(row.select("ul.reports li")) == 4


def test_a_story_is_found_among_hundreds_of_reports_sharing_its_common_words():
    """The index keeps postings only for tokens rare enough to find candidates: a token in more
    than COMMON reports drops its postings, and the story is still found by its rare tokens."""
    from monitor.stories.clusters import COMMON
    index = StoryIndex()
    when = datetime(2026, 1, 5, tzinfo=UTC)
    index.add(1, 1, report(X_FINE_DE[1], X_FINE_DE[2], lang="de", when=when))
    for n in range(2, COMMON + 12):     # other news of the day, all naming one platform
        index.add(n, n, report(f"Instagram testet Funktion Nummer{n} für Reels", "", lang="de",
                               platforms=["instagram"], when=when))
    assert index.df["@instagram"] > COMMON
    assert not any("@instagram" in by_token for by_token in index.postings.values())
    assert index.match(report(X_FINE_EN[1], X_FINE_EN[2], lang="en", when=when + timedelta(hours=5))) == 1
    shared = {id(index.reports[n].parties) for n in range(2, COMMON + 12)}
    assert len(shared) == 1            # one set object for equal sets across the index
