"""Boilerplate sentences are dropped in one pass: the same result as the plain
whole-sentence pattern, without its cost on long sentences (it backtracks at every
character, so a long feed summary ending in "Read more" cost milliseconds per item)."""

from __future__ import annotations

import random
import re
import time
import unicodedata

from classifiers.text import _BOILERPLATE, _TRAILING_LINK, strip_boilerplate

# The definition: a run without stops, a boilerplate phrase, the rest of the sentence and its stops.
REFERENCE = re.compile(rf"[^.!?\n…\]]*\b(?:{_BOILERPLATE})\b[^.!?\n…\]]*(?:[.!?…\]]+|$)", re.IGNORECASE)
PIECES = ["read more", "Read More", "weiterlesen", "subscribe to our newsletter", "our newsletter", ".", "!", "?",
          "\n", " ", "Plattform", "neue Regeln", "xread more", "read morex", "...", "é", "Abonniere", "a.b", "?!",
          "erschien zuerst auf", "Reels für alle", "…", " […]", "[...]", "]", "Weiterlesen", " »"]


def test_same_sentences_dropped_as_the_definition_says() -> None:
    rng = random.Random(15)
    for _ in range(20_000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 14)))
        if "|" not in text:
            expected = REFERENCE.sub(" ", _TRAILING_LINK.sub(" ", text))   # a link's words at the end go alone
            assert strip_boilerplate(text) == expected, text


def test_long_sentence_with_a_phrase_costs_one_pass() -> None:
    words = "Die Plattform testet eine neue Funktion für ausgewählte Konten und Kanäle "
    text = words * 2000 + "read more"          # 150,000 characters without a stop
    started = time.process_time()
    assert strip_boilerplate(text).strip() == ""
    assert strip_boilerplate("Neu bei Reels. " + text + ". Danach mehr.") == "Neu bei Reels.  Danach mehr."
    assert time.process_time() - started < 1.0


def test_an_excerpt_cut_with_an_ellipsis_keeps_its_last_sentence() -> None:
    """WordPress ends a feed's excerpt with " […]" and appends "The post <title> appeared first on
    <site>." in the same line; "… Weiterlesen" and "[...] Continue reading" are as common. The
    excerpt is the news; only the footer goes, also where the repeated title has stops of its own."""
    excerpt = "Instagram gibt Creatorn ab sofort eine Planung für Reels an die Hand, zunächst in Deutschland"
    footers = [" […] Der Beitrag Instagram: Was ist neu? Reels lassen sich planen erschien zuerst auf Agenturblog.",
               " [&hellip;] The post Reels can be scheduled appeared first on Brand Notes.",
               " … Weiterlesen »", " [...] Continue reading →"]
    for footer in footers:
        kept = strip_boilerplate(excerpt + footer)
        assert kept.startswith(excerpt), footer
        assert not {"erschien", "appeared", "Weiterlesen", "Continue", "Agenturblog", "Notes", "neu"} & set(
            re.findall(r"\w+", kept[len(excerpt):])), footer


def test_photo_credits_and_datelines_go_and_news_words_stay() -> None:
    """A photo credit and an agency's dateline say nothing about a change; words that look like
    them inside the news ("Photos", "Bild-Zeitung", a law's acronym before a dash) stay."""
    assert strip_boilerplate("BERLIN (dpa) - Die Plattform testet Reels. (Foto: dpa)").split() == [
        "Die", "Plattform", "testet", "Reels."]
    assert strip_boilerplate("NEW YORK (Reuters) — Meta said. Image credit: Getty Images").split() == ["Meta", "said."]
    assert strip_boilerplate("LONDON — X will cut reach. © Brand Notes").split() == ["X", "will", "cut", "reach."]
    for kept in ("DSGVO – Bußgeld gegen einen Shop", "USA - TikTok wird verboten",
                 "Photos app gets albums: Apple adds a feature", "Die Bild-Zeitung berichtet über Instagram.",
                 "Instagram: Fotos lassen sich jetzt als Karussell teilen."):
        assert strip_boilerplate(kept) == kept


def test_stock_photo_credits_and_editors_marks_go() -> None:
    """Blogs credit their stock photo at the top ("Photo by … on Unsplash"), editors mark updates and
    formats in brackets ("[Update – 01. März 2018]", "(Video)"): neither says what changed. A mark that
    says what kind of text follows ("[Anzeige]") stays, and so do brackets with news in them."""
    from classifiers.furniture import strip_editor_marks

    assert strip_boilerplate("Photo by Jane Doe on Unsplash Instagram adds a scheduling option.").split() == [
        "Instagram", "adds", "a", "scheduling", "option."]
    assert strip_boilerplate("© wolterke | depositphotos.com Facebook beendet den Test.").split() == [
        "Facebook", "beendet", "den", "Test."]
    assert strip_boilerplate("Courtesy of Facebook\nFacebook changes the feed.").split() == [
        "Facebook", "changes", "the", "feed."]
    assert strip_editor_marks("[UPDATE] Facebook und die organische Reichweite (Video)").split() == [
        "Facebook", "und", "die", "organische", "Reichweite"]
    for kept in ("[Anzeige] Die besten Tools für Reels", "Meta (Facebook, Instagram) muss zahlen",
                 "Instagram testet Live-Videos (in Deutschland)", "Die Plattform nutzt Fotos von Nutzern auf Instagram."):
        assert strip_editor_marks(strip_boilerplate(kept)) == kept


def test_bylines_reading_times_and_sources_go_and_sentences_like_them_stay() -> None:
    assert strip_boilerplate("By Jane Doe | Brand Notes | Aug 2, 2021 Facebook changes the feed.").split() == [
        "Facebook", "changes", "the", "feed."]
    assert strip_boilerplate("Von Anna Berger, 16. September 2022 Instagram testet Reels.").split() == [
        "Instagram", "testet", "Reels."]
    assert strip_boilerplate("Lesezeit: 3 Min. [ad_1] Meta kürzt die Reichweite. Quelle: Agenturblog").split() == [
        "Meta", "kürzt", "die", "Reichweite."]
    for kept in ("Von der Leyen kündigt an, dass die EU den DSA durchsetzt.", "By 2025, all brands must label ads.",
                 "Die Quelle: ein Leak bei X.", "Via Instagram lassen sich jetzt Reels planen.",
                 "Creators watched 5 minutes of ads before the change."):
        assert strip_boilerplate(kept) == kept


def test_hostile_furniture_costs_little() -> None:
    """Feed text is untrusted: runs of separators after "By", brackets after a capital, a credit word
    repeated do not make the furniture patterns backtrack (each took up to 7 ms before the byline's
    name was kept free of separators)."""
    hostile = ["By " + "a," * 300, "Von " + "x - " * 200, "By " + "a|" * 300, "Photo by " + "a " * 300 + " on",
               "© " + "a|" * 300, "BERLIN " + "(" * 300, "Bild: x. " * 100, "[update" + " x" * 300]
    for text in hostile:
        started = time.process_time()
        for _ in range(10):
            strip_boilerplate(text[:600])
        assert time.process_time() - started < 0.03, text[:20]     # "Von x - x - …" took 0.07 s before


def test_a_link_at_the_very_end_goes_alone() -> None:
    """"… Read more" after an excerpt without a stop: the excerpt is the news and stays."""
    for text in ("Instagram lets creators schedule Reels, rolling out today Read more",
                 "Instagram lässt Creator Reels planen, zunächst in Deutschland Weiterlesen »",
                 "Instagram lets creators schedule Reels Continue reading →"):
        kept = strip_boilerplate(text).split()
        assert kept[:4] in (["Instagram", "lets", "creators", "schedule"], ["Instagram", "lässt", "Creator", "Reels"])
        assert not {"Read", "more", "Weiterlesen", "Continue", "reading"} & set(kept)


def test_text_as_feeds_and_apis_hand_it_over_reads_as_plain_text() -> None:
    """Decomposed umlauts, markup tags, links and a site's address are read as the plain words
    they stand for or not at all; "p", "strong", "heise" and "com" are not words of the item."""
    from classifiers.features import parse
    plain = parse({"title": "Für Händler gilt ab heute eine neue Pflicht", "summary": "Die Regel gilt für alle Shops.",
                   "lang": "de"})
    decomposed = parse({"title": unicodedata.normalize("NFD", "Für Händler gilt ab heute eine neue Pflicht"),
                        "summary": unicodedata.normalize("NFD", "Die Regel gilt für alle Shops."), "lang": "de"})
    assert decomposed == plain and "fuer" in plain.title
    marked_up = parse({"title": "Für Händler gilt ab heute eine neue Pflicht",
                       "summary": "<p><strong>Die Regel</strong> gilt für alle Shops.</p>", "lang": "de"})
    assert marked_up == plain
    linked = parse({"title": "Für Händler gilt ab heute eine neue Pflicht",
                    "summary": "Die Regel gilt für alle Shops. https://t.co/Ab12Cd via heise.de www.example.org/x",
                    "lang": "de"})
    assert linked.summary == plain.summary + ["via"]


def test_a_summary_that_repeats_its_title_is_read_from_after_it() -> None:
    from classifiers.features import parse
    title = "Instagram testet eine neue Ansicht für Reels"
    apart = parse({"title": title, "summary": "Zunächst in Kanada.", "lang": "de"})
    repeated = parse({"title": title, "summary": f"{title}. Zunächst in Kanada.", "lang": "de"})
    derived = parse({"title": "Wir starten heute eine neue Funktion für alle Creator in…",
                     "summary": "Wir starten heute eine neue Funktion für alle Creator in Deutschland.", "lang": "de"})
    assert repeated == apart
    assert derived.summary == ["deutschland"]
    short = parse({"title": "Instagram", "summary": "Instagram testet eine neue Ansicht.", "lang": "de"})
    assert short.summary[0] == "instagram"                     # a one-word title may begin a summary of its own
