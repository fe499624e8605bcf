"""A loopback feed farm for benchmarks: N feeds over many 127.0.0.x addresses, each answer after a delay.

Runs as its own process (asyncio, keep-alive HTTP/1.1) so that it does not share the
measured process. Answers If-None-Match with 304 and counts statuses, which the
benchmark reads from GET /__stats on the first address. GET /__bump?every=N gives every
Nth feed one more item (a new body and ETag): the next window of a running installation,
where most feeds are unchanged and a few have news; `&items=M`: M more items than at the
start (a later window's news).

The feeds look like the ones Lagebild reads, so that the benchmark measures what a
user's run costs: items of about 700 bytes (a title of ~60 characters, a summary of
~450 with paragraphs, links, emphasis and entities), German and English text drawn
from a large vocabulary with a natural (Zipf) spread of word frequencies, so that
items share common words often, mid-frequency words sometimes and rare words almost
never, as real reports do. Most feeds are RSS 2.0; every seventh is Atom, every
eleventh JSON Feed. A few items per hundred are reports of one event in several
feeds (a story), worded differently, so that clustering has real work.
"""

from __future__ import annotations

import asyncio
import bisect
import email.utils
import hashlib
import itertools
import json
import random
import sys
from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape

PLATFORMS = ["Instagram", "TikTok", "LinkedIn", "YouTube", "Facebook", "WhatsApp", "Threads", "Pinterest",
             "Snapchat", "Bluesky", "Mastodon", "Reddit", "XING", "Telegram", "Twitch"]

# Words of the two languages the feeds are written in, by hand; the long tail of the
# vocabulary is built from the syllables below (compounds, names, product words).
GERMAN = """der die das und in zu den von mit sich des auf für ist im dem nicht ein eine als auch es an werden aus er
hat dass sie nach wird bei einer um am sind noch wie einem über einen so zum war haben nur oder aber vor zur bis mehr
durch man sein wurde sei ab seit künftig bereits jetzt neue neuen neuer neues Nutzer Nutzerinnen Konten Beiträge
Werbung Werbetreibende Reichweite Funktion Funktionen Änderung Änderungen Datenschutz Richtlinie Algorithmus Kanäle
Plattform Plattformen Unternehmen Konzern Behörde Gericht Urteil Klage Strafe Bußgeld Millionen Milliarden Euro Prozent
Jugendliche Eltern Schutz Regeln Gesetz Verordnung Kommission Bundesregierung Verbraucherschützer Studie Umfrage Daten
Video Videos Fotos Inhalte Creator Marken Agenturen Kampagne Kampagnen Anzeigen Formate Statistik Zahlen Quartal Umsatz
Gewinn Wachstum Abonnenten Nachrichten Hinweis Meldung Bericht Interview Analyse Test Testphase Einführung weltweit
Deutschland Österreich Schweiz Europa zunächst ausgewählte weitere Details folgen kommenden Wochen Monaten Tagen laut
Angaben Sprecher Sprecherin erklärte sagte teilte mit bestätigte kündigte an plant testet startet erweitert stellt ein
verschärft lockert verbietet erlaubt prüft untersucht fordert kritisiert warnt künstliche Intelligenz KI Chatbot
Empfehlungen Suche Profil Profile Gruppen Veranstaltungen Shop Einkaufen Zahlungen Abo Abonnement kostenpflichtig
kostenlos Sicherheit Sperre gesperrt gelöscht Moderation Desinformation Wahl Wahlen Transparenz Schnittstelle""".split()
ENGLISH = """the of and to a in is that for it on with as was at by be this from or an are has have will its not
but more new after about their which said says also than been can up out into over would who all other some first
users accounts posts advertisers reach feature features change changes privacy policy algorithm channels platform
platforms company regulator court ruling lawsuit fine million billion dollars percent teens parents safety rules law
commission government consumer study survey data video videos photos content creators brands agencies campaign ads
formats figures quarter revenue profit growth subscribers news notice report interview analysis test rollout global
Europe United States initially selected further details coming weeks months days according spokesperson explained
confirmed announced plans tests launches expands removes tightens relaxes bans allows reviews investigates demands
criticises warns artificial intelligence AI chatbot recommendations search profile groups events shopping payments
subscription paid free security ban blocked deleted moderation misinformation election elections transparency API
developers partners pilot beta markets audience engagement metrics dashboard insights analytics verified badge""".split()
ONSETS = ["b", "br", "d", "f", "fl", "g", "gr", "h", "k", "kl", "l", "m", "n", "p", "pr", "r", "s", "sch", "st", "t",
          "tr", "v", "w", "z", "qu", "sp", "str", "ch", "th", "j"]
NUCLEI = ["a", "e", "i", "o", "u", "ei", "au", "ie", "ä", "ö", "ü", "ea", "ou", "y"]
CODAS = ["", "n", "r", "l", "s", "t", "nd", "ng", "ck", "m", "st", "rt", "x", "ft", "lz"]
TAIL_WORDS = 40_000
TAGS = [("<strong>", "</strong>"), ("<em>", "</em>"), ("<b>", "</b>"), ("<i>", "</i>"), ("<code>", "</code>")]


def vocabulary(rng: random.Random) -> list[str]:
    """The hand-written words first (the frequent ones), then a long tail of made-up words."""
    seen = set(GERMAN) | set(ENGLISH)
    tail: list[str] = []
    while len(tail) < TAIL_WORDS:
        word = "".join(rng.choice(ONSETS) + rng.choice(NUCLEI) + rng.choice(CODAS) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            tail.append(word.capitalize() if rng.random() < 0.35 else word)
    return tail


class Writer:
    """Text with Zipf-distributed words: word k of the vocabulary is drawn with weight 1/k."""

    def __init__(self, seed: int = 15) -> None:
        rng = random.Random(seed)
        tail = vocabulary(rng)
        self.words = {"de": GERMAN + tail, "en": ENGLISH + tail}
        weights = [1 / (k + 1) for k in range(len(GERMAN) + len(tail))]
        self.cumulative = {lang: list(itertools.accumulate(weights[: len(words)]))
                           for lang, words in self.words.items()}

    def words_of(self, rng: random.Random, lang: str, n: int) -> list[str]:
        words, cum = self.words[lang], self.cumulative[lang]
        top = cum[-1]
        return [words[bisect.bisect(cum, rng.random() * top)] for _ in range(n)]

    def title(self, rng: random.Random, lang: str, story: list[str]) -> str:
        words = story + [rng.choice(PLATFORMS)] + self.words_of(rng, lang, 14)
        rng.shuffle(words)
        text = ""
        for word in words:
            if len(text) + len(word) > 62:
                break
            text = f"{text} {word}" if text else word
        return text[:1].upper() + text[1:]

    def summary(self, rng: random.Random, lang: str, link: str, story: list[str]) -> str:
        """About 450 characters of HTML: two paragraphs, emphasis, an entity, a link."""
        sentences, length = [], 0
        while length < 330:
            words = self.words_of(rng, lang, rng.randint(7, 14))
            if story and rng.random() < 0.5:
                words[rng.randrange(len(words))] = rng.choice(story)
            if rng.random() < 0.3:
                i = rng.randrange(len(words))
                start, end = rng.choice(TAGS)
                words[i] = f"{start}{words[i]}{end}"
            if rng.random() < 0.15:
                words.insert(rng.randrange(len(words)), f"{rng.randint(2, 950)} {rng.choice(['%', 'Mio.', 'm'])}")
            sentence = " ".join(words)
            sentences.append(sentence[:1].upper() + sentence[1:] + rng.choice([".", ".", ".", "?", ":"]))
            length += len(sentence) + 2
        half = len(sentences) // 2 or 1
        more = "Mehr" if lang == "de" else "Read more"
        return (f"<p>{' '.join(sentences[:half])}</p><p>{' '.join(sentences[half:])} &amp; "
                f"<a href=\"{link}\">{more}</a></p>")


def feed_body(writer: Writer, index: int, items: int, now: datetime, stories: list[list[str]]) -> tuple[bytes, str]:
    """One feed's body and its media type."""
    rng = random.Random(index)
    lang = "de" if index % 3 else "en"
    kind = "json" if index % 11 == 5 else "atom" if index % 7 == 3 else "rss"
    entries = []
    for n in range(items):
        story = stories[rng.randrange(len(stories))] if rng.random() < 0.04 else []
        link = f"https://news{index % 97}.example.org/{index}/{n}-{rng.getrandbits(32):x}?utm_source=rss"
        title = writer.title(rng, lang, story)
        entries.append((title, link, writer.summary(rng, lang, link, story), now - timedelta(minutes=index + 17 * n),
                        f"{index}-{n}"))
    if kind == "json":
        body = {"version": "https://jsonfeed.org/version/1.1", "title": f"Feed {index}", "language": lang,
                "home_page_url": f"https://feed{index}.example.org/",
                "items": [{"id": guid, "url": link, "title": title, "content_html": summary,
                           "date_published": when.isoformat()} for title, link, summary, when, guid in entries]}
        return json.dumps(body, ensure_ascii=False).encode(), "application/feed+json"
    if kind == "atom":
        parts = [f"<entry><title>{escape(title)}</title><link rel=\"alternate\" href=\"{escape(link)}\"/>"
                 f"<id>urn:bench:{guid}</id><updated>{when.isoformat()}</updated>"
                 f"<summary type=\"html\">{escape(summary)}</summary></entry>"
                 for title, link, summary, when, guid in entries]
        return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{lang}">'
                f"<title>Feed {index}</title><id>urn:bench:feed:{index}</id><updated>{now.isoformat()}</updated>"
                + "".join(parts) + "</feed>").encode(), "application/atom+xml; charset=utf-8"
    parts = [f"<item><title>{escape(title)}</title><link>{escape(link)}</link><guid>{guid}</guid>"
             f"<pubDate>{email.utils.format_datetime(when, usegmt=True)}</pubDate>"
             f"<description>{escape(summary)}</description></item>" for title, link, summary, when, guid in entries]
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Feed {index}</title>'
            f"<link>https://feed{index}.example.org/</link><description>bench</description><language>{lang}</language>"
            + "".join(parts) + "</channel></rss>").encode(), "application/rss+xml; charset=utf-8"


def story_words(writer: Writer, count: int) -> list[list[str]]:
    """The shared words of `count` events: names and rare words several feeds report with."""
    rng = random.Random(7)
    tail = writer.words["en"][len(ENGLISH):]
    return [[rng.choice(PLATFORMS), *rng.sample(tail[2000:], 3), f"{rng.randint(10, 900)} Millionen"]
            for _ in range(count)]


class Farm:
    def __init__(self, feeds: int, items: int, delay: float):
        now = datetime.now(UTC).replace(microsecond=0)
        writer = Writer()
        stories = story_words(writer, max(1, feeds // 20))
        self.writer, self.stories, self.now, self.items = writer, stories, now, items
        made = {f"/feed/{i}.xml": feed_body(writer, i, items, now, stories) for i in range(feeds)}
        self.bodies = {p: b for p, (b, _) in made.items()}
        self.types = {p: t for p, (_, t) in made.items()}
        self.etags = {p: '"' + hashlib.sha1(b).hexdigest()[:16] + '"' for p, b in self.bodies.items()}
        self.delay, self.stats = delay, {"200": 0, "304": 0, "404": 0}

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                headers = {k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
                writer.write(await self.answer(path, headers))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, IndexError):
            pass
        finally:
            writer.close()

    async def answer(self, path: str, headers: dict) -> bytes:
        if path == "/__stats":
            body = json.dumps(self.stats).encode()
            return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        if path.startswith("/__bump?every="):
            query = dict(part.split("=", 1) for part in path.split("?", 1)[1].split("&"))
            every, more, bumped = int(query["every"]), int(query.get("items", 1)), 0
            for i in range(0, len(self.bodies), every):
                body, _ = feed_body(self.writer, i, self.items + more, self.now, self.stories)
                self.bodies[f"/feed/{i}.xml"] = body
                self.etags[f"/feed/{i}.xml"] = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                bumped += 1
            body = json.dumps({"bumped": bumped}).encode()
            return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        if path == "/__sizes":
            body = json.dumps({"bytes": sum(map(len, self.bodies.values())), "types": dict(
                (t, list(self.types.values()).count(t)) for t in set(self.types.values()))}).encode()
            return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        await asyncio.sleep(self.delay)
        body = self.bodies.get(path)
        if body is None:
            self.stats["404"] += 1
            return b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
        etag = self.etags[path]
        if headers.get("if-none-match") == etag:
            self.stats["304"] += 1
            return f"HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\n\r\n".encode()
        self.stats["200"] += 1
        return (f"HTTP/1.1 200 OK\r\nContent-Type: {self.types[path]}\r\nETag: {etag}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode() + body


async def main(feeds: int, items: int, delay: float, hosts: int, port: int) -> None:
    farm = Farm(feeds, items, delay)
    servers = [await asyncio.start_server(farm.handle, f"127.0.0.{2 + h}", port, backlog=1024) for h in range(hosts)]
    print("ready", flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


if __name__ == "__main__":
    feeds, items, delay, hosts, port = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    asyncio.run(main(feeds, items, delay, hosts, port))
