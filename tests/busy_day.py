"""A busy day for the digest: about 300 reports from 34 sources, German and English.

Written for the digest tests (tests/test_digest.py) and to look at: `python -m tests.busy_day OUT.html`
renders the digest of such a day. What a real morning after a big news day holds, in
proportions seen in the shipped sources: a few watched pages that changed (terms,
privacy, guidelines; one of them a help page no tagger calls legal), a couple of dozen
legal reports (court rulings, DSA and DSGVO proceedings, terms announcements), reach and
feature news for every network, several stories that five or six sources carry in both
languages, and a long tail of untagged tips, webinars, case studies and job ads. Every
title and summary is written for this file; the day is generated from a seed, so a
test sees the same day every time.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.item import Item

LEGAL, REACH, FEATURE = "legal_change", "algorithm_reach_change", "feature_rollout"

# name, category, language, platform hint
SOURCES: list[tuple[str, str, str, list[str]]] = [
    ("Meta Newsroom", "platform", "en", ["facebook"]), ("Instagram Creators Blog", "platform", "en", ["instagram"]),
    ("LinkedIn Pressroom", "platform", "en", ["linkedin"]), ("TikTok Newsroom", "platform", "en", ["tiktok"]),
    ("YouTube Creator Insider", "platform", "en", ["youtube"]), ("Pinterest Newsroom", "platform", "en", ["pinterest"]),
    ("Snap Newsroom", "platform", "en", ["snapchat"]), ("X Engineering Notes", "platform", "en", ["x"]),
    ("Plattformwoche", "industry", "de", []), ("Kanalarbeit", "industry", "de", []),
    ("Reichweiten-Radar", "industry", "de", []), ("Social Desk Daily", "industry", "en", []),
    ("Feed Mechanics", "industry", "en", []), ("Creator Economy Brief", "industry", "en", []),
    ("Marketing-Kompass", "industry", "de", []), ("Agenturfunk", "industry", "de", []),
    ("Newsroom Notes", "industry", "en", []), ("Digitalbüro Nord", "industry", "de", []),
    ("Kanzlei am Markt", "legal", "de", []), ("Recht & Reichweite", "legal", "de", []),
    ("Datenschutz-Kompass", "legal", "de", []), ("EU Digital Affairs Bulletin", "legal", "en", []),
    ("Privacy Watch Europe", "legal", "en", []), ("Gerichtsticker", "legal", "de", []),
    ("@plattformticker@social.example", "network", "de", []), ("r/SocialMediaManagers", "network", "en", []),
    ("Bluesky: Feed Watchers", "network", "en", []), ("Podcast Plattformfunk", "network", "de", []),
    ("Instagram Nutzungsbedingungen", "legal", "de", ["instagram"]),
    ("TikTok Privacy Policy", "legal", "en", ["tiktok"]),
    ("LinkedIn User Agreement", "legal", "en", ["linkedin"]),
    ("YouTube Community Guidelines", "legal", "en", ["youtube"]),
    ("Facebook Werberichtlinien", "legal", "de", ["facebook"]),
    ("Pinterest Help: Idea Pins", "platform", "en", ["pinterest"]),
]
PAGES = [s for s in SOURCES if s[0].startswith(("Instagram Nutzungs", "TikTok Privacy", "LinkedIn User",
                                                 "YouTube Community", "Facebook Werbe", "Pinterest Help"))]
WRITERS = {lang: [s for s in SOURCES if s[2] == lang and s not in PAGES] for lang in ("de", "en")}
LEGAL_WRITERS = {lang: [s for s in WRITERS[lang] if s[1] == "legal"] for lang in ("de", "en")}

PLATFORMS = ["instagram", "linkedin", "tiktok", "youtube", "facebook", "x", "pinterest", "snapchat", "threads",
             "whatsapp"]
NAMES = {"instagram": "Instagram", "linkedin": "LinkedIn", "tiktok": "TikTok", "youtube": "YouTube",
         "facebook": "Facebook", "x": "X", "pinterest": "Pinterest", "snapchat": "Snapchat", "threads": "Threads",
         "whatsapp": "WhatsApp"}


@dataclass
class Story:
    """One story told by several sources: (language, title, summary) per report."""
    tags: dict[str, float]
    platforms: list[str]
    reports: list[tuple[str, str, str]]


# Stories that many sources carry, in both languages.
STORIES = [
    Story({LEGAL: 0.96}, ["tiktok"], [
        ("en", "Commission fines TikTok EUR 410 million over its ad repository",
         "The Commission finds that TikTok's advertising repository did not show who paid for ads or whom they "
         "reached, a breach of the transparency duties of the Digital Services Act. TikTok has three months to fix it."),
        ("de", "DSA: 410 Millionen Euro Bußgeld gegen TikTok wegen Werbearchiv",
         "Die EU-Kommission sieht die Transparenzpflichten des Digital Services Act verletzt: Im Werbearchiv fehlte, "
         "wer Anzeigen bezahlt und wen sie erreicht haben. TikTok muss binnen drei Monaten nachbessern."),
        ("de", "TikTok muss 410 Mio. Euro zahlen: Was Werbetreibende jetzt wissen sollten",
         "Das DSA-Bußgeld trifft TikTok, nicht die Werbekunden. Trotzdem lohnt ein Blick in die eigenen Kampagnen: "
         "Das Werbearchiv wird künftig vollständiger und damit für Mitbewerber lesbarer."),
        ("en", "TikTok hit with EUR 410m DSA fine, says it will appeal",
         "TikTok says it disagrees with the Commission's reading of the ad repository rules and will appeal the "
         "EUR 410 million fine at the General Court."),
        ("de", "410 Mio. € DSA-Strafe für TikTok – die Kommission macht ernst",
         "Erstes großes Bußgeld nach dem DSA gegen eine Videoplattform. #DSA #TikTok"),
        ("en", "Explainer: why the TikTok DSA fine matters for every ad buyer in the EU",
         "Repositories of all very large platforms must now list sponsors and targeting in full; expect the same "
         "scrutiny for Meta, Google and X within the year."),
    ]),
    Story({LEGAL: 0.93}, ["linkedin"], [
        ("en", "LinkedIn will use EU member posts to train AI from February, opt-out open now",
         "An update to the user agreement lets LinkedIn train generative AI models on public posts of EU members "
         "from 1 February. A setting under Data privacy turns it off."),
        ("de", "LinkedIn trainiert KI ab Februar mit Beiträgen aus der EU – so widersprechen Sie",
         "LinkedIn ändert seine Nutzervereinbarung: Öffentliche Beiträge von Mitgliedern in der EU fließen ab "
         "1. Februar in das Training generativer KI-Modelle. Ein Schalter unter Datenschutz stoppt das."),
        ("de", "Datenschützer prüfen LinkedIns KI-Training mit Mitgliederdaten",
         "Die irische Aufsicht hat Fragen zur Rechtsgrundlage gestellt. Bis zur Antwort rät die Behörde, den "
         "Widerspruch zu nutzen, wenn Unternehmensseiten sensible Inhalte teilen."),
        ("en", "Privacy regulators question LinkedIn's AI training plans",
         "The Irish regulator asked LinkedIn to explain the legal basis for training on member posts before the "
         "February start date."),
    ]),
    Story({FEATURE: 0.92}, ["threads"], [
        ("en", "Threads opens Communities to everyone in the EU",
         "Topic communities with their own feed, rules and volunteer moderators are now available to all Threads "
         "users in the EU, with more than 200 communities at launch."),
        ("de", "Threads Communities starten in Deutschland",
         "Themen-Communities mit eigenem Feed und eigenen Regeln sind ab sofort auch in Deutschland verfügbar. "
         "Zum Start gibt es über 200 Communities."),
        ("de", "Threads Communities: Was Marken jetzt wissen müssen",
         "Unternehmen können Communities nicht selbst gründen, aber als Mitglieder posten. Wir zeigen, welche "
         "Regeln die Moderatoren für Markenbeiträge festlegen können."),
        ("en", "Threads Communities arrive in Europe with brand-friendly rules",
         "Brands may join and post in communities; moderators decide whether promotional posts are allowed."),
        ("de", "Threads Communities jetzt auch bei uns live",
         "Über 200 Communities zum Start, auch für Social-Media-Themen. #Threads"),
    ]),
    Story({REACH: 0.9}, ["instagram"], [
        ("en", "Instagram now counts sends per reach as its strongest ranking signal",
         "In an update on recommendations, Instagram says how often a post is sent in private messages, relative to "
         "its reach, now weighs more than likes or watch time for showing it to non-followers."),
        ("de", "Instagram: Teilen per Direktnachricht ist jetzt das wichtigste Ranking-Signal",
         "Wie oft ein Beitrag privat verschickt wird, zählt für die Reichweite bei Nicht-Followern inzwischen mehr "
         "als Likes oder Wiedergabezeit, erklärt Instagram."),
        ("de", "Reichweite auf Instagram: Warum Sends jetzt alles sind",
         "Die neue Gewichtung belohnt Inhalte, die Menschen weiterleiten. Fünf Formate, die in unseren Tests am "
         "häufigsten verschickt wurden."),
        ("en", "What Instagram's sends-per-reach signal means for brand accounts",
         "Our analysis of 80 brand accounts shows carousels with practical checklists get sent three times as often "
         "as product shots."),
    ]),
    Story({FEATURE: 0.88, REACH: 0.55}, ["youtube"], [
        ("en", "YouTube opens title A/B tests to every channel",
         "Test & Compare now lets all creators test up to three titles as well as thumbnails; YouTube picks the "
         "winner by share of watch time."),
        ("de", "YouTube: A/B-Tests für Videotitel jetzt für alle Kanäle",
         "Alle Creator können in YouTube Studio bis zu drei Titel gegeneinander testen. Entschieden wird nach "
         "Anteil an der Wiedergabezeit."),
        ("en", "Title testing on YouTube: first results from 40 channels",
         "Early numbers suggest descriptive titles beat curiosity gaps for tutorials, while entertainment channels "
         "see the opposite."),
    ]),
]

# Single reports: (tags, platforms or None for a random one, language, title, summary); {p} is a platform name.
LEGAL_SINGLES = [
    ("de", "BGH: Unternehmen haften für fehlende Werbekennzeichnung bei Influencern",
     "Eine Vertragsklausel, die die Kennzeichnungspflicht allein auf die Creator abwälzt, reicht nach dem Urteil nicht. "
     "Unternehmen müssen Beiträge vor Veröffentlichung prüfen."),
    ("de", "OLG Köln: Gewinnspiel auf {p} braucht vollständige Teilnahmebedingungen im Beitrag",
     "Ein Link in der Bio genügt nach Ansicht des Gerichts nicht, wenn der Beitrag selbst zur Teilnahme auffordert."),
    ("de", "LG Berlin: Screenshots fremder {p}-Profile in Werbung verletzen Persönlichkeitsrechte",
     "Wer Profile Dritter ohne Einwilligung in Anzeigen zeigt, riskiert Unterlassung und Schadensersatz."),
    ("en", "CJEU: platform operators are joint controllers for page insights",
     "The Court confirms that running a company page makes the company jointly responsible with the platform for "
     "the statistics the platform collects about visitors."),
    ("en", "Commission opens DSA proceedings against {p} over recommender risks",
     "The Commission will examine whether recent ranking changes were assessed for systemic risks, as very large "
     "platforms must do before rolling them out."),
    ("de", "DSGVO-Bußgeld: 2,1 Millionen Euro wegen Tracking ohne Einwilligung",
     "Eine Landesbehörde ahndet Pixel auf Landingpages, die vor der Einwilligung Daten an Werbenetzwerke schickten."),
    ("de", "Abmahnwelle wegen fehlendem Impressum auf {p}-Unternehmensseiten",
     "Mehrere Kanzleien mahnen derzeit Seiten ohne erreichbares Impressum ab. So prüfen Sie Ihren Auftritt in fünf "
     "Minuten."),
    ("en", "{p} updates its branded content policy: paid partnership label now mandatory",
     "From next month, posts with a commercial relationship must use the built-in label; the policy lists fines "
     "and reach limits for repeat offenders."),
    ("de", "TDDDG-Reform: Bundestag beschließt Regeln für Einwilligungsdienste",
     "Anerkannte Dienste zur Einwilligungsverwaltung sollen Cookie-Banner auf vielen Seiten überflüssig machen."),
    ("en", "EDPB guidelines: legitimate interest is no blanket basis for ad targeting",
     "The Board's final guidelines list the checks a company must document before relying on legitimate interest."),
    ("de", "Urheberrecht: Memes mit Filmszenen bleiben für Unternehmen riskant",
     "Die Pastiche-Schranke schützt private Nutzer eher als Marken, sagt ein aktuelles Urteil aus Hamburg."),
    ("en", "DMA: Commission asks Meta to explain its pay-or-consent changes",
     "A request for information follows complaints that the new cheaper subscription still leaves no real choice."),
    ("de", "Jugendschutz: KJM beanstandet Altersprüfung bei {p}",
     "Die Kommission für Jugendmedienschutz hält die Selbstauskunft für unzureichend und fordert technische Lösungen."),
    ("de", "AG München: Bewertung kaufen ist Wettbewerbsverstoß – auch bei Social-Media-Rezensionen",
     "Auch gekaufte Sterne in Unternehmensprofilen sozialer Netzwerke sind irreführende Werbung."),
    ("en", "Digital Fairness Act draft targets dark patterns and influencer ads",
     "The leaked draft would ban countdown timers without a real deadline and require clearer ad labels for creators."),
    ("de", "Barrierefreiheitsstärkungsgesetz: Was für Social-Media-Kanäle von Unternehmen gilt",
     "Untertitel und Alternativtexte werden für viele Anbieter Pflicht, wenn über die Kanäle Verträge angebahnt werden."),
    ("en", "X sued in Germany over deleted accounts without notice",
     "A consumer group argues the DSA requires a statement of reasons before an account is restricted."),
    ("de", "EuGH-Generalanwalt: Auch Likes können Einwilligung nicht ersetzen",
     "Die Schlussanträge betreffen Gewinnspiele, bei denen Teilnehmende einer Seite folgen müssen."),
]
REACH_SINGLES = [
    ("en", "{p} cuts reach for posts with external links, study finds",
     "Across 1,200 company pages, posts with links reached 38 percent fewer people than the same content without."),
    ("de", "{p}-Reichweite: Karussells verlieren, kurze Videos legen zu",
     "Unsere Auswertung von 150 Unternehmensprofilen zeigt einen klaren Trend seit dem letzten Update."),
    ("en", "{p} explains how it ranks replies in busy threads",
     "Replies from people the author follows and replies with long reading time now rise to the top."),
    ("de", "{p} drosselt Beiträge mit Engagement-Aufforderungen",
     "Aufrufe wie „Kommentiere JA“ werden erkannt und weniger ausgespielt, bestätigt das Unternehmen."),
    ("en", "{p} now favours original videos over reposts in recommendations",
     "When several copies of a video exist, recommendations will show the original creator's upload first."),
    ("de", "Algorithmus-Update bei {p}: Kommentare von Fachleuten zählen mehr",
     "Antworten von Menschen mit Expertise zum Thema erhöhen die Verbreitung stärker als kurze Reaktionen."),
    ("en", "{p} search now ranks fresh posts higher for news queries",
     "For trending topics, posts from the last 24 hours get a boost in search results."),
    ("de", "Weniger Reichweite für Reposts auf {p}",
     "Accounts, die vor allem fremde Inhalte teilen, werden seltener empfohlen."),
]
FEATURE_SINGLES = [
    ("en", "{p} tests scheduling posts from the mobile app",
     "Some users can now schedule posts up to 30 days ahead without a desktop tool."),
    ("de", "{p} führt Statistiken für einzelne Story-Sticker ein",
     "Unternehmen sehen künftig, wie oft Umfragen, Links und Countdowns angetippt wurden."),
    ("en", "{p} rolls out AI captions in 20 languages",
     "Automatic captions can now be translated and edited before publishing."),
    ("de", "{p} testet Fotobeiträge mit bis zu 30 Bildern",
     "Einige Nutzer:innen in Deutschland sehen bereits die Option, größere Karussells zu veröffentlichen."),
    ("en", "{p} adds collaborative posts for company pages",
     "Two pages can now publish one post together and share its comments and reach."),
    ("de", "{p} stellt die Event-Funktion ein",
     "Neue Veranstaltungen können ab dem kommenden Monat nicht mehr angelegt werden."),
    ("en", "{p} launches a creator marketplace in Germany",
     "Brands can search creators by audience and topic and pay them inside the app."),
    ("de", "Neu bei {p}: Entwürfe lassen sich im Team freigeben",
     "Mehrere Admins können Beiträge kommentieren und freigeben, bevor sie erscheinen."),
    ("en", "{p} brings polls to comments",
     "Creators can pin a poll in the comment section of their own posts."),
    ("de", "{p} testet bezahlte Abos für Unternehmensseiten",
     "Ein Abo soll erweiterte Statistiken und mehr Planungsfunktionen freischalten."),
    ("en", "{p} adds a trending audio tab to its business dashboard",
     "The tab lists sounds rising in the account's country over the last seven days."),
    ("de", "{p}-Werbeanzeigen: Neue Zielgruppen-Option für Messaging",
     "Kampagnen können nun Menschen erreichen, die in den letzten 90 Tagen eine Nachricht geschickt haben."),
]
UNTAGGED = [
    ("de", "{n} Ideen für {p}-Beiträge im {m}", "Saisonale Anlässe, Formate und Beispiele für den Redaktionsplan."),
    ("en", "{n} {p} content ideas for {m}", "Seasonal hooks, formats and examples for your content calendar."),
    ("de", "Webinar: {p} für Recruiting im {m}", "Kostenloses Webinar mit Praxisbeispielen aus dem Mittelstand."),
    ("en", "Case study: how a bakery chain grew on {p}", "A small team, a weekly format and {n} months of patience."),
    ("de", "Podcast-Folge {n}: Was wir aus {p}-Kampagnen gelernt haben", "Zwei Agenturleute über Fehler und Erfolge."),
    ("en", "Job: Social media manager (m/f/d), {p} focus", "Full time, hybrid, B2B software, {n} people in the team."),
    ("de", "Checkliste: {p}-Profil in {n} Minuten aufräumen", "Bio, Links, Highlights: was vor der nächsten Kampagne "
     "stehen sollte."),
    ("en", "The {n} best tools for planning {p} posts", "Our comparison of schedulers, from free to enterprise."),
    ("de", "Interview: Wie eine Stadtverwaltung {p} nutzt", "Bürgernähe mit zwei Leuten und klaren Regeln."),
    ("en", "Event recap: {n} takeaways from the {p} marketing summit", "Talks, panels and the hallway gossip."),
    ("de", "Umfrage: {n} Prozent der Mittelständler planen mehr Budget für {p}", "Die Ergebnisse im Überblick."),
    ("en", "How to write better hooks for {p} videos", "{n} patterns that keep people watching past three seconds."),
    ("de", "Vorlage: Redaktionsplan für {p} zum Herunterladen", "Mit Spalten für Freigaben und Kennzahlen."),
    ("en", "Ask the community: how often do you post on {p}?", "{n} replies so far, from daily to weekly."),
    ("de", "Praxisbericht: {n} Monate {p} im Handwerksbetrieb", "Was funktioniert hat, was nicht, und was es gekostet hat."),
    ("en", "Newsletter #{n}: the week on {p} in five minutes", "Links, a chart and one thing to try this week."),
    ("de", "Seminar-Tipp: Krisenkommunikation auf {p}", "Zweitägiger Kurs mit Übungen an echten Shitstorm-Verläufen."),
    ("en", "Behind the scenes: a museum's {p} team of two", "How they plan {n} posts a week around opening hours."),
    ("de", "Leserfrage: Dürfen Azubis den {p}-Kanal betreuen?", "Unsere Antwort und drei Regeln für den Alltag."),
    ("en", "Design templates for {p} ads, free for {m}", "{n} layouts with room for text and a clear call to action."),
]
MONTHS = {"de": ["Januar", "Februar", "März", "April"], "en": ["January", "February", "March", "April"]}
PAGE_CHANGES = [   # (source, title, summary, tagged legal)
    ("Instagram Nutzungsbedingungen", "Instagram: Nutzungsbedingungen geändert",
     "Geändert: „… Du musst mindestens [13 → 16] Jahre alt sein, um …“. Neu: „Inhalte, die mit KI erstellt "
     "wurden, müssen gekennzeichnet werden.“", True),
    ("TikTok Privacy Policy", "TikTok: Privacy Policy changed",
     "Changed: “… we may share [aggregated → pseudonymised] information with advertisers …”. Added: “We use "
     "public videos to improve our recommendation models.”", True),
    ("LinkedIn User Agreement", "LinkedIn: User Agreement changed",
     "Added: “We may use content you share publicly to train generative AI models, unless you opt out in "
     "Settings.” Removed: “We do not use your content to train AI.”", True),
    ("YouTube Community Guidelines", "YouTube: Community Guidelines changed",
     "Added: “Content that realistically imitates an identifiable person's voice without disclosure may be "
     "removed.”", True),
    ("Facebook Werberichtlinien", "Facebook: Werberichtlinien geändert",
     "Geändert: „… Anzeigen zu politischen Themen sind in der EU [eingeschränkt → nicht mehr erlaubt] …“", True),
    ("Pinterest Help: Idea Pins", "Pinterest: Hilfeseite zu Idea Pins geändert",
     "Removed: “Idea Pins can include up to 20 pages.” Added: “Idea Pins are now regular Pins with several "
     "pages.”", False),
]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:70]


class _Day:
    def __init__(self, now: datetime, seed: int) -> None:
        self.now, self.rng = now, random.Random(seed)
        self.items: list[Item] = []
        self.used: set[object] = set()

    def when(self) -> datetime:
        return self.now - timedelta(minutes=self.rng.randint(20, 23 * 60))

    def add(self, source: tuple[str, str, str, list[str]], title: str, summary: str, tags: dict[str, float],
            platforms: list[str], lang: str, kind: str = "entry") -> None:
        if title in self.used:
            return
        self.used.add(title)
        host = _slug(source[0]).replace("-", "") or "source"
        url = f"https://{host}.example.org/{_slug(title)}-{len(self.items)}"
        self.items.append(Item(source=source[0], title=title, url=url, canonical_url=url, summary=summary,
                               published=self.when(), lang=lang, platforms=list(platforms), tags=list(tags),
                               scores=dict(tags), kind=kind))

    def writer(self, lang: str, legal: bool = False, press: bool = False) -> tuple[str, str, str, list[str]]:
        """A source writing in `lang`: a legal one, or (`press`) anyone but a platform's own newsroom."""
        pool = LEGAL_WRITERS[lang] if legal else WRITERS[lang]
        return self.rng.choice([s for s in pool if not press or s[1] != "platform"])

    def platform(self) -> str:
        return self.rng.choice(PLATFORMS)


def busy_day(now: datetime, seed: int = 14, size: int = 300) -> list[Item]:
    """About `size` reports of one day, newest first; see the module docstring."""
    day = _Day(now, seed)
    for source_name, title, summary, legal in PAGE_CHANGES:
        source = next(s for s in SOURCES if s[0] == source_name)
        day.add(source, title, summary, {LEGAL: 1.0} if legal else {}, source[3], source[2], kind="change")
    for story in STORIES:
        legal = LEGAL in story.tags
        for lang, title, summary in story.reports:
            day.add(day.writer(lang, legal and day.rng.random() < 0.5, press=True), title, summary, story.tags,
                    story.platforms, lang)
    for lang, title, summary in LEGAL_SINGLES:
        p = day.platform()
        day.add(day.writer(lang, legal=True), title.format(p=NAMES[p]), summary, {LEGAL: 0.85},
                [p] if "{p}" in title else [], lang)
    pools = [(REACH_SINGLES, {REACH: 0.82}, 32), (FEATURE_SINGLES, {FEATURE: 0.86}, 70)]
    for pool, tags, count in pools:
        while sum(1 for it in day.items if set(tags) <= set(it.tags)) < count:
            lang, title, summary = day.rng.choice(pool)
            p = day.platform()
            own = next((s for s in SOURCES if s[1] == "platform" and s[3] == [p]), None)
            source = own if own and lang == "en" and day.rng.random() < 0.4 else day.writer(lang, press=True)
            day.add(source, title.format(p=NAMES[p]), summary, tags, [p], lang)
    tries = 0
    while len(day.items) < size and tries < 20 * size:
        tries += 1
        lang, title, summary = day.rng.choice(UNTAGGED)
        p, n = day.platform(), day.rng.randint(3, 12)
        if (title, p) in day.used:           # one source's tip, not a story many carry
            continue
        day.used.add((title, p))
        words = {"p": NAMES[p], "n": n, "m": day.rng.choice(MONTHS[lang])}
        day.add(day.writer(lang, press=True), title.format(**words), summary.format(**words), {},
                [p] if day.rng.random() < 0.7 else [], lang)
    return sorted(day.items, key=lambda it: it.published or now, reverse=True)


def source_configs() -> list[dict]:
    """The day's sources as `sources:` entries of a feeds.yaml."""
    out = []
    for name, category, lang, platforms in SOURCES:
        entry: dict = {"name": name, "url": f"https://{_slug(name).replace('-', '') or 'source'}.example.org/feed",
                       "category": category, "language": lang}
        if name in PAGES_BY_NAME:
            entry["kind"] = "page"
        if platforms:
            entry["platforms"] = platforms
        out.append(entry)
    return out


PAGES_BY_NAME = {s[0] for s in PAGES}


if __name__ == "__main__":      # python -m tests.busy_day OUT.html: render the day's digest to look at
    import sys
    import tempfile
    from datetime import UTC
    from pathlib import Path

    from monitor.config import Config
    from monitor.store import Store
    from monitor.tell.deliver import Sender
    from monitor.tell.digest import send_digest

    now = datetime.now(UTC)
    config = Config.model_validate({"settings": {"language": sys.argv[2] if len(sys.argv) > 2 else "de",
                                                 "platforms": ["linkedin", "instagram"],
                                                 "digest": {"notify": ["team"]},
                                                 "web": {"base_url": "https://lagebild.example.org"}},
                                    "notify": {"team": ""}, "sources": source_configs()})
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(f"sqlite:///{tmp}/busy.db")
        store.sync_sources(list(config.sources))
        store.add_items(busy_day(now), now=now)
        store.finish_digest(store.begin_digest("team", [], now=now - timedelta(days=1)), None,
                            now=now - timedelta(days=1))        # not the first digest: yesterday's went out
        report = send_digest(store, config, Sender(), output=Path(sys.argv[1]), now=now)
        print("\n".join(report.lines))
