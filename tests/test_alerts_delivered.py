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
from monitor.tell.alerts import MOST_PER_MESSAGE, deliver_due
from monitor.tell.deliver import Sender
from monitor.tell.retry import NO_RETRY
from monitor.tell.rules import route
from monitor.watch.page_diff import sentence_diff
from monitor.watch.urls import canonical_url
from monitor.web import create_app
from tests.servers import running

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
