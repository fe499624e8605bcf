"""How fast the web archive answers with 100,000 items: p50/p95/max per page, against the store and the SQL.

    /work/venv/bin/python benchmarks/bench_web.py                  # SQLite, and PostgreSQL when it answers
    /work/venv/bin/python benchmarks/bench_web.py --items 20000    # quicker
    /work/venv/bin/python benchmarks/bench_web.py --db /tmp/w.db   # keep the SQLite store, reuse it next time
    /work/venv/bin/python benchmarks/bench_web.py --no-postgres
    /work/venv/bin/python benchmarks/bench_web.py --db /tmp/w.db --postgres-db postgresql+psycopg://postgres@127.0.0.1/w

What it does:

1. Generates 100,000 items (German and English titles and summaries from templates with
   varied platforms, features, topics, company names and made-up product names; tags with
   scores; platforms; ~300 sources in four categories; dates spread over a year; about
   one item in six is a further report of a story another source already covered) and
   stores them through `store.add_items`, the pipeline's own path (clusters included),
   in chronological batches.
2. Starts the archive (`create_app` + uvicorn, as `monitor serve` does) in a child
   process on 127.0.0.1, so the measuring client never shares a GIL with the server.
3. Requests a fixed set of URLs: `/` and `/api/items` with no filter, each filter alone
   (tag, platform, source, category, language, since, until), two combined and four
   searches (one in relevance order, one with a tag); deep pages (the archive's page 50
   and last page, the API's page after item 50,000 through its cursor); `/api/items?limit=1000`;
   `/feed.xml` plain, filtered and searched; an item page, /sources and /trends. Each
   once ("first", reported: /trends and /sources compute there and are then reused
   until the store changes), `--warmup` - 1 more times unmeasured and then `--repeat`
   times, one request at a time; reports p50 / p95 / max per URL. The target: p95
   <= 150 ms for every archive, API and feed URL. `/trends` is reported separately.
4. Same-run baselines, in this process, for every URL: the store calls the page makes
   ("store": SQL + building Items, no HTTP or HTML), and the SQL statements those calls
   send, replayed on the raw DB-API connection ("sql": the database alone). The ratios
   say where the time goes; the statement count says how many queries a page sends.
5. Streams every item once (`/api/items?all=1`, `/export.csv`, a search with `?all=1`):
   time, size, and the server's peak memory (VmHWM) before and after, which stays put
   when the stream is read a batch at a time.
6. When PostgreSQL answers on 127.0.0.1:5432 (or `--postgres URL`), copies the same
   rows into a new temporary database, measures again, and drops the database
   (`--postgres-db URL`: measure a database that already holds these rows instead).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import types
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, insert, select, text  # noqa: E402
from starlette.datastructures import QueryParams  # noqa: E402

from monitor.config import Config, Settings, Source  # noqa: E402
from monitor.item import Item  # noqa: E402
from monitor.store import Store  # noqa: E402
from monitor.store.schema import ItemPlatformRow, ItemRow, ItemTagRow, SourceRow, SubscriptionRow  # noqa: E402

TARGET_MS = 150
PG_ADMIN = os.environ.get("LAGEBILD_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")

# ---------------------------------------------------------------------------------------------- data
PLATFORMS = {"Instagram": "instagram", "TikTok": "tiktok", "LinkedIn": "linkedin", "YouTube": "youtube",
             "Facebook": "facebook", "WhatsApp": "whatsapp", "Pinterest": "pinterest", "Snapchat": "snapchat",
             "Threads": "threads", "Bluesky": "bluesky", "Reddit": "reddit", "XING": "xing", "X": "x",
             "Mastodon": "mastodon", "Telegram": "telegram", "Twitch": "twitch"}
FEATURES_DE = ["Reels", "Stories", "Karussell-Posts", "Live-Videos", "Creator-Tools", "Werbeanzeigen", "Kommentare",
               "Hashtags", "Empfehlungen", "Suchfunktion", "Statistiken", "Markenpartnerschaften", "Collab-Posts",
               "Notizen", "Umfragen", "Untertitel", "Shopping-Tags", "Playlists", "Newsletter", "Gruppen",
               "Broadcast-Kanäle", "Abonnements", "Planungsfunktion", "Bildbearbeitung", "Übersetzungen"]
FEATURES_EN = ["Reels", "Stories", "carousel posts", "live video", "creator tools", "ads", "comments", "hashtags",
               "recommendations", "search", "analytics", "brand partnerships", "collab posts", "notes", "polls",
               "captions", "shopping tags", "playlists", "newsletters", "groups", "broadcast channels",
               "subscriptions", "scheduling", "photo editing", "translations"]
REACH_DE = ["Reichweite", "Reichweitenverlust", "Algorithmus", "Sichtbarkeit", "Engagement-Rate", "Feed-Ranking",
            "organische Reichweite", "Empfehlungsalgorithmus"]
REACH_EN = ["reach", "algorithm", "visibility", "engagement", "feed ranking", "organic reach", "distribution"]
LEGAL_DE = ["DSGVO", "Digital Services Act", "Impressumspflicht", "Urheberrecht", "Jugendschutz",
            "Werbekennzeichnung", "Barrierefreiheit", "KI-Kennzeichnung", "Abmahnung", "Datenschutz"]
LEGAL_EN = ["GDPR", "Digital Services Act", "copyright", "child safety", "ad disclosure", "AI labelling",
            "privacy", "data transfers"]
FIRMS = ["Müller GmbH", "Weiß Media", "Schröder & Söhne", "Straßburger Verlag", "Bäcker AG", "Jäger Digital",
         "Hoffmann KG", "Köhler Events", "Groß & Klein", "Fuchs Kommunikation"]
CITIES = ["Berlin", "Hamburg", "München", "Köln", "Düsseldorf", "Straße des 17. Juni", "Brüssel", "Luxemburg"]
TITLES = {
    ("feature", "de"): ["{p} testet neue {f}: {w}", "{p} führt {f} „{w}“ für alle ein", "{f} kommen zu {p}: Projekt {w}",
                        "{p} startet {f} in Deutschland ({w})", "Neu bei {p}: {f} mit {w}", "{p} erweitert {f} um {w}"],
    ("feature", "en"): ["{p} is testing new {f}: {w}", "{p} rolls out {f} '{w}' to everyone",
                        "{p} launches {f} called {w}", "{p} expands {f} to {n} more markets ({w})",
                        "New on {p}: {f} with {w}", "{p} adds {w} to {f}"],
    ("reach", "de"): ["Studie: {t} auf {p} sinkt um {n} Prozent", "{p} ändert den {t} für {f} – {w}",
                      "{t} bei {p}: Was sich für Marken ändert ({w})", "Weniger {t} für Links auf {p}: {w}-Analyse",
                      "{p}-Update: {t} für {f} bricht ein ({w})"],
    ("reach", "en"): ["Report: {t} on {p} drops {n} percent", "{p} changes its {t} for {f} – {w}",
                      "{p} update cuts {t} for links by {n} percent", "How {p} now ranks {f}: {t} explained ({w})"],
    ("legal", "de"): ["Urteil: {c} muss {t} nachbessern (Az. {az})", "{t}: Bußgeld gegen {p} in Höhe von {n} Mio. Euro",
                      "Abmahnwelle wegen {t} bei {p}-Profilen ({w})", "EU-Kommission prüft {p} wegen {t}: Verfahren {w}",
                      "Gericht in {city}: {c} haftet für {p}-Posts (Az. {az})"],
    ("legal", "en"): ["EU fines {p} {n} million euros under the {t}", "Court rules on {t} for {p} ads (case {az})",
                      "Regulator opens {t} probe into {p}: case {w}", "{p} must change {t} practices, court says ({w})"],
    ("neutral", "de"): ["{n} Tipps für bessere {f} auf {p}", "So nutzt {c} {p} für {w}",
                        "Interview: Wie {c} mit {f} arbeitet ({w})", "Webinar: {p} für Einsteiger ({w})",
                        "Quartalszahlen: {p} wächst in {city} um {n} Prozent"],
    ("neutral", "en"): ["{n} tips for better {f} on {p}", "How {c} uses {p} {f} for {w}", "Case study: {w} on {p}",
                        "Event recap: {p} at {w} summit", "{p} earnings beat expectations by {n} percent"],
}
SENTENCES = {
    "de": ["Die Änderung gilt zunächst für ausgewählte Konten in {city}.", "Laut {c} betrifft das vor allem {f}.",
           "Social-Media-Teams sollten ihre Planung für {f} prüfen.", "Erste Tests zeigen deutliche Unterschiede.",
           "Das Unternehmen nennt keine Details zum Zeitplan.", "Kritiker bemängeln fehlende Transparenz.",
           "Die Funktion {w} soll bis zum Sommer weltweit verfügbar sein.", "Experten rechnen mit Reichweitenverlust."],
    "en": ["The change applies to selected accounts first.", "According to {c}, {f} are affected most.",
           "Social media teams should review their plans for {f}.", "Early tests show clear differences.",
           "The company gave no details on the timeline.", "Critics point to a lack of transparency.",
           "The {w} feature should be available worldwide by summer.", "Experts expect a loss of reach."],
}
GLUE = {"de": "der die das und mit für auf von ist wird nicht auch bei den im ein eine zu sich über".split(),
        "en": "the and of to in for with on is are it that this by from as be at an".split()}
FAMILIES = ["feature", "reach", "legal", "neutral"]
FAMILY_WEIGHTS = [35, 15, 15, 35]
TAG_OF = {"feature": "feature_rollout", "reach": "algorithm_reach_change", "legal": "legal_change"}
OUTLETS = ["t3n", "OMR", "Social Media Today", "TechCrunch", "heise online", "Meta Newsroom", "TikTok Newsroom",
           "LinkedIn Blog", "YouTube Blog", "Datenschutz-Blog", "Golem", "The Verge", "Adweek", "Horizont", "W&V",
           "Marketing-Börse", "Search Engine Land", "netzpolitik.org", "Kanzlei Recht & Netz", "allfacebook.de",
           "Onlinemarketing.de", "Social Media Examiner", "Later Blog", "Hootsuite Blog", "EU-Kommission",
           "Bundeskartellamt", "Verbraucherzentrale", "Digiday", "Wired", "Business Insider"]
CATEGORIES = ["platform", "industry", "legal", "network"]
CATEGORY_WEIGHTS = [25, 50, 15, 10]


def make_sources(n: int, seed: int = 7) -> list[Source]:
    rnd = random.Random(seed)
    out = []
    for k in range(n):
        outlet = OUTLETS[k % len(OUTLETS)]
        lang = "de" if rnd.random() < 0.55 else "en"
        out.append(Source(name=f"{outlet} {k // len(OUTLETS) + 1:02d}", url=f"https://feeds.example/{k}/feed.xml",
                          category=rnd.choices(CATEGORIES, CATEGORY_WEIGHTS)[0], language=lang))
    return out


def made_up_words(rnd: random.Random, n: int) -> list[str]:
    syllables = ["ka", "lo", "mi", "ner", "tus", "bri", "go", "fen", "dra", "pel", "son", "vi", "rum", "ta",
                 "wek", "sto", "ral", "quin", "ber", "ach", "zu", "fle"]
    return ["".join(rnd.choice(syllables) for _ in range(rnd.randint(2, 4))).capitalize() for _ in range(n)]


def generate(n_items: int, sources: list[Source], now: datetime, days: int = 365, seed: int = 1) -> list[Item]:
    """Stories, each reported by one source or (one in six items) by several within two days."""
    rnd = random.Random(seed)
    names = made_up_words(rnd, 4000)
    tail = [w.lower() for w in made_up_words(rnd, 6000)]
    weights = [1 / (1 + k) ** 0.6 for k in range(len(sources))]      # a few busy sources, a long tail
    out: list[Item] = []
    while len(out) < n_items:
        family = rnd.choices(FAMILIES, FAMILY_WEIGHTS)[0]
        first = rnd.choices(sources, weights)[0]
        lang = first.language if rnd.random() < 0.9 else ("en" if first.language == "de" else "de")
        pname = rnd.choice(list(PLATFORMS))
        words = {"p": pname, "w": rnd.choice(names), "n": rnd.randint(2, 95), "c": rnd.choice(FIRMS),
                 "city": rnd.choice(CITIES), "az": f"{rnd.randint(1, 99)} O {rnd.randint(100, 999)}/25",
                 "f": rnd.choice(FEATURES_DE if lang == "de" else FEATURES_EN),
                 "t": rnd.choice({"reach": REACH_DE, "legal": LEGAL_DE}.get(family, REACH_DE) if lang == "de"
                                 else {"reach": REACH_EN, "legal": LEGAL_EN}.get(family, REACH_EN))}
        title = rnd.choice(TITLES[(family, lang)]).format(**words)
        summary = " ".join([rnd.choice(SENTENCES[lang]).format(**words)]
                           + [babble(rnd, tail, GLUE[lang]) for _ in range(rnd.randint(1, 3))])
        published = now - timedelta(days=rnd.random() * days)
        platforms = [PLATFORMS[pname]] + ([rnd.choice(list(PLATFORMS.values()))] if rnd.random() < 0.2 else [])
        reports = 1 if rnd.random() < 0.88 else rnd.randint(2, 6)
        for r in range(min(reports, n_items - len(out))):
            src = first if r == 0 else rnd.choices(sources, weights)[0]
            when = min(published + timedelta(hours=rnd.random() * 48 * (r > 0)), now)
            scores = scores_for(rnd, family)
            out.append(Item(
                source=src.name, title=title if r == 0 or rnd.random() < 0.6 else f"{pname}: {title}",
                url=f"https://news.example/{src.url.split('/')[3]}/{len(out)}", summary=summary,
                content_html=f"<p>{summary}</p>", published=when, lang=lang, platforms=list(dict.fromkeys(platforms)),
                tags=sorted(tag for tag, p in scores.items() if p >= 0.5), scores=scores))
    for n, it in enumerate(out):
        it.canonical_url = it.url
        it.guid = f"bench-{n}"
    out.sort(key=lambda it: it.published)
    return out


def babble(rnd: random.Random, tail: list[str], glue: list[str]) -> str:
    """A sentence of about 40 % function words and a long tail of rarer words, as real text has."""
    words = [rnd.choice(glue) if rnd.random() < 0.4 else rnd.choice(tail) for _ in range(rnd.randint(7, 14))]
    return " ".join(words).capitalize() + "."


def scores_for(rnd: random.Random, family: str) -> dict[str, float]:
    scores = {tag: round(rnd.random() * 0.35, 3) for tag in TAG_OF.values()}
    if family in TAG_OF:
        scores[TAG_OF[family]] = round(0.55 + rnd.random() * 0.44, 3)
    if rnd.random() < 0.05:
        scores[rnd.choice(list(TAG_OF.values()))] = round(0.5 + rnd.random() * 0.3, 3)
    return scores


def build_sqlite(path: Path, n_items: int, sources: list[Source], now: datetime) -> Store:
    store = Store.open(f"sqlite:///{path}")
    with store.session() as s:
        count = s.scalar(select(func.count()).select_from(ItemRow))
    if count:
        print(f"reusing {path} ({count:,} items)")
        return store
    store.sync_sources(sources)
    started = time.perf_counter()
    items = generate(n_items, sources, now)
    print(f"generated {len(items):,} items in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    for start in range(0, len(items), 2000):
        batch = items[start:start + 2000]
        store.add_items(batch, now=max(it.published for it in batch) + timedelta(minutes=5))
    print(f"stored {len(items):,} items from {len(sources)} sources over 365 days through store.add_items "
          f"in {time.perf_counter() - started:.1f} s", flush=True)
    return store


def copy_store(source: Store, target: Store) -> None:
    """The same rows in another database (PostgreSQL), ids kept, sequences moved past them."""
    # The subscriptions too: the default team reads the items of the sources it subscribes to.
    tables = [SourceRow.__table__, SubscriptionRow.__table__, ItemRow.__table__, ItemTagRow.__table__,
              ItemPlatformRow.__table__]
    with source.engine.connect() as src, target.engine.begin() as dst:
        for table in tables:
            cols = [c for c in table.columns]
            rows = src.execute(select(*cols))
            while chunk := rows.fetchmany(5000):
                dst.execute(insert(table), [dict(r._mapping) for r in chunk])
        if target.dialect == "postgresql":
            for table in ("sources", "items"):
                dst.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                 f"(SELECT coalesce(max(id), 1) FROM {table}))"))
    if target.dialect == "postgresql":
        with target.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))


# ---------------------------------------------------------------------------------------------- URLs
def view_filters(store: Store, now: datetime) -> list[str]:
    """The filters measured on `/` and on `/api/items`: none, each filter alone, two combined, searches."""
    with store.session() as s:
        busy = s.execute(select(SourceRow.name).join(ItemRow, ItemRow.source_id == SourceRow.id)
                         .group_by(SourceRow.name).order_by(func.count().desc()).limit(1)).scalar()
    half_a_year_ago = (now - timedelta(days=182)).date().isoformat()
    return ["", "tag=legal_change", "platform=linkedin", "platform=instagram&tag=feature_rollout",
            "source=" + quote(busy), "category=legal", "lang=en", "since=30d&lang=de", f"until={half_a_year_ago}",
            "q=Reichweite", "q=Mueller", "q=verlust&order=relevance", "q=Strasse&tag=legal_change"]


def pick_urls(store: Store, now: datetime) -> list[tuple[str, str]]:
    """(kind, URL): kind is page | api | feed | item | sources | trends."""
    from monitor.store import ItemQuery
    from monitor.store.paging import Key
    from monitor.web.filters import encode_cursor

    with store.session() as s:
        story = s.execute(select(ItemRow.cluster_id).group_by(ItemRow.cluster_id)
                          .having(func.count() >= 4).order_by(ItemRow.cluster_id.desc()).limit(1)).scalar()
        stories = s.scalar(select(func.count(func.distinct(ItemRow.cluster_id))))
        total = s.scalar(select(func.count()).select_from(ItemRow))
        middle = store.query_ids(ItemQuery(offset=total // 2, limit=1))[0]      # a client half-way through the pages
        deep = encode_cursor(Key(when=s.get(ItemRow, middle).sort_date, id=middle), "newest")
    last_page = max(1, math.ceil(stories / 50))          # the archive lists stories, 50 to a page
    filters = view_filters(store, now)
    return [
        *(("page", "/" + (f"?{f}" if f else "")) for f in filters),
        ("page", "/?page=50"),
        ("page", f"/?page={last_page}"),
        # The daily views (monitor/web/views.py), last: the archive remembers the chosen view and
        # would send the plain pages above there.
        ("page", "/?view=new"),
        ("page", "/?view=digest&tagged=1"),
        *(("api", "/api/items" + (f"?{f}" if f else "")) for f in filters),
        ("api", f"/api/items?cursor={deep}"),
        ("api", "/api/items?limit=1000"),
        ("api", "/api/items?view=digest&tagged=1"),
        ("feed", "/feed.xml"),
        ("feed", "/feed.xml?platform=tiktok"),
        ("feed", "/feed.xml?q=Reichweite"),
        ("item", f"/items/{story}"),
        ("sources", "/sources"),
        ("trends", "/trends"),
    ]


def in_process(store: Store, config: Config, url: str) -> Callable[[], object]:
    """The store calls the page behind `url` makes, without HTTP and HTML."""
    from monitor.clock import utcnow
    from monitor.web import archive, items
    from monitor.web.filters import parse_cursor, parse_filters

    parts = urlsplit(url)
    params = QueryParams(parts.query)
    f = parse_filters(params, config.settings.tz, utcnow())
    if f.view_name != "all":         # a first visit, no digest yet: the last day's arrivals
        f.arrived_after = utcnow() - timedelta(hours=24)
    names = [s.name for s in config.sources]
    if parts.path == "/":
        return lambda: archive.load_page(store, f, names)
    if parts.path == "/api/items":
        size, after = int(params.get("limit") or 100), parse_cursor(params, f.order)
        return lambda: store.item_page(f.query(), after, size)
    if parts.path == "/feed.xml":
        return lambda: store.query_items(f.query(limit=int(params.get("limit") or 50)))
    if parts.path.startswith("/items/"):
        web = types.SimpleNamespace(store=store, tagger=lambda: None)
        return lambda: items.load_item(web, int(parts.path.rsplit("/", 1)[1]))
    if parts.path == "/sources":
        return lambda: (store.list_sources(), store.outbox())
    if parts.path == "/trends":
        from monitor.web.trends import load_trends
        return lambda: load_trends(store, 7, config.settings)
    raise ValueError(url)


@contextlib.contextmanager
def captured(store: Store):
    """Every (statement, parameters) sent to the database while the block runs."""
    seen: list[tuple[str, object, bool]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters, executemany))

    event.listen(store.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", before)


def replay(store: Store, statements) -> None:
    """The captured SQL on the raw DB-API connection, every row fetched: the database's share."""
    raw = store.engine.raw_connection()
    try:
        cur = raw.cursor()
        for statement, parameters, many in statements:
            if many:
                cur.executemany(statement, parameters)
            else:
                cur.execute(statement, parameters)
            if cur.description is not None:
                cur.fetchall()
        cur.close()
        raw.rollback()
    finally:
        raw.close()


def timings(fn: Callable[[], object], warmup: int, repeat: int) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


# ---------------------------------------------------------------------------------------------- server
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server(db_url: str, n_sources: int, home: Path):
    """`monitor serve` for this store in a child process; yields its base URL and process id."""
    import httpx

    port = free_port()
    cmd = [sys.executable, str(Path(__file__).resolve()), "--serve", db_url, "--port", str(port),
           "--sources", str(n_sources), "--home", str(home)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError("the archive did not start: " + proc.stderr.read().decode(errors="replace"))
            try:
                if httpx.get(base + "/static/web.css", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the archive did not start within 60 s")
        yield base, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def serve_main(db_url: str, port: int, n_sources: int, home: Path) -> None:
    from monitor.web import create_app, serve

    store = Store.open(db_url)
    config = Config(settings=Settings(language="de"), sources=make_sources(n_sources))
    serve(create_app(config, store, home=home), "127.0.0.1", port)


# ---------------------------------------------------------------------------------------------- measuring
def measure(label: str, store: Store, db_url: str, config: Config, n_sources: int, args, home: Path,
            now: datetime) -> dict:
    import httpx

    urls = pick_urls(store, now)
    print(f"\n=== {label}: {db_url.split('@')[-1] if '@' in db_url else db_url}")
    results = []
    with server(db_url, n_sources, home) as (base, pid), httpx.Client(base_url=base, timeout=300) as client:
        for kind, url in urls:
            repeat = args.trend_repeat if kind == "trends" else args.repeat
            warmup = 1 if kind == "trends" else args.warmup

            def get(url=url):
                response = client.get(url)
                if response.status_code != 200:
                    raise RuntimeError(f"{url}: HTTP {response.status_code}")
                return response

            started = time.perf_counter()
            get()                                    # the first request: /trends and /sources compute here
            first = (time.perf_counter() - started) * 1000
            http = timings(get, max(warmup - 1, 0), repeat)
            size = len(get().content)
            call = in_process(store, config, url)
            with captured(store) as statements:
                call()
            store_ms = timings(call, warmup, repeat)
            sql_ms = timings(lambda: replay(store, statements), warmup, repeat)
            results.append({"kind": kind, "url": url, "http": http, "store": store_ms, "sql": sql_ms,
                            "queries": len(statements), "bytes": size, "first": first})
            print(f"  {kind:7s} first {first:7.1f}  p50 {statistics.median(http):7.1f}  p95 {pct(http, 95):7.1f}  "
                  f"max {max(http):7.1f} ms"
                  f"  | store p50 {statistics.median(store_ms):6.1f}  sql p50 {statistics.median(sql_ms):6.1f} ms"
                  f"  | {len(statements):2d} queries  {size / 1024:5.0f} KiB  {url}", flush=True)
        streams = [stream(client, pid, url) for url in STREAMS]
    measured = [r for r in results if r["kind"] in ROUTE_KINDS]
    every = [v for r in measured for v in r["http"]]
    worst = max(measured, key=lambda r: pct(r["http"], 95))
    missed = [r["url"] for r in measured if pct(r["http"], 95) > TARGET_MS]
    print(f"  overall p95 of the {len(measured)} archive, API and feed URLs: {pct(every, 95):.1f} ms; slowest p95 "
          f"{pct(worst['http'], 95):.1f} ms {worst['url']}; over {TARGET_MS} ms: {', '.join(missed) or 'none'}")
    trend = next((r for r in results if r["kind"] == "trends"), None)
    if trend:
        print(f"  /trends: computed over the 7-day window and 42 days of baseline on the first request "
              f"({trend['first']:.0f} ms; the computation alone {statistics.median(trend['store']):.0f} ms), "
              f"then reused until new items arrive or 5 minutes pass: p50 {statistics.median(trend['http']):.0f} ms, "
              f"max {max(trend['http']):.0f} ms ({len(trend['http'])} requests)")
    return {"label": label, "results": results, "overall_p95": pct(every, 95), "missed": missed, "streams": streams}


ROUTE_KINDS = ("page", "api", "feed")             # the routes with the p95 target
STREAMS = ["/api/items?all=1", "/export.csv", "/api/items?all=1&q=Reichweite"]


def stream(client, pid: int, url: str) -> dict:
    """Every match streamed once: time, size, and the server's peak memory before and after."""
    before = peak_rss_mb(pid)
    started = time.perf_counter()
    size = 0
    with client.stream("GET", url) as response:
        for chunk in response.iter_raw():
            size += len(chunk)
    seconds = time.perf_counter() - started
    after = peak_rss_mb(pid)
    print(f"  stream  {seconds:6.1f} s  {size / 2**20:6.1f} MiB  server peak memory {before:.0f} -> {after:.0f} MB  "
          f"{url}", flush=True)
    return {"url": url, "seconds": seconds, "bytes": size, "before": before, "after": after}


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MB; 0 where /proc does not tell."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def table(runs: list[dict]) -> None:
    """The figures for a closing note, as Markdown: every run's per-URL detail, then p95 side by side."""
    print("\n| config | kind | URL | first ms | p50 ms | p95 ms | max ms | store p50 | SQL p50 | page/store | page/SQL "
          "| queries |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for run in runs:
        for r in run["results"]:
            h, st, sq = statistics.median(r["http"]), statistics.median(r["store"]), statistics.median(r["sql"])
            print(f"| {run['label']} | {r['kind']} | `{r['url'][:70]}` | {r['first']:.1f} | {h:.1f} | "
                  f"{pct(r['http'], 95):.1f} | {max(r['http']):.1f} | {st:.1f} | {sq:.1f} | {h / max(st, 0.01):.1f} | "
                  f"{h / max(sq, 0.01):.1f} | {r['queries']} |")
    labels = [run["label"] for run in runs]
    print("\n| route | " + " | ".join(f"{label} p50 / p95 ms" for label in labels) + " |")
    print("|---|" + "---:|" * len(labels))
    by_url = [{r["url"]: r for r in run["results"]} for run in runs]
    for r in runs[0]["results"]:
        if r["kind"] not in ROUTE_KINDS:
            continue
        cells = [f"{statistics.median(m[r['url']]['http']):.0f} / {pct(m[r['url']]['http'], 95):.0f}"
                 if r["url"] in m else "" for m in by_url]
        print(f"| `{short(r['url'])}` | " + " | ".join(cells) + " |")
    for run in runs:
        print(f"\n{run['label']}: overall p95 {run['overall_p95']:.1f} ms; over {TARGET_MS} ms: "
              f"{', '.join(run['missed']) or 'none'}")
        for st in run["streams"]:
            print(f"{run['label']}: {st['url']} {st['bytes'] / 2**20:.1f} MiB in {st['seconds']:.1f} s, "
                  f"server peak memory {st['before']:.0f} -> {st['after']:.0f} MB")


def short(url: str) -> str:
    """A URL for the table: long cursors and source names cut."""
    if "cursor=" in url:
        return url.split("cursor=")[0] + "cursor=…(the page after item 50,000)"
    return url if len(url) <= 60 else url[:57] + "…"


@contextlib.contextmanager
def postgres_database(admin_url: str):
    import psycopg

    admin = admin_url.replace("+psycopg", "")
    name = f"lagebild_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        print(f"dropped the temporary PostgreSQL database {name}")


def postgres_up(admin_url: str) -> bool:
    try:
        import psycopg
        with psycopg.connect(admin_url.replace("+psycopg", ""), connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001 - no server, no second configuration
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--sources", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=30, help="measured requests per URL")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--trend-repeat", type=int, default=5)
    parser.add_argument("--db", type=Path, help="keep the SQLite store in this file (reused when it has items)")
    parser.add_argument("--postgres", default=PG_ADMIN, metavar="ADMIN_URL",
                        help="PostgreSQL server to measure too (a temporary database is created and dropped)")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--postgres-db", metavar="URL",
                        help="a PostgreSQL database that already holds the rows of --db (measured as it is)")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_main(args.serve, args.port, args.sources, args.home)
        return

    started = time.perf_counter()
    now = datetime.now(UTC).replace(microsecond=0)
    sources = make_sources(args.sources)
    config = Config(settings=Settings(language="de"), sources=sources)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
          f"SQLite {__import__('sqlite3').sqlite_version}")
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        home = Path(tmp) / "home"
        db_path = args.db or Path(tmp) / "bench.db"
        store = build_sqlite(db_path, args.items, sources, now)
        runs.append(measure("SQLite", store, f"sqlite:///{db_path}", config, args.sources, args, home, now))
        if args.postgres_db:
            pg = Store.open(args.postgres_db)
            try:
                runs.append(measure("PostgreSQL", pg, args.postgres_db, config, args.sources, args, home, now))
            finally:
                pg.close()
        elif not args.no_postgres and postgres_up(args.postgres):
            with postgres_database(args.postgres) as pg_url:
                pg = Store.open(pg_url)
                copied = time.perf_counter()
                copy_store(store, pg)
                print(f"\ncopied the rows into PostgreSQL in {time.perf_counter() - copied:.1f} s", flush=True)
                try:
                    runs.append(measure("PostgreSQL", pg, pg_url, config, args.sources, args, home, now))
                finally:
                    pg.close()
        elif not args.no_postgres:
            print("\n(no PostgreSQL server answered; measured SQLite only)")
        store.close()
        shutil.rmtree(home, ignore_errors=True)
    table(runs)
    print(f"\ntotal run time {time.perf_counter() - started:.0f} s; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
