"""Alerts as a team's chat receives them: through apprise to a real JSON webhook on loopback, from a real store.

What a manager needs from them: a burst arrives as a few messages of about ten items,
each item says which alert fired it by name and links the archive (a page change: its
diff), and a story reported by several sources is one entry with "auch bei: …", alerted
once.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from monitor.config import Config
from monitor.item import Item
from monitor.store import Store
from monitor.tell.alerts import deliver_due
from monitor.tell.deliver import Sender
from monitor.tell.retry import NO_RETRY
from monitor.tell.rules import route
from monitor.watch.page_diff import sentence_diff
from monitor.watch.urls import canonical_url
from monitor.web import create_app
from tests.servers import free_port, running

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
BASE = "https://lagebild.example.org"
SOURCES = [{"name": "Plattform-Presse", "url": "https://press.example.org/feed", "category": "platform",
            "platforms": ["instagram", "facebook", "threads"]},
           {"name": "Kanzlei-Blog", "url": "https://kanzlei.example.org/feed", "category": "legal"},
           {"name": "Netzpolitik-Notizen", "url": "https://netz.example.org/feed", "category": "industry"},
           {"name": "Social Desk", "url": "https://desk.example.org/feed", "category": "industry"},
           {"name": "Nutzungsbedingungen X", "url": "https://x.example.org/tos", "kind": "page",
            "category": "platform", "platforms": ["x"]}]
RULES = [{"name": "Rechtliches fürs Team", "tags": ["legal_change"], "notify": ["chat"]},
         {"tags": ["feature_rollout"], "platforms": ["instagram"], "notify": ["chat"]}]
MEANINGLESS = re.compile(r"\bRegel\b|\bRule\b|\d,\d\d?\b|\b0\.\d")     # a rule number or a model score

# 42 different stories (own words, fictional), as a first run brings them from a legal blog's backlog.
STORIES = [
    ("BGH: Influencerin muss Kooperationen mit Hotels kennzeichnen", "instagram"),
    ("EuGH: Gesichtserkennung in Fotoalben braucht Einwilligung", "facebook"),
    ("LG Berlin untersagt Gewinnspiel mit Pflicht-Follow", "tiktok"),
    ("OLG Köln: Screenshot eines Tweets ist kein Zitat", "x"),
    ("Bundeskartellamt prüft Kopplung von WhatsApp-Kanälen an Werbekonten", "whatsapp"),
    ("EU-Kommission leitet DSA-Verfahren wegen Suchtdesign bei Snapchat ein", "snapchat"),
    ("Datenschutzkonferenz veröffentlicht Leitfaden zu Facebook-Fanpages", "facebook"),
    ("AG München: Arbeitgeber darf private Posts von Beschäftigten nicht sanktionieren", None),
    ("OLG Frankfurt: Preisangaben in Pinterest-Pins müssen Versandkosten nennen", "pinterest"),
    ("BVerfG nimmt Beschwerde gegen NetzDG-Löschpflicht nicht an", None),
    ("Bayern verschärft Glücksspielwerbung auf Twitch", "twitch"),
    ("Österreich führt Digitalsteuer auf Creator-Einnahmen ein", "youtube"),
    ("EU-Parlament stimmt für Verbot dunkler Muster bei Kündigungen", None),
    ("LG Hamburg: Musik im Reel ohne Lizenz kostet 4.000 Euro", "instagram"),
    ("BGH: Abmahnung wegen fehlendem Impressum auf Threads zulässig", "threads"),
    ("Irische Datenschutzbehörde verhängt Bußgeld gegen LinkedIn wegen Werbeprofilen", "linkedin"),
    ("OVG Münster: Behörden dürfen TikTok-Konten betreiben", "tiktok"),
    ("EuG bestätigt Einstufung von Pinterest als sehr große Plattform", "pinterest"),
    ("LG Stuttgart: KI-generierte Produktfotos brauchen keinen Hinweis", None),
    ("Medienanstalten mahnen Finfluencer ohne Risikohinweis ab", "youtube"),
    ("Frankreich beschränkt Schönheitsfilter in bezahlter Werbung", "instagram"),
    ("OLG Düsseldorf: Bewertungen gegen Rabatt sind irreführend", None),
    ("BAG: Kündigung wegen Hasskommentar auf Facebook wirksam", "facebook"),
    ("Spanien verlangt Altersnachweis für Livestream-Geschenke", "tiktok"),
    ("Jugendschutzrat sperrt Discord-Server mit Glücksspielinhalten", "discord"),
    ("KG Berlin: Verlinkung auf Raubkopie in YouTube-Beschreibung haftbar", "youtube"),
    ("Italienische Wettbewerbsbehörde ermittelt gegen Influencer-Agentur", "instagram"),
    ("BGH: Händler haftet für Affiliate-Partner auf Snapchat", "snapchat"),
    ("Niederlande verbieten Kryptowerbung durch Sportler", "x"),
    ("LG Leipzig: Memes mit Markenlogos sind Parodie", None),
    ("Bundesnetzagentur benennt vertrauenswürdige Hinweisgeber nach DSA", None),
    ("OLG Celle: Gruppenadmin haftet für Beleidigungen in WhatsApp-Gruppe", "whatsapp"),
    ("EuGH: Cookie-Banner ohne Ablehnen-Knopf unwirksam", None),
    ("Polen verpflichtet Plattformen zu Wahlwerbe-Archiv", "facebook"),
    ("AG Köln: Ghostwriter-Posts auf LinkedIn ohne Kennzeichnung erlaubt", "linkedin"),
    ("Europäischer Datenschutzausschuss rügt Pay-or-Okay-Modell", "instagram"),
    ("LAG Hessen: Betriebsrat darf Teams-Kanal mitlesen", None),
    ("Belgien untersagt Lootboxen in Spielen mit Twitch-Integration", "twitch"),
    ("OLG Nürnberg: Unboxing-Video ist Werbung auch ohne Bezahlung", "youtube"),
    ("Schweiz regelt Haftung für Deepfakes im Wahlkampf", None),
    ("Landgericht Bonn: Reichweitenkauf über Bots ist unlauter", "x"),
    ("EU-Rat einigt sich auf Regeln für politische Mikro-Zielgruppen", None),
]


def make_config(url: str, language: str = "de", base: str | None = BASE) -> Config:
    web = {"base_url": base} if base else {}
    return Config.model_validate({"settings": {"language": language, "alerts": RULES, "web": web},
                                  "notify": {"chat": url}, "sources": SOURCES})


def report(source: str, title: str, n: int, tags: tuple[str, ...] = ("legal_change",), platforms=(),
           hours: float = 2, summary: str = "") -> Item:
    url = f"https://{source.lower().replace(' ', '-')}.example.org/{n}"
    return Item(source=source, title=title, url=url, canonical_url=canonical_url(url),
                summary=summary or f"Worum es geht: {title}.",
                tags=list(tags), scores={t: 0.91 for t in tags}, platforms=list(platforms),
                published=NOW - timedelta(hours=hours))


def store_and_route(store: Store, config: Config, items: list[Item], at: datetime = NOW) -> list[Item]:
    store.sync_sources(list(config.sources))
    return store.add_items(items, route(items, config), now=at)


def entries_in(message: dict) -> int:
    return message["message"].count("\n\n---\n\n") + 1


# --------------------------------------------------------------------------- a first run's burst

@pytest.mark.parametrize("language, title, rule", [("de", "Lagebild: 42 neue Alarme", "Alarm: Rechtliches fürs Team"),
                                                    ("en", "Lagebild: 42 new alerts", "Alert: Rechtliches fürs Team")])
def test_a_burst_of_42_alerts_arrives_as_five_readable_messages(sqlite_store, webhook, language, title, rule):
    hook = webhook()
    cfg = make_config(hook.url, language)
    items = [report("Kanzlei-Blog", title, n, platforms=[platform] if platform else [], hours=n + 1)
             for n, (title, platform) in enumerate(STORIES)]
    stored = store_and_route(sqlite_store, cfg, items)
    assert len(stored) == 42 and len({it.cluster for it in stored}) == 42, "the burst is 42 different stories"

    sent = deliver_due(sqlite_store, cfg, Sender(timeout=10), now=NOW)

    assert sent.ok and sent.sent == 42
    messages = hook.accepted
    assert len(messages) == 5, [len(m["message"]) for m in messages]
    assert [entries_in(m) for m in messages] == [9, 9, 8, 8, 8]
    assert all(len(m["message"]) < 4000 for m in messages), "each fits a phone screen or two, not 17,571 characters"
    assert [m["title"] for m in messages] == [f"{title} ({'Teil' if language == 'de' else 'part'} {i}/5)"
                                              for i in range(1, 6)]
    everything = "\n".join(m["message"] for m in messages)
    for it in stored:
        assert everything.count(f"[{it.title}]({BASE}/items/{it.id})") == 1
    assert everything.count(rule) == 42
    assert not MEANINGLESS.search(everything)
    assert deliver_due(sqlite_store, cfg, Sender(timeout=10), now=NOW + timedelta(hours=1)).sent == 0
    assert len(hook.posts) == 5, "nothing goes out twice"


def test_an_unnamed_rule_is_named_by_what_it_watches_and_without_base_url_the_source_is_linked(sqlite_store, webhook):
    hook = webhook()
    cfg = make_config(hook.url, "de", base=None)
    [feature] = store_and_route(sqlite_store, cfg, [
        report("Social Desk", "Instagram testet geteilte Entwürfe für Reels", 1, tags=("feature_rollout",),
               platforms=["instagram"])])
    deliver_due(sqlite_store, cfg, Sender(timeout=10), now=NOW)
    [message] = hook.accepted
    assert message["title"] == "Neue Funktion: Instagram testet geteilte Entwürfe für Reels"
    assert "Alarm: Neue Funktionen · Instagram" in message["message"]
    assert f"[{feature.title}]({feature.url})" in message["message"]
    assert "/items/" not in message["message"] and not MEANINGLESS.search(message["message"])


# --------------------------------------------------------------------------- one story, one entry, alerted once

STORY = "LinkedIn nutzt Mitgliederdaten ab Januar für KI-Training"


def pending(store: Store) -> int:
    return sum(row["messages"] for row in store.outbox() if row["kind"] == "alert")


def test_reports_of_one_story_are_one_entry_naming_the_other_sources(sqlite_store, webhook):
    hook = webhook()
    cfg = make_config(hook.url, "de")
    stored = store_and_route(sqlite_store, cfg, [
        report("Kanzlei-Blog", STORY, 1, platforms=["linkedin"], hours=3),
        report("Social Desk", STORY, 2, platforms=["linkedin"], hours=2),
        report("Plattform-Presse", STORY, 3, platforms=["linkedin"], hours=1),
        report("Kanzlei-Blog", "EuGH: Cookie-Banner ohne Ablehnen-Knopf unwirksam", 4, hours=4),
    ])
    assert len({it.cluster for it in stored[:3]}) == 1, "the store has the three reports as one story"

    sent = deliver_due(sqlite_store, cfg, Sender(timeout=10), now=NOW)

    assert sent.sent == 4 and pending(sqlite_store) == 0
    assert sent.lines[0].startswith("chat: 4 Meldungen als 2 Alarme gesendet"), sent.lines   # as the title counts
    [message] = hook.accepted
    assert message["title"] == "Lagebild: 2 neue Alarme"
    assert entries_in(message) == 2
    body = message["message"]
    lead = stored[2]                       # the platform's own announcement leads the story
    assert f"[{STORY}]({BASE}/items/{lead.id})" in body and body.count(f"[{STORY}](") == 1
    assert "Quelle: [Plattform-Presse]" in body
    # the other reports matched the rule too: each stays findable from the message, by its own address
    also = ", ".join(f"[{it.source}]({it.url})" for it in stored[:2])
    assert f"auch bei: {also}" in body
    assert all(f"/items/{it.id})" not in body for it in stored[:2])


def test_a_second_report_of_the_lead_s_own_source_stays_findable_from_the_message(sqlite_store, webhook):
    hook = webhook()
    cfg = make_config(hook.url, "de")
    stored = store_and_route(sqlite_store, cfg, [
        report("Kanzlei-Blog", STORY, 1, platforms=["linkedin"], hours=3),
        report("Kanzlei-Blog", STORY + " (Update mit Widerspruchsfrist)", 2, platforms=["linkedin"], hours=2)])
    assert len({it.cluster for it in stored}) == 1, "one story of one source"
    assert deliver_due(sqlite_store, cfg, Sender(timeout=10), now=NOW).sent == 2
    [message] = hook.accepted
    second = next(it for it in stored if "Update" in it.title)
    first = next(it for it in stored if it is not second)
    assert f"({BASE}/items/{first.id})" in message["message"]
    assert f"[Kanzlei-Blog]({second.url})" in message["message"], "every alerted report stays findable"


def test_a_story_already_alerted_is_not_alerted_again_when_more_sources_report_it(store, webhook):
    hook = webhook()
    cfg = make_config(hook.url, "en")
    store_and_route(store, cfg, [report("Kanzlei-Blog", STORY, 1, platforms=["linkedin"])])
    assert deliver_due(store, cfg, Sender(timeout=10), now=NOW).sent == 1

    later = NOW + timedelta(hours=2)
    fresh = store_and_route(store, cfg, [
        report("Netzpolitik-Notizen", STORY, 2, platforms=["linkedin"], hours=-1),
        report("Social Desk", STORY, 3, platforms=["linkedin"], hours=-1.5),
        report("Kanzlei-Blog", "OLG Celle: Gruppenadmin haftet für Beleidigungen in WhatsApp-Gruppe", 4, hours=-1),
    ], at=later)
    second = deliver_due(store, cfg, Sender(timeout=10), now=later)

    assert len(hook.accepted) == 2
    news = hook.accepted[1]
    assert STORY not in news["message"] and fresh[2].title in news["message"]
    assert second.repeated == {"chat": 2} and pending(store) == 0, "the repeats are settled, not left waiting"
    assert "chat: 2 more reports of stories already alerted, not sent again" in second.lines
    assert deliver_due(store, cfg, Sender(timeout=10), now=later + timedelta(hours=1)).sent == 0
    assert len(hook.posts) == 2


def test_a_failed_story_entry_is_sent_whole_on_the_next_try(sqlite_store, webhook):
    hook = webhook(fail=1, status=404)
    cfg = make_config(hook.url, "de")
    store_and_route(sqlite_store, cfg, [report("Kanzlei-Blog", STORY, 1, platforms=["linkedin"], hours=2),
                                        report("Social Desk", STORY, 2, platforms=["linkedin"], hours=1)])
    first = deliver_due(sqlite_store, cfg, Sender(timeout=10, retry=NO_RETRY), now=NOW)
    assert first.sent == 0 and pending(sqlite_store) == 2
    second = deliver_due(sqlite_store, cfg, Sender(timeout=10), now=NOW + timedelta(minutes=10))
    assert second.sent == 2 and not second.repeated, "nothing of the story had reached the chat before"
    [message] = hook.accepted
    assert message["message"].count(f"[{STORY}](") == 1 and "auch bei: [Social Desk](https://social-desk.example.org/2)" in message["message"]


# --------------------------------------------------------------------------- a watched page's change links its diff

def test_a_page_change_links_its_diff_in_the_archive_and_every_change_is_alerted(sqlite_store, webhook, tmp_path):
    hook = webhook()
    cfg = Config.model_validate({**make_config(hook.url, "de").model_dump(mode="json", exclude_none=True),
                                 "settings": {"language": "de", "web": {"base_url": BASE}, "alerts": [
                                     {"name": "Bedingungen von X", "sources": ["Nutzungsbedingungen X"],
                                      "notify": ["chat"]}]}})
    texts = ["Du darfst Inhalte teilen. Wir zeigen Werbung.",
             "Du darfst Inhalte teilen. Wir zeigen Werbung. Beiträge dürfen für das Training von KI genutzt werden.",
             "Du darfst Inhalte teilen. Wir zeigen Werbung. Beiträge dürfen für das Training von KI genutzt werden. "
             "Streitfälle entscheidet ein Schiedsgericht in Texas."]

    def change(n: int) -> Item:
        diff = sentence_diff(texts[n - 1], texts[n])
        return Item(source="Nutzungsbedingungen X", title="X: Nutzungsbedingungen geändert", url="https://x.example.org/tos",
                    canonical_url=canonical_url("https://x.example.org/tos"), summary=" ".join(diff.added),
                    content_html=diff.html, kind="change", platforms=["x"], published=NOW, guid=f"tos-{n}")

    [first] = store_and_route(sqlite_store, cfg, [change(1)])
    deliver_due(sqlite_store, cfg, Sender(timeout=10), now=NOW)
    [second] = store_and_route(sqlite_store, cfg, [change(2)], at=NOW + timedelta(days=1))
    deliver_due(sqlite_store, cfg, Sender(timeout=10), now=NOW + timedelta(days=1))

    assert first.cluster == second.cluster, "the store keeps a document's changes together"
    assert len(hook.accepted) == 2, "each change of the page is news, though it is one document"
    for message, it in zip(hook.accepted, (first, second)):
        assert message["title"] == "Seitenänderung: X: Nutzungsbedingungen geändert"
        assert f"({BASE}/items/{it.id})" in message["message"]
        assert "Alarm: Bedingungen von X" in message["message"]
    with running(create_app(cfg, sqlite_store, home=tmp_path)) as client:
        page = client.get(f"/items/{second.id}")
    assert page.status_code == 200 and "Schiedsgericht in Texas" in page.text, "the linked page shows what changed"


# --------------------------------------------------------------------------- the demo's first run

def test_the_demos_first_run_alerts_in_short_messages_with_rule_names_and_archive_links(tmp_path):
    import json

    from monitor.demo import run_demo
    port = free_port()
    assert run_demo(port=port, workdir=tmp_path, serve_archive=False, quiet=True) == 0
    lines = (tmp_path / "chat-messages.jsonl").read_text(encoding="utf-8").splitlines()
    messages = [json.loads(json.loads(line)["body"]) for line in lines]
    assert len(messages) >= 2
    for message in messages:
        body = message["message"]
        assert entries_in(message) <= 10 and len(body) < 6000
        reasons = re.findall(r"Alarm: ([^\n]*)", body)
        assert len(reasons) == entries_in(message) and not re.search(r"\b(?:Regel|Rule) \d", body)
        assert set(reasons) <= {"Recht & Regulierung", "Neues auf Instagram und TikTok",
                                "Recht & Regulierung, Neues auf Instagram und TikTok"}
        assert body.count(f"](http://127.0.0.1:{port}/items/") == entries_in(message)
    assert any("auch bei: " in m["message"] for m in messages), "the demo's stories from several sources are folded"


# --------------------------------------------------------------------------- feed text stays text

HOSTILE_TITLE = 'DSGVO: Bußgeld <a href="javascript:alert(1)">hier</a> <img src="http://evil.example/p.gif"> *laut*'
HOSTILE_SUMMARY = ("[mehr](javascript:alert(2)) ![bild](http://evil.example/t.png)\n# Überschrift\n"
                   "- Liste `code` _schräg_")


@pytest.mark.parametrize("target", ["mail", "chat"])
def test_markup_in_a_feed_stays_text_in_an_alert_mail_and_chat(sqlite_store, webhook, smtp, target):
    """A feed's author must not put a live link, a tracking pixel or formatting into the team's
    legal alert: the chat gets escaped Markdown, the mail (apprise's Markdown-to-HTML) shows the text."""
    hook = webhook()
    cfg = make_config(smtp.url if target == "mail" else hook.url)
    store_and_route(sqlite_store, cfg, [report("Kanzlei-Blog", HOSTILE_TITLE, 1, summary=HOSTILE_SUMMARY)])
    assert deliver_due(sqlite_store, cfg, Sender(timeout=10), now=NOW).sent == 1
    if target == "chat":
        [message] = hook.accepted
        body = message["message"]
        assert "<a " not in body and "<img" not in body
        assert not re.search(r"(?<!\\)\]\(javascript:", body), "a link's brackets are escaped"
        assert "&lt;img src=" in body and "\\*laut\\*" in body and "\\`code\\`" in body
        return
    [mail] = smtp.messages
    html = next(part for part in mail.walk() if part.get_content_type() == "text/html").get_content()
    assert not re.search(r"<a[^>]*javascript|<img|<h1|<code|<em>|<ul", html), html
    assert "&lt;img src=" in html and "*laut*" in html and "# Überschrift" in html, "the text as the feed wrote it"
