"""The daily digest: what is in it, in which order, and that each item is digested once per target."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from monitor.config import Config
from monitor.i18n import Translator
from monitor.item import Item
from monitor.store import FetchOutcome, Store
from monitor.tell.deliver import Sender
from monitor.tell.digest import render_html, render_text, send_digest
from monitor.tell.digest_content import build_digest
from monitor.tell.retry import NO_RETRY

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
    ("Meta Newsroom", "Instagram bevorzugt Original-Reels", {"algorithm_reach_change": 0.9}, ["instagram"]),
    ("Dr. Schwenke", "BGH: Impressum auch auf Instagram", {"legal_change": 0.95}, ["instagram"]),
    ("TikTok Newsroom", "TikTok Footnotes starten", {"feature_rollout": 0.85}, ["tiktok"]),
]


def heading_positions(html: str, headings: list[str]) -> list[int]:
    return [html.index(f">{h} <") if f">{h} <" in html else html.index(f">{h}<") for h in headings]


# --------------------------------------------------------------------------- content and order

def test_parts_come_legal_reach_features_other_then_failing_sources(store, tmp_path):
    add(store, *STANDARD)
    store.record_fetch("TikTok Newsroom", FetchOutcome(ok=False, status=503, error="HTTP 503 Service Unavailable"),
                       timedelta(minutes=30), now=NOW - timedelta(days=2))
    out = tmp_path / "digest.html"
    report = send_digest(store, make_config(), Sender(), output=out, now=NOW)
    html = out.read_text()
    assert report.exit_code == 0 and report.path == out
    order = ["Rechtsänderungen", "Reichweite &amp; Algorithmus", "Neue Funktionen", "Sonstiges aus den Quellen",
             "Quellen mit Störung"]
    positions = heading_positions(html, order)
    assert positions == sorted(positions)
    assert "Serverfehler (HTTP 503)" in html and "gestört seit 19.11.2026" in html    # words, in German
    assert "Service Unavailable" not in html
    assert "https://lb.example.org/items/" in html


def test_items_are_grouped_by_platform_with_the_team_platforms_first(store):
    add(store, *STANDARD, ("t3n", "Neues für Firmen ohne Plattformbezug", {"feature_rollout": 0.7}, []))
    cfg = make_config(platforms=["tiktok", "linkedin"])
    digest = build_digest(store, cfg, store.digest_candidates("team"), now=NOW, base_url=None, t=Translator("de"))
    features = next(s for s in digest.sections if s.key == "feature_rollout")
    assert [g.label for g in features.groups] == ["TikTok", "LinkedIn", "Instagram", "Allgemein"]


def test_hide_other_platforms_keeps_general_news_and_says_how_many_were_hidden(store):
    add(store, *STANDARD)
    cfg = make_config(platforms=["linkedin"], hide_other_platforms=True)
    digest = build_digest(store, cfg, store.digest_candidates("team"), now=NOW, base_url=None, t=Translator("en"))
    assert sorted(digest.titles) == ["Die 10 besten Planungstools", "LinkedIn plant Beiträge jetzt mobil"]
    assert digest.hidden == 4
    assert "4 items about other platforms hidden." in render_text(digest, Translator("en"))


def test_long_parts_are_cut_yet_every_title_stays_in_the_digest(store, tmp_path):
    topics = ["Impressumspflicht", "Cookie-Banner", "Urheberrecht bei Memes", "Gewinnspiele", "Influencer-Kennzeichnung",
              "Datentransfer USA", "Jugendschutz", "Barrierefreiheit", "Bewertungen kaufen", "Plattformsperre"]
    rulings = [("Dr. Schwenke", f"{court} zu {topic}", {"legal_change": 0.9}, ["instagram"])
               for topic, court in zip(topics, ["BGH", "EuGH", "OLG Köln", "LG Berlin", "OLG München", "BVerfG",
                                                "LG Hamburg", "OVG Münster", "AG Bonn", "KG Berlin"])]
    add(store, *rulings)
    cfg = make_config(digest={"max_per_section": 3})
    digest = build_digest(store, cfg, store.digest_candidates("team"), now=NOW, base_url="https://lb.example.org",
                          t=Translator("de"))
    [legal] = digest.sections
    assert sum(len(g.entries) for g in legal.groups) == 3 and len(legal.cut) == 7
    html, text = render_html(digest, Translator("de")), render_text(digest, Translator("de"))
    assert "7 weitere im Archiv</a> · kurz aufgeführt unter „Weitere Meldungen“" in html
    assert 'href="https://lb.example.org/?tag=legal_change"' in html
    assert "WEITERE MELDUNGEN (7)" in text
    for _, title, _, _ in rulings:
        assert title in html and title in text


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
    ("de", "Lagebild 21.11.: 1 Rechtsänderung, 1 Reichweite, 3 neue Funktionen",
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
