"""A loopback feed farm for benchmarks: N feeds over many 127.0.0.x addresses, each answer after a delay.

Runs as its own process (asyncio, keep-alive HTTP/1.1) so that it does not share the
measured process. Answers If-None-Match with 304 and counts statuses, which the
benchmark reads from GET /__stats on the first address.
"""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import json
import random
import sys
from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape

PLATFORMS = ["Instagram", "TikTok", "LinkedIn", "YouTube", "Facebook", "WhatsApp", "Threads", "Pinterest",
             "Snapchat", "X", "Bluesky", "Mastodon", "Reddit", "XING", "Telegram"]
TEMPLATES = [
    "{p} testet neue Funktion für {f} ({n})", "{p} rolls out {f} to more countries ({n})",
    "EU-Kommission prüft {p} wegen {f} ({n})", "Court ruling on {p} {f} affects advertisers ({n})",
    "{p} ändert Algorithmus: weniger Reichweite für {f} ({n})", "Study: {p} {f} posts lose organic reach ({n})",
    "Ten tips for better {p} {f} ({n})", "{p} reports quarterly revenue, {f} grows ({n})",
    "Neue Datenschutzrichtlinie bei {p}: was sich für {f} ändert ({n})", "How to plan {p} {f} ({n})",
]
FEATURES = ["Reels", "Stories", "Kanäle", "Broadcast channels", "Shorts", "Live", "Communities", "Ads",
            "Creator tools", "Notes", "Carousels", "Link posts", "Hashtags", "DMs", "Shop"]


def feed_body(index: int, items: int, now: datetime) -> bytes:
    rng = random.Random(index)
    parts = []
    for n in range(items):
        title = rng.choice(TEMPLATES).format(p=rng.choice(PLATFORMS), f=rng.choice(FEATURES), n=f"{index}-{n}")
        link = f"https://news{index % 97}.example.org/{index}/{n}?utm_source=rss"
        when = email.utils.format_datetime(now - timedelta(minutes=index + 17 * n), usegmt=True)
        summary = (f"<p>{escape(title)}. Die Änderung betrifft zunächst ausgewählte Konten; "
                   f"weitere Details folgen in den kommenden Wochen. <a href=\"{link}\">Mehr</a></p>")
        parts.append(f"<item><title>{escape(title)}</title><link>{escape(link)}</link><guid>{index}-{n}</guid>"
                     f"<pubDate>{when}</pubDate><description>{escape(summary)}</description></item>")
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Feed {index}</title>'
            f"<link>https://feed{index}.example.org/</link><description>bench</description>"
            + "".join(parts) + "</channel></rss>").encode()


class Farm:
    def __init__(self, feeds: int, items: int, delay: float):
        now = datetime.now(UTC).replace(microsecond=0)
        self.bodies = {f"/feed/{i}.xml": feed_body(i, items, now) for i in range(feeds)}
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
        return (f"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml; charset=utf-8\r\nETag: {etag}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode() + body


async def main(feeds: int, items: int, delay: float, hosts: int, port: int) -> None:
    farm = Farm(feeds, items, delay)
    servers = [await asyncio.start_server(farm.handle, f"127.0.0.{2 + h}", port, backlog=1024) for h in range(hosts)]
    print("ready", flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


if __name__ == "__main__":
    feeds, items, delay, hosts, port = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    asyncio.run(main(feeds, items, delay, hosts, port))
