"""The daily digest: what is in it, in which order, and that each item is digested once per target."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup

from monitor.config import Config, Source
from monitor.i18n import Translator
from monitor.item import Item
from monitor.store import FetchOutcome, Store
from monitor.tell.deliver import Sender
from monitor.tell.digest import render_html, render_text, send_digest
from monitor.tell.digest_content import build_digest
from monitor.tell.retry import NO_RETRY
from tests import busy_day

NOW = datetime(2026, 11, 21, 6, 30, tzinfo=UTC)
SOURCES = [{"name": name, "url": f"https://{slug}.example.org/feed", "category": cat}
           for name, slug, cat in (("Dr. Schwenke", "schwenke", "legal"), ("Meta Newsroom", "meta", "platform"),
                                   ("t3n", "t3n", "industry"), ("TikTok Newsroom", "tiktok", "platform"))]


def make_config(url: str = "", language: str = "de", **settings) -> Config:
    digest = {"notify": ["team"], **settings.pop("digest", {})}
    return Config.model_validate({
        "settings": {"language": language, "digest": digest, "web": {"base_url": "https://lb.example.org"},
                     **settings},
        "notify": {"team": url}, "sources": SOURCES})


def add(store: Store, *specs: tuple, fetched: datetime = NOW - timedelta(hours=2)) -> list[Item]:
    """specs: (source, title, {tag: score}, [platforms], optional canonical URL)."""
    items = []
    for n, (source, title, tags, platforms, *url) in enumerate(specs):
        link = url[0] if url else f"https://example.org/{re.sub(r'[^a-z0-9]+', '-', title.lower())}/"
        items.append(Item(source=source, title=title, url=link, canonical_url=link, tags=list(tags), scores=tags,
                          platforms=platforms, summary=f"{title}.",
                          published=fetched - timedelta(minutes=n)))
    return store.add_items(items, now=fetched)


@pytest.fixture
def store(sqlite_store):
    """The four sources of the digest, on SQLite."""
    sqlite_store.sync_sources(list(make_config().sources))
    return sqlite_store


STANDARD = [
    ("t3n", "Die 10 besten Planungstools", {}, []),
    ("Meta Newsroom", "Trial Reels für alle Profikonten", {"feature_rollout": 0.9}, ["instagram"]),
    ("t3n", "LinkedIn plant Beiträge jetzt mobil", {"feature_rollout": 0.8}, ["linkedin"]),
    ("Meta Newsroom", "Instagram bevorzugt Originalinhalte im Feed", {"algorithm_reach_change": 0.9}, ["instagram"]),
    ("Dr. Schwenke", "BGH: Impressum auch auf Instagram", {"legal_change": 0.95}, ["instagram"]),
    ("TikTok Newsroom", "TikTok Footnotes starten", {"feature_rollout": 0.85}, ["tiktok"]),
]


def heading_positions(html: str, headings: list[str]) -> list[int]:
    return [html.index(f">{h} <") if f">{h} <" in html else html.index(f">{h}<") for h in headings]


def card_titles(html: str) -> list[str]:
    """The title of every card (full entry) in a digest's HTML, as a reader sees it."""
    return [a.get_text() for a in BeautifulSoup(html, "html.parser").select("table.card a.t")]


# --------------------------------------------------------------------------- content and order

def test_parts_come_important_reach_features_other_then_failing_sources(store, tmp_path):
    add(store, *STANDARD)
    store.record_fetch("TikTok Newsroom", FetchOutcome(ok=False, status=503, error="HTTP 503 Service Unavailable"),
                       timedelta(minutes=30), now=NOW - timedelta(days=2))
    out = tmp_path / "digest.html"
    report = send_digest(store, make_config(), Sender(), output=out, now=NOW)
    html = out.read_text()
    assert report.exit_code == 0 and report.path == out
    order = ["Das Wichtigste", "Reichweite &amp; Algorithmus", "Neue Funktionen", "Sonstiges aus den Quellen",
             "Quellen mit Störung"]
    positions = heading_positions(html, order)
    assert positions == sorted(positions)
    assert positions[0] < html.index("BGH: Impressum auch auf Instagram") < positions[1]    # the legal change leads
    assert "Serverfehler (HTTP 503)" in html and "gestört seit 19.11.2026" in html    # words, in German
    assert "Service Unavailable" not in html
    assert "https://lb.example.org/items/" in html
    from bs4 import BeautifulSoup
    headings = [h.get_text(" ", strip=True) for h in BeautifulSoup(html, "html.parser").find_all("h2")]
    assert headings[0].startswith("Das Wichtigste"), "screen readers jump from section to section"
    assert "für Ihr Social-Media-Team" in html, "Sie, as the archive says it"


def test_items_are_grouped_by_platform_with_the_team_platforms_first(store):
    features = [("t3n", f"{name} testet Funktion {n}", {"feature_rollout": 0.8}, [code])
                for code, name, count in (("instagram", "Instagram", 2), ("linkedin", "LinkedIn", 3),
                                          ("tiktok", "TikTok", 3)) for n in range(count)]
    add(store, *features, ("t3n", "Neues für Firmen ohne Plattformbezug", {"feature_rollout": 0.7}, []))
    cfg = make_config(platforms=["tiktok", "linkedin"])
    digest = build_digest(store, cfg, store.digest_candidates("team"), now=NOW, base_url=None, t=Translator("de"))
    block, rest = digest.sections
    assert [e.item.platforms[0] for e in block.entries] == ["tiktok"] * 3 + ["linkedin"] * 2
    assert [e.reason for e in block.entries] == ["Ihre Plattform: TikTok"] * 3 + ["Ihre Plattform: LinkedIn"] * 2
    assert rest.key == "feature_rollout" and rest.above == 5
    assert [g.label for g in rest.groups] == ["LinkedIn", "Instagram", "Allgemein"]


def test_hide_other_platforms_keeps_general_news_and_says_how_many_were_hidden(store):
    add(store, *STANDARD)
    cfg = make_config(platforms=["linkedin"], hide_other_platforms=True)
    digest = build_digest(store, cfg, store.digest_candidates("team"), now=NOW, base_url=None, t=Translator("en"))
    assert sorted(digest.titles) == ["Die 10 besten Planungstools", "LinkedIn plant Beiträge jetzt mobil"]
    assert digest.hidden == 4
    assert "4 items about other platforms hidden." in render_text(digest, Translator("en"))


def test_long_parts_are_cut_yet_every_title_stays_in_the_digest(store):
    tools = ["Planungstool", "Statistik-Tab", "Entwurfsordner", "Teamfreigabe", "Link-Sticker", "Quizfunktion",
             "Untertitel-Editor", "Vorlagen-Galerie", "Kommentarfilter", "Sendezeit-Tipp"]
    features = [("t3n", f"Pinterest bringt {tool}", {"feature_rollout": 0.9}, ["pinterest"]) for tool in tools]
    add(store, *features)
    cfg = make_config(digest={"max_per_section": 3})
    digest = build_digest(store, cfg, store.digest_candidates("team"), now=NOW, base_url="https://lb.example.org",
                          t=Translator("de"))
    [part] = digest.sections
    assert sum(len(g.entries) for g in part.groups) == 3 and len(part.cut) == 7
    html, text = render_html(digest, Translator("de")), render_text(digest, Translator("de"))
    assert "7 weitere im Archiv</a> · kurz aufgeführt unter „Weitere Meldungen“" in html
    assert 'href="https://lb.example.org/?tag=feature_rollout"' in html
    assert "WEITERE MELDUNGEN (7)" in text
    for _, title, _, _ in features:
        assert title in html and title in text


def test_legal_changes_are_never_cut_however_many(store):
    topics = ["Impressumspflicht", "Cookie-Banner", "Urheberrecht bei Memes", "Gewinnspiele", "Influencer-Kennzeichnung",
              "Datentransfer USA", "Jugendschutz", "Barrierefreiheit", "Bewertungen kaufen", "Plattformsperre"]
    rulings = [("Dr. Schwenke", f"{court} zu {topic}", {"legal_change": 0.9}, ["instagram"])
               for topic, court in zip(topics, ["BGH", "EuGH", "OLG Köln", "LG Berlin", "OLG München", "BVerfG",
                                                "LG Hamburg", "OVG Münster", "AG Bonn", "KG Berlin"])]
    add(store, *rulings)
    digest = build_digest(store, make_config(digest={"max_per_section": 3}), store.digest_candidates("team"),
                          now=NOW, base_url="https://lb.example.org", t=Translator("de"))
    html = render_html(digest, Translator("de"))
    block, legal = digest.sections
    assert (block.key, len(block.entries), legal.key, len(legal.entries)) == ("important", 5, "legal_change", 5)
    assert legal.cut == [] and digest.more == [] and "Weitere Meldungen" not in html
    assert sorted(card_titles(html)) == sorted(title for _, title, _, _ in rulings)


def test_one_story_from_several_sources_is_shown_once_with_the_others_beneath(store):
    link = "https://about.fb.com/news/2026/11/trial-reels/"
    add(store, ("Meta Newsroom", "Introducing trial reels", {"feature_rollout": 0.9}, ["instagram"], link),
        ("t3n", "Instagram startet Trial Reels", {"feature_rollout": 0.8}, ["instagram"], link))
    digest = build_digest(store, make_config(), store.digest_candidates("team"), now=NOW, base_url=None,
                          t=Translator("de"))
    [features] = digest.sections
    [[entry]] = [g.entries for g in features.groups]
    assert entry.also == 1 and len(entry.related) == 1
    text = render_text(digest, Translator("de"))
    assert "auch gemeldet von 1 weiteren Quelle" in text
    assert "Introducing trial reels" in text and "Instagram startet Trial Reels" in text


@pytest.mark.parametrize("language, subject, words", [
    ("de", "Lagebild 21.11.: 1 Rechtsänderung, 1 Reichweitenänderung, 3 neue Funktionen",
     ["6 neue Meldungen seit dem letzten Lagebild.", "Samstag, 21. November 2026", "Im Archiv"]),
    ("en", "Lagebild 21 Nov: 1 legal change, 1 reach change, 3 new features",
     ["6 new items since the last digest.", "Saturday, 21 November 2026", "In the archive"]),
])
def test_subject_and_words_follow_the_configured_language(store, language, subject, words):
    add(store, *STANDARD)
    t = Translator(language)
    digest = build_digest(store, make_config(language=language), store.digest_candidates("team"), now=NOW,
                          base_url="https://lb.example.org", t=t)
    assert digest.subject == subject
    html = render_html(digest, t)
    assert f'<html lang="{language}">' in html
    for word in words:
        assert word in html


def test_a_day_with_only_untagged_items_says_so_in_the_subject(store):
    add(store, ("t3n", "Interview mit einer Agentur", {}, []), ("t3n", "Konferenzbericht", {}, []))
    digest = build_digest(store, make_config(), store.digest_candidates("team"), now=NOW, base_url=None,
                          t=Translator("de"))
    assert digest.subject == "Lagebild 21.11.: 2 weitere Meldungen"


def test_titles_are_escaped_in_html(store):
    add(store, ("t3n", "Neu: <script>alert(1)</script> & mehr", {"feature_rollout": 0.9}, []))
    html = render_html(build_digest(store, make_config(), store.digest_candidates("team"), now=NOW, base_url=None,
                                    t=Translator("de")), Translator("de"))
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; & mehr" in html


# --------------------------------------------------------------------------- once per item and target

def test_a_second_digest_right_after_sends_nothing_and_new_items_come_next_time(store, webhook):
    receiver = webhook()
    cfg = make_config(receiver.url)
    add(store, *STANDARD)
    assert send_digest(store, cfg, Sender(timeout=5), now=NOW).exit_code == 0
    second = send_digest(store, cfg, Sender(timeout=5), now=NOW + timedelta(minutes=1))
    assert second.exit_code == 0 and len(receiver.posts) == 1
    assert "nichts Neues" in " ".join(second.lines)
    add(store, ("t3n", "Threads testet Hashtag-Feeds", {"feature_rollout": 0.8}, ["threads"]), fetched=NOW)
    assert send_digest(store, cfg, Sender(timeout=5), now=NOW + timedelta(hours=1)).exit_code == 0
    assert len(receiver.posts) == 2
    third = receiver.posts[1]["message"]
    assert "Threads testet Hashtag-Feeds" in third and "Trial Reels für alle Profikonten" not in third


def test_a_failing_target_keeps_its_items_for_the_next_try(store, webhook):
    receiver = webhook(fail=1)
    cfg = make_config(receiver.url)
    add(store, *STANDARD)
    failed = send_digest(store, cfg, Sender(timeout=5, retry=NO_RETRY), now=NOW)    # a blip outlasting the run
    assert failed.exit_code == 1 and "HTTP 500" in failed.failed["team"]
    assert len(store.digest_candidates("team")) == len(STANDARD)
    assert send_digest(store, cfg, Sender(timeout=5), now=NOW + timedelta(minutes=5)).exit_code == 0
    assert all(title in receiver.posts[1]["message"] for _, title, _, _ in STANDARD)
    assert store.digest_candidates("team") == []


def test_output_and_dry_run_mark_nothing(store, webhook, tmp_path):
    receiver = webhook()
    cfg = make_config(receiver.url)
    add(store, *STANDARD)
    out = tmp_path / "preview.html"
    printed: list[str] = []
    report = send_digest(store, cfg, Sender(), output=out, dry_run=True, now=NOW, echo=printed.append)
    assert report.exit_code == 0 and receiver.posts == []
    assert all(title in out.read_text() and title in printed[0] for _, title, _, _ in STANDARD)
    assert len(store.digest_candidates("team")) == len(STANDARD)
    send_digest(store, cfg, Sender(timeout=5), now=NOW)
    assert len(receiver.posts) == 1


def test_since_limits_the_digest_to_recently_fetched_items(store, tmp_path):
    add(store, ("t3n", "Alte Meldung", {"feature_rollout": 0.9}, []), fetched=NOW - timedelta(days=3))
    add(store, ("t3n", "Neue Meldung", {"feature_rollout": 0.9}, []), fetched=NOW - timedelta(hours=1))
    out = tmp_path / "d.html"
    send_digest(store, make_config(), Sender(), since=timedelta(hours=24), output=out, now=NOW)
    assert "Neue Meldung" in out.read_text() and "Alte Meldung" not in out.read_text()


# --------------------------------------------------------------------------- empty days

def test_an_empty_day_sends_nothing_unless_asked(store, webhook):
    receiver = webhook()
    report = send_digest(store, make_config(receiver.url), Sender(timeout=5), now=NOW)
    assert report.exit_code == 0 and receiver.posts == []


def test_an_empty_day_sends_one_short_note_when_asked(store, webhook):
    receiver = webhook()
    cfg = make_config(receiver.url, digest={"send_empty": True})
    assert send_digest(store, cfg, Sender(timeout=5), now=NOW).exit_code == 0
    [note] = receiver.posts
    assert note["title"] == "Lagebild 21.11.: nichts Neues" and "Heute nichts Neues" in note["message"]
    send_digest(store, cfg, Sender(timeout=5), now=NOW + timedelta(minutes=5))
    assert len(receiver.posts) == 1                               # not one note per manual run
    send_digest(store, cfg, Sender(timeout=5), now=NOW + timedelta(days=1))
    assert len(receiver.posts) == 2


def test_a_disabled_digest_target_keeps_everything_pending(store):
    add(store, *STANDARD)
    report = send_digest(store, make_config(""), Sender(), now=NOW)
    assert report.exit_code == 0 and "deaktiviert" in report.lines[0]
    assert len(store.digest_candidates("team")) == len(STANDARD)


# --------------------------------------------------------------------------- chat targets

class ShortMessages(Sender):
    """A real sender whose target takes only short messages (as Discord or Telegram do)."""

    def max_body(self, url: str) -> int:
        return 700


def test_a_digest_too_long_for_the_service_goes_out_in_parts_naming_each_item_once(store, webhook):
    receiver = webhook()
    add(store, *STANDARD)
    report = send_digest(store, make_config(receiver.url), ShortMessages(timeout=5), now=NOW)
    assert report.exit_code == 0 and len(receiver.posts) > 1
    assert all(len(p["message"]) <= 700 for p in receiver.posts)
    assert receiver.posts[0]["title"].endswith(f"(Teil 1/{len(receiver.posts)})")
    for _, title, _, _ in STANDARD:
        assert sum(title in p["message"] for p in receiver.posts) == 1


def test_titles_with_quotes_and_ampersands_stay_findable_in_the_html_file(store, tmp_path):
    titles = ["Meta's \"Edits\" app: what's new", "Q&A: TikTok Shop in Deutschland", "AT&amp;T &copy notice"]
    add(store, *[("t3n", title, {"feature_rollout": 0.9}, []) for title in titles])
    out = tmp_path / "d.html"
    send_digest(store, make_config(), Sender(), output=out, now=NOW)
    html = out.read_text()
    assert titles[0] in html and titles[1] in html                 # no needless &#39; or &amp;
    assert "AT&amp;amp;T &amp;copy notice" in html                   # would be misread as entities: escaped


# --------------------------------------------------------------------------- the important first

def test_das_wichtigste_orders_page_changes_legal_team_platforms_then_widely_reported_stories(store):
    """Reasons in the issue's order, whatever the platform groups; tips and other platforms' news stay out."""
    story = "https://newsroom.tiktok.com/footnotes-everywhere"
    webinar = "https://events.example.org/linkedin-ads-webinar"         # untagged, however many repeat it
    webinars = add(store, *[(source, f"Webinar: LinkedIn-Anzeigen ({source})", {}, ["linkedin"], webinar)
                            for source in ("t3n", "Meta Newsroom", "Dr. Schwenke")])
    assert len({w.cluster for w in webinars}) == 1
    add(store, ("t3n", "Zehn Tipps für LinkedIn-Karussells", {}, ["linkedin"]),
        ("t3n", "TikTok öffnet Footnotes für alle", {"feature_rollout": 0.8}, ["tiktok"], story),
        ("Meta Newsroom", "TikTok Footnotes roll out to everyone", {"feature_rollout": 0.8}, ["tiktok"], story),
        ("TikTok Newsroom", "TikTok Footnotes für alle", {"feature_rollout": 0.9}, ["tiktok"], story),
        ("t3n", "LinkedIn plant Beiträge jetzt mobil", {"feature_rollout": 0.8}, ["linkedin"]),
        ("Meta Newsroom", "Instagram bevorzugt Original-Reels", {"algorithm_reach_change": 0.9}, ["instagram"]),
        ("Dr. Schwenke", "BGH: Impressum auch auf Instagram", {"legal_change": 0.95}, ["instagram"]))
    [page] = store.add_items([Item(source="Meta Newsroom", title="Instagram: Nutzungsbedingungen geändert",
                                   url="https://help.instagram.com/terms", kind="change", tags=["legal_change"],
                                   scores={"legal_change": 1.0}, platforms=["instagram"], published=NOW,
                                   summary="Geändert: „… mindestens [13 → 16] Jahre …“")], now=NOW)
    t = Translator("de")
    digest = build_digest(store, make_config(platforms=["linkedin"]), store.digest_candidates("team"), now=NOW,
                          base_url="https://lb.example.org", t=t)
    block = digest.sections[0]
    assert [(e.item.title, e.reason) for e in block.entries] == [
        ("Instagram: Nutzungsbedingungen geändert", "Seite geändert"),
        ("BGH: Impressum auch auf Instagram", "Rechtsänderung"),
        ("LinkedIn plant Beiträge jetzt mobil", "Ihre Plattform: LinkedIn"),
        ("TikTok Footnotes für alle", "3 Quellen berichten")]
    html, text = render_html(digest, t), render_text(digest, t)
    assert card_titles(html)[:4] == [e.item.title for e in block.entries]
    assert f'href="https://lb.example.org/items/{page.id}" class="t"' in html     # a page change opens its diff
    assert text.index("== DAS WICHTIGSTE ==") < text.index("Instagram: Nutzungsbedingungen geändert") \
        < text.index("BGH: Impressum") < text.index("== REICHWEITE")
    assert text.count("* BGH: Impressum auch auf Instagram") == 1              # shown once, not again in its part
    english = Translator("en")
    digest = build_digest(store, make_config(language="en", platforms=["linkedin"]), store.digest_candidates("team"),
                          now=NOW, base_url=None, t=english)
    assert ">Most important <" in render_html(digest, english)
    assert [e.reason for e in digest.sections[0].entries] == ["Page changed", "Legal change",
                                                               "Your platform: LinkedIn", "Reported by 3 sources"]


def test_the_archive_home_shows_the_same_important_stories(store, tmp_path):
    from monitor.tell import important
    from monitor.web import create_app
    from tests.servers import running

    add(store, ("t3n", "Zehn Tipps für LinkedIn-Karussells", {}, ["linkedin"]),
        ("t3n", "LinkedIn plant Beiträge jetzt mobil", {"feature_rollout": 0.8}, ["linkedin"]),
        ("Dr. Schwenke", "BGH: Impressum auch auf Instagram", {"legal_change": 0.95}, ["instagram"]),
        fetched=datetime.now(UTC) - timedelta(hours=2))
    cfg = make_config(platforms=["linkedin"])
    digest = build_digest(store, cfg, store.digest_candidates("team"), now=datetime.now(UTC), base_url=None,
                          t=Translator("de"))
    assert important.recent(store, datetime.now(UTC), ["linkedin"])          # the one module both ask
    with running(create_app(cfg, store, home=tmp_path / "home")) as client:
        home = BeautifulSoup(client.get("/").text, "html.parser")
        filtered = BeautifulSoup(client.get("/?tag=feature_rollout").text, "html.parser")
    rows = home.select("section.important li.important-row")
    assert [r.select_one("a").get_text(strip=True) for r in rows] == [e.item.title for e in digest.sections[0].entries]
    assert [r.select_one(".badge").get_text(strip=True) for r in rows] == ["Rechtsänderung", "Ihre Plattform: LinkedIn"]
    assert home.select_one("section.important h2").get_text(" ", strip=True).startswith("Das Wichtigste")
    assert filtered.select("section.important") == []                 # a filtered view is the reader's own


# --------------------------------------------------------------------------- "Sonstiges" is one line

def untagged(n: int) -> list[tuple]:
    subjects = ["Karussells", "Reels", "Webinare", "Stellenanzeigen", "Redaktionspläne", "Umfragen", "Live-Videos",
                "Hashtags", "Fallstudien", "Podcasts", "Newsletter", "Vorlagen", "Konferenzen", "Interviews", "Quiz",
                "Checklisten", "Barcamps", "Leitfäden", "Studien", "Glossare", "Workshops", "Infografiken"]
    return [("t3n", f"Alles über {subject} ({k})", {}, []) for k, subject in enumerate(subjects[:n])]


def test_many_untagged_items_are_one_counted_line_with_a_link_in_html_text_and_chat(store, webhook):
    items = untagged(20)
    add(store, *items, ("Dr. Schwenke", "BGH: Impressum auch auf Instagram", {"legal_change": 0.95}, ["instagram"]))
    t = Translator("de")
    digest = build_digest(store, make_config(), store.digest_candidates("team"), now=NOW,
                          base_url="https://lb.example.org", t=t)
    html, text = render_html(digest, t), render_text(digest, t)
    [line] = BeautifulSoup(html, "html.parser").select("p.oth")
    assert " ".join(line.get_text().split()) == "Sonstiges aus den Quellen (20): 20 Meldungen ohne Schlagwort · " \
                                                 "im Archiv ansehen →"
    assert line.select_one("a")["href"] == "https://lb.example.org/?since=2026-11-21"
    assert not any(title in html or title in text for _, title, _, _ in items)
    assert html.index("BGH: Impressum") < html.index('class="oth"')
    [text_line] = [ln for ln in text.splitlines() if "SONSTIGES" in ln]
    assert text_line == "SONSTIGES AUS DEN QUELLEN (20): 20 Meldungen ohne Schlagwort · im Archiv ansehen: " \
                        "https://lb.example.org/?since=2026-11-21"
    receiver = webhook()
    send_digest(store, make_config(receiver.url), ShortMessages(timeout=5), now=NOW)
    said = [ln for post in receiver.posts for ln in post["message"].splitlines() if "SONSTIGES" in ln]
    assert said == [text_line]
    assert store.digest_candidates("team") == []                   # counted is digested: not again tomorrow


def test_a_few_untagged_items_are_named_in_their_one_line(store):
    items = untagged(3)
    add(store, *items)
    t = Translator("de")
    digest = build_digest(store, make_config(), store.digest_candidates("team"), now=NOW,
                          base_url="https://lb.example.org", t=t)
    html, text = render_html(digest, t), render_text(digest, t)
    [line] = BeautifulSoup(html, "html.parser").select("p.oth")
    assert [a.get_text() for a in line.select("a")][:3] == [title for _, title, _, _ in items]
    assert card_titles(html) == []
    [text_line] = [ln for ln in text.splitlines() if "SONSTIGES" in ln]
    assert all(title in text_line for _, title, _, _ in items)


# --------------------------------------------------------------------------- a digest that fits

def add_busy_day(store: Store, now: datetime) -> list[Item]:
    known = {src["name"] for src in SOURCES}
    store.sync_sources([Source.model_validate(src) for src in SOURCES + busy_day.source_configs()
                        if src in SOURCES or src["name"] not in known])
    return store.add_items(busy_day.busy_day(now), now=now)


def mark_sent_before(store: Store, now: datetime) -> None:
    """Yesterday's digest went out: this is not the first digest."""
    store.finish_digest(store.begin_digest("team", [], now=now - timedelta(days=1)), None, now=now - timedelta(days=1))


@pytest.mark.parametrize("language", ["de", "en"])
def test_a_busy_day_fits_under_100_kb_with_every_legal_and_page_change_as_a_card(sqlite_store, tmp_path, language):
    items = add_busy_day(sqlite_store, NOW)
    mark_sent_before(sqlite_store, NOW)
    assert len(items) >= 295 and {it.lang for it in items} == {"de", "en"}
    must = [it for it in items if it.kind == "change" or "legal_change" in it.tags]
    assert sum(it.kind == "change" for it in items) >= 5 and len(must) >= 25
    cfg = make_config(language=language, platforms=["linkedin", "instagram"])
    out = tmp_path / "busy.html"
    send_digest(sqlite_store, cfg, Sender(), output=out, now=NOW)
    html = out.read_text(encoding="utf-8")
    assert len(html.encode("utf-8")) <= 100_000
    styles = sum(len(m) for m in re.findall(r'style="[^"]*"', html))
    assert styles < 0.05 * len(html), "looks belong in the <style> block, not on every element"

    t = Translator(language)
    digest = build_digest(sqlite_store, cfg, sqlite_store.digest_candidates("team"), now=NOW,
                          base_url="https://lb.example.org", t=t, target="team")
    assert render_html(digest, t) == html
    cards = {e.item.id: e for s in digest.sections for e in s.entries}
    in_card = {it.id: e.item.title for e in cards.values() for it in e.items}
    shown = card_titles(html)
    other_line = html.index('class="oth"')
    for item in must:                          # its story is a card (lead or under "↳"), above the untagged line
        assert item.id in in_card, item.title
        assert in_card[item.id] in shown and html.index(f'class="t">{in_card[item.id]}') < other_line
    assert digest.more and not any(it.id in in_card for _, e in digest.more for it in e.items
                                   if it.kind == "change" or "legal_change" in it.tags)
    block = digest.sections[0]
    assert block.key == "important" and len(block.entries) == 5
    assert [e.why for e in block.entries][:2] == ["page_change", "page_change"]
    assert {e.why for e in block.entries} == {"page_change", "legal_change", "platform", "widely"}
    assert len(BeautifulSoup(html, "html.parser").select("p.oth")) == 1


def test_a_day_of_nothing_but_legal_changes_still_fits(store):
    """The size guard: cards give way to lines and counts, but every story is shown or counted with a link."""
    words = "Das Gericht stellt klar, welche Pflichten Unternehmen bei Beiträgen in sozialen Netzwerken haben. " * 3
    rulings = [Item(source="Dr. Schwenke", title=f"Urteil {n}: Pflichten für Unternehmensseiten, Fall {n * 7}",
                    url=f"https://drschwenke.example.org/urteile/{n}", tags=["legal_change"],
                    scores={"legal_change": 0.9}, summary=words, published=NOW - timedelta(minutes=n), id=n + 1,
                    fetched=NOW) for n in range(1200)]               # far more than any day brings
    t = Translator("de")
    for many in (400, 1200):
        digest = build_digest(store, make_config(), rulings[:many], now=NOW, base_url="https://lb.example.org", t=t)
        html, text = render_html(digest, t), render_text(digest, t)
        assert len(html.encode("utf-8")) <= 100_000 and digest.level > 0
        assert sum(len(s.entries) + len(s.rows) + len(s.cut) for s in digest.sections) == many
        assert card_titles(html)[:20] == [r.title for r in rulings[:20]]     # the newest stay cards
        named = [r.title for r in rulings[:many] if f">{r.title}<" in html]
        cut = sum(len(s.cut) for s in digest.sections)
        assert len(named) + cut == many and rulings[0].title in text
        for part in digest.sections:                             # what is left out is counted, with a link
            if part.cut:
                assert f"… und {len(part.cut)} weitere im Archiv</a>" in html
                assert f"… und {len(part.cut)} weitere im Archiv: https://lb.example.org/?tag=legal_change" in text
    assert cut > 0


# --------------------------------------------------------------------------- the first digest

def test_the_first_digest_summarises_the_backlog_and_lists_only_the_last_two_days(sqlite_store, webhook):
    older = add_busy_day(sqlite_store, NOW - timedelta(days=9))
    add(sqlite_store, *STANDARD)
    cfg = make_config()
    t = Translator("de")
    digest = build_digest(sqlite_store, cfg, sqlite_store.digest_candidates("team"), now=NOW,
                          base_url="https://lb.example.org", t=t, target="team")
    html, text = render_html(digest, t), render_text(digest, t)
    backlog = digest.backlog
    assert backlog is not None and backlog.total == len(older)
    tagged = {key: sum(1 for it in older if next((tg for tg in ("legal_change", "algorithm_reach_change",
                                                                 "feature_rollout") if tg in it.tags), None) == key
                       and it.kind != "change") for key in ("legal_change", "algorithm_reach_change",
                                                            "feature_rollout")}
    counts = dict(backlog.counts)
    assert {key: counts[key] for key in tagged} == tagged and counts["page_change"] == 6
    assert 1 <= len(backlog.top) <= 5 and backlog.top[0].item.kind == "change"
    assert "Vor dem ersten Lagebild" in html and "Alle im Archiv" in html and 'href="https://lb.example.org/"' in html
    assert "Dazu " in digest.intro and "ältere Meldungen" in digest.intro
    named = sum(it.title in html for it in older)
    assert named <= 5, "the backlog is summarised, not listed"
    for _, title, _, _ in STANDARD:                        # the last two days are listed as usual
        assert title in html and title in text
    assert len(html.encode("utf-8")) < 40_000

    receiver = webhook()
    first = send_digest(sqlite_store, make_config(receiver.url), Sender(timeout=5), now=NOW)
    assert first.sent == {"team": len(older) + len(STANDARD)}          # summarised counts as digested
    add(sqlite_store, ("t3n", "Threads testet Hashtag-Feeds", {"feature_rollout": 0.8}, ["threads"]),
        fetched=NOW + timedelta(days=1))
    later = build_digest(sqlite_store, cfg, sqlite_store.digest_candidates("team"), now=NOW + timedelta(days=3),
                         base_url=None, t=t, target="team")
    assert later.backlog is None and later.titles == ["Threads testet Hashtag-Feeds"]   # no summary after the first


def test_a_first_digest_of_recent_items_lists_every_one(store):
    add(store, *STANDARD)
    t = Translator("de")
    digest = build_digest(store, make_config(), store.digest_candidates("team"), now=NOW, base_url=None, t=t,
                          target="team")
    html = render_html(digest, t)
    assert digest.backlog is None and all(title in html for _, title, _, _ in STANDARD)


@pytest.mark.parametrize("language, lead", [("de", "WhatsApp-Werbung im Status: Datenschützer prüfen"),
                                            ("en", "WhatsApp brings ads to Status, EU privacy questions follow")])
def test_a_story_tagged_differently_by_its_reports_is_one_entry_led_in_the_readers_language(store, language, lead):
    """Three reports of one change: a feature (t3n), a feature and a legal change, a legal change. One
    card, under the legal changes, counted once; its lead is a legal report in the reader's language."""
    story = "https://example.org/whatsapp-status-ads"
    specs = [("t3n", "WhatsApp zeigt jetzt Werbung im Status", {"feature_rollout": 0.9}, "de"),
             ("Meta Newsroom", "WhatsApp brings ads to Status, EU privacy questions follow",
              {"feature_rollout": 0.8, "legal_change": 0.85}, "en"),
             ("Dr. Schwenke", "WhatsApp-Werbung im Status: Datenschützer prüfen", {"legal_change": 0.9}, "de")]
    store.add_items([Item(source=src, title=title, url=story, canonical_url=story, tags=list(tags), scores=tags,
                          platforms=["whatsapp"], summary=f"{title}.", lang=lang,
                          published=NOW - timedelta(hours=3 - n)) for n, (src, title, tags, lang) in enumerate(specs)],
                    now=NOW - timedelta(hours=1))
    t = Translator(language)
    digest = build_digest(store, make_config(language=language), store.digest_candidates("team"), now=NOW,
                          base_url="https://lb.example.org", t=t)
    entries = [e for section in digest.sections for group in section.groups for e in group.entries]
    assert [e.item.title for e in entries] == [lead], "one entry for the story, not one per section"
    assert len(entries[0].related) == 2
    assert digest.headline == t.plural("mail.subject.legal_change", 1)


def test_a_story_an_earlier_digest_carried_is_a_follow_up_not_the_most_important(store):
    """Yesterday's digest had the LinkedIn AI-training story; today a how-to on it arrives beside the
    first report of a ruling: the ruling heads "Das Wichtigste", the how-to is marked a follow-up."""
    story = "https://example.org/linkedin-ai-training"
    [first] = add(store, ("t3n", "LinkedIn trainiert KI mit Nutzerdaten", {"legal_change": 0.9}, ["linkedin"], story),
                  fetched=NOW - timedelta(days=1, hours=2))
    yesterday = NOW - timedelta(days=1)
    store.finish_digest(store.begin_digest("team", [first.id], now=yesterday), None, now=yesterday)
    add(store, ("Dr. Schwenke", "So widersprechen Sie dem KI-Training bei LinkedIn", {"legal_change": 0.9},
                ["linkedin"], story),
        ("Dr. Schwenke", "EuGH: Fanpage-Betreiber haften mit Meta", {"legal_change": 0.95}, ["facebook"]))
    t = Translator("de")
    digest = build_digest(store, make_config(platforms=["linkedin"]), store.digest_candidates("team"), now=NOW,
                          base_url="https://lb.example.org", t=t)
    block = digest.sections[0]
    assert [e.item.title for e in block.entries] == ["EuGH: Fanpage-Betreiber haften mit Meta"]
    [follow] = [e for s in digest.sections[1:] for g in s.groups for e in g.entries]
    assert follow.item.title == "So widersprechen Sie dem KI-Training bei LinkedIn" and follow.follow_up
    assert "Fortsetzung" in render_html(digest, t) and "Fortsetzung · " in render_text(digest, t)
