"""Three teams, 1,000 sources they all subscribe to and 200 each of their own (issue 17 part 5):
`monitor run` fetches every shared source once for all three, and again only in its next
window; each team sees its 1,200 sources' items and not one of another team's own sources.

One loopback server serves all 1,600 tiny feeds and logs every request; feeds.yaml allows
many requests per host, so the whole crawl takes seconds."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from monitor.store import Store
from monitor.store.schema import ItemRow
from monitor.teams.scope import visible_items
from monitor.work.shards import window_of
from tests.servers import FeedServer, rss

ROOT = Path(__file__).resolve().parent.parent
SHARED, PRIVATE = 1000, 200
TEAMS = {"acme": "6h", "globex": "12h", "initech": "24h"}     # the shared sources' window is the shortest: 6 h


def build(tmp: Path, servers: list[FeedServer]) -> None:
    """The feeds, spread over the servers (each its own host), and feeds.yaml with teams/ beside it."""
    def add(n: int, path: str, body: str) -> str:
        web = servers[n % len(servers)]
        web.add(path, body)
        return web.base
    hosts = {}
    for n in range(SHARED):
        hosts[f"/shared/{n}.xml"] = add(n, f"/shared/{n}.xml", rss(f"Shared {n}", [
            {"title": f"Gemeinsame Meldung {n}", "link": f"http://127.0.0.1/shared/{n}"}]))
    for team in TEAMS:
        for n in range(PRIVATE):
            hosts[f"/{team}/{n}.xml"] = add(n, f"/{team}/{n}.xml", rss(f"{team} {n}", [
                {"title": f"Eigene Meldung {team} {n}", "link": f"http://127.0.0.1/{team}/{n}"}]))
    (tmp / "feeds.yaml").write_text("settings:\n  fetch:\n    per_host: 64\n    concurrency: 256\n    retries: 0\n"
                                    "sources: []\n", encoding="utf-8")
    (tmp / "teams").mkdir()
    for team, interval in TEAMS.items():
        lines = [f"settings:\n  language: en\n  fetch:\n    interval: {interval}\nsources:\n"]
        for n in range(SHARED):       # each team names the shared feeds its own way and writes the URL its own way
            host = hosts[f"/shared/{n}.xml"]
            url = {"acme": f"{host}/shared/{n}.xml", "globex": f"{host}/shared/{n}.xml#latest",
                   "initech": f"{host}/feeds/../shared/{n}.xml"}[team]
            lines.append(f"  - name: {team} shared {n}\n    url: {url}\n    category: industry\n")
        for n in range(PRIVATE):
            lines.append(f"  - name: {team} own {n}\n    url: {hosts[f'/{team}/{n}.xml']}/{team}/{n}.xml\n")
        (tmp / "teams" / f"{team}.yaml").write_text("".join(lines), encoding="utf-8")


def hits(servers: list[FeedServer]) -> Counter:
    return Counter(path for web in servers for path, _headers in web.requests)


def check_isolation(db: str) -> None:
    """Every item once; each team sees exactly its 1,200 sources' items, none of another team's own."""
    store = Store.open(db)
    try:
        with store.session() as s:
            assert s.scalar(select(func.count()).select_from(ItemRow)) == SHARED + PRIVATE * len(TEAMS)
            for team in TEAMS:
                team_id = store.team(team).id
                urls = list(s.scalars(visible_items(select(ItemRow.url), team_id)))
                assert len(urls) == SHARED + PRIVATE
                others = [u for u in urls if any(f"/{t}/" in u for t in TEAMS if t != team)]
                assert others == [], f"team {team} sees another team's own items"
        names = [r["name"] for r in store.list_sources(team_id=store.team("globex").id)]
        assert len(names) == SHARED + PRIVATE and all(n.startswith("globex ") for n in names)
    finally:
        store.close()


def check_once(first: Counter) -> None:
    shared = [f"/shared/{n}.xml" for n in range(SHARED)]
    private = [f"/{team}/{n}.xml" for team in TEAMS for n in range(PRIVATE)]
    assert [first[p] for p in shared] == [1] * SHARED, "a shared source was fetched more than once in one window"
    assert [first[p] for p in private] == [1] * len(private)
    assert sum(first.values()) == SHARED + len(private)


def run(env: dict) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "monitor", "run", "-q"], env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_three_teams_fetch_each_shared_source_once_per_window_and_see_only_their_own(tmp_path):
    db = f"sqlite:///{tmp_path / 'home' / 'monitor.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(MONITOR_CONFIG=str(tmp_path / "feeds.yaml"), MONITOR_HOME=str(tmp_path / "home"), MONITOR_DB=db,
               PYTHONPATH=str(ROOT), NO_PROXY="127.0.0.1,localhost")
    with FeedServer() as web:
        build(tmp_path, [web])
        started = datetime.now(UTC)
        clock = time.monotonic()
        run(env)
        first = hits([web])
        took = time.monotonic() - clock
        run(env)
        ended = datetime.now(UTC)
        both = hits([web])
    check_once(first)
    # The second run is in the same window (unless a window boundary fell between the two runs): nothing is due.
    for path, interval in [("/shared/0.xml", "6h")] + [(f"/{t}/0.xml", i) for t, i in TEAMS.items()]:
        step = timedelta(hours=int(interval[:-1]))
        if window_of(started, step) == window_of(ended, step):
            assert both[path] == 1, f"{path} fetched again within its {interval} window"
    print(f"first run: {sum(first.values())} requests in {took:.1f} s")
    check_isolation(db)
