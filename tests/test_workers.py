"""Several processes over one PostgreSQL database: the guards in Lagebild's own tables.

Whatever hands out the work, a duplicated or concurrent step must be harmless: items are
stored once (unique fingerprint, ON CONFLICT DO NOTHING), an alert is claimed before it
is sent, a scheduled digest is one row per target and period written before sending,
migrations run under an advisory lock, and a crawl process dies with its parent. Every
test here runs real processes against the real PostgreSQL server on 127.0.0.1:5432
(a throwaway database each, see conftest.py) and skips when there is none.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.config import load_config
from monitor.item import Item
from monitor.store import NewDelivery, Store
from tests.servers import FeedServer, Webhook, rss

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX")]

ROOT = Path(__file__).resolve().parent.parent
LEGAL = [
    ("EU-Kommission verhängt Bußgeld gegen TikTok nach dem DSA", "http://127.0.0.1/legal/dsa-tiktok"),
    ("Court rules Meta consent banner unlawful", "http://127.0.0.1/legal/meta-consent"),
    ("BGH: Cookie-Banner brauchen eine Ablehnen-Option", "http://127.0.0.1/legal/bgh-cookie"),
    ("EU fines X 120 million euros under the Digital Services Act", "http://127.0.0.1/legal/dsa-x"),
]
ITEM_URL = re.compile(r"http://127\.0\.0\.1/[^\s)\]\"'<>]+")   # item links have no port; servers do


def environment(tmp: Path, db: str, config: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(MONITOR_CONFIG=str(config), MONITOR_HOME=str(tmp / "home"), MONITOR_DB=db,
               NO_PROXY="127.0.0.1,localhost", PYTHONPATH=str(ROOT))
    return env


def write_config(tmp: Path, sources: dict[str, str], targets: dict[str, str], *, alerts: bool = True,
                 digest: list[str] = ()) -> Path:
    rules = "  alerts:\n    - tags: [legal_change]\n      notify: [team-chat]\n" if alerts else ""
    config = tmp / "feeds.yaml"
    config.write_text("settings:\n  language: de\n  timezone: Europe/Berlin\n  fetch:\n    per_host: 8\n"
                      f"    retries: 0\n  digest:\n    at: \"07:30\"\n    notify: [{', '.join(digest)}]\n{rules}"
                      "notify:\n" + "".join(f"  {k}: {v}\n" for k, v in targets.items())
                      + "sources:\n" + "".join(f"  - name: {name}\n    url: {url}\n    category: industry\n"
                                               f"    language: de\n" for name, url in sources.items()),
                      encoding="utf-8")
    return config


def start(env: dict, *args: str, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, *args], env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def finish(procs: list[subprocess.Popen], logs: list[Path], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    for proc, log in zip(procs, logs):
        try:
            proc.wait(max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        assert proc.returncode == 0, log.read_text()[-3000:]


def alerted_urls(hook: Webhook) -> Counter:
    return Counter(url for post in hook.accepted for url in ITEM_URL.findall(post.get("message", "")))


# --------------------------------------------------------------------------- items and alerts

def test_two_runs_at_once_store_each_item_once_and_alert_each_legal_item_once(tmp_path, postgres_url):
    hook = Webhook()
    hook.hold = 1.0                      # a slow chat: both runs reach delivery while the other still sends
    with FeedServer() as web:
        sources = {}
        for n in range(4):
            entries = [{"title": f"Social-Media-Tipps {n}.{k}: Formate und Zeiten", "link": f"http://127.0.0.1/tips/{n}/{k}"}
                       for k in range(40)]
            entries += [{"title": t, "link": u, "summary": f"<p>{t}.</p>"} for t, u in LEGAL[n:n + 1]]
            sources[f"Feed {n}"] = web.add(f"/feed{n}.xml", rss(f"Feed {n}", entries), delay=0.5)
        config = write_config(tmp_path, sources, {"team-chat": hook.url})
        env = environment(tmp_path, postgres_url, config)
        Store.open(postgres_url).close()          # migrated once, so both runs race on the data, not the schema
        logs = [tmp_path / f"run{n}.log" for n in range(2)]
        procs = [start(env, "-m", "monitor", "run", "--quiet", log=log) for log in logs]
        finish(procs, logs)
    hook.close()
    store = Store.open(postgres_url)
    try:
        with store.session() as s:
            from sqlalchemy import text
            urls = Counter(u for (u,) in s.execute(text("SELECT url FROM items")))
    finally:
        store.close()
    assert len(urls) == 4 * 41 and max(urls.values()) == 1
    assert set(alerted_urls(hook)) == {u for _, u in LEGAL} and max(alerted_urls(hook).values()) == 1


def _filled(url: str, config: Path, target: str) -> Store:
    """The config's sources and one legal item per source, each with an alert to `target`."""
    store = Store.open(url)
    cfg = load_config(config)
    store.sync_sources(cfg.sources)
    items = [Item(source=src.name, title=title, url=link, canonical_url=link, tags=["legal_change"],
                  scores={"legal_change": 0.95}, summary=f"{title}.", published=datetime.now(UTC) - timedelta(hours=1))
             for src, (title, link) in zip(cfg.sources, LEGAL)]
    store.add_items(items, [NewDelivery(n, target, "legal_change 0.95") for n in range(len(items))])
    return store


def test_two_senders_and_a_slow_webhook_deliver_each_alert_once(tmp_path, postgres_url):
    hook = Webhook()
    hook.hold = 3.0
    config = write_config(tmp_path, {f"Feed {n}": f"http://127.0.0.1:9/{n}.xml" for n in range(4)},
                          {"team-chat": hook.url})
    _filled(postgres_url, config, "team-chat").close()
    env = environment(tmp_path, postgres_url, config)
    logs = [tmp_path / f"send{n}.log" for n in range(2)]
    procs = [start(env, "-m", "monitor", "outbox", "--retry", log=log) for log in logs]
    finish(procs, logs)
    hook.close()
    assert hook.accepted and max(alerted_urls(hook).values()) == 1      # one entry per story, none twice
    store = Store.open(postgres_url)
    try:
        assert store.outbox() == []
        with store.session() as s:
            from sqlalchemy import text
            assert s.execute(text("SELECT state, attempts FROM deliveries")).all() == [("sent", 1)] * len(LEGAL)
    finally:
        store.close()


def test_an_alert_claimed_by_a_sender_that_died_is_sent_once_its_lease_runs_out(tmp_path, postgres_url):
    config = write_config(tmp_path, {f"Feed {n}": f"http://127.0.0.1:9/{n}.xml" for n in range(4)},
                          {"team-chat": "json://127.0.0.1:9/hook"})
    first, second = _filled(postgres_url, config, "team-chat"), Store.open(postgres_url)
    try:
        claimed = [did for rows in first.due_alerts().values() for did, _, _ in rows]
        assert len(claimed) == 4 and second.due_alerts() == {}          # held by the first sender
        from sqlalchemy import text
        with first.session() as s, s.begin():                          # ... which died ten minutes ago
            s.execute(text("UPDATE deliveries SET lease_until = now() - interval '1 second'"))
        taken = [did for rows in second.due_alerts().values() for did, _, _ in rows]
        assert sorted(taken) == sorted(claimed)
        first.mark_alerts_sent(claimed)                                 # a stale sender writes nothing
        assert sum(row["messages"] for row in second.outbox()) == 4
        second.mark_alerts_sent(taken)
        assert second.outbox() == [] and first.due_alerts() == {}
    finally:
        first.close()
        second.close()


# --------------------------------------------------------------------------- digest

DIGEST_SCRIPT = """
import sys
from datetime import datetime
from monitor.config import load_config
from monitor.daemon import digest_period
from monitor.store import Store
from monitor.tell.deliver import Sender
from monitor.tell.digest import send_digest
from pathlib import Path
config = load_config(Path(sys.argv[1]))
now = datetime.fromisoformat(sys.argv[3])
store = Store.open(sys.argv[2])
period = digest_period(now, config.settings.digest.at, config.settings.tz)
report = send_digest(store, config, Sender(), now=now, period=period, echo=lambda _: None)
print("\\n".join(report.lines))
sys.exit(report.exit_code)
"""


def test_three_processes_at_digest_time_on_a_dst_day_send_one_digest_per_target(tmp_path, postgres_url):
    hooks = {"team-a": Webhook(), "team-b": Webhook()}
    for hook in hooks.values():
        hook.hold = 2.0
    config = write_config(tmp_path, {f"Feed {n}": f"http://127.0.0.1:9/{n}.xml" for n in range(4)},
                          {name: hook.url for name, hook in hooks.items()}, alerts=False, digest=list(hooks))
    _filled(postgres_url, config, "nobody").close()
    env = environment(tmp_path, postgres_url, config)
    script = tmp_path / "digest_once.py"
    script.write_text(DIGEST_SCRIPT, encoding="utf-8")
    # 29 March 2026: Berlin's clocks jump from 02:00 to 03:00; 07:30 local is 05:30 UTC.
    at_digest_time = ["2026-03-29T05:30:00+00:00", "2026-03-29T05:30:20+00:00", "2026-03-29T05:31:00+00:00"]
    logs = [tmp_path / f"digest{n}.log" for n in range(3)]
    procs = [start(env, str(script), str(config), postgres_url, when, log=log)
             for when, log in zip(at_digest_time, logs)]
    finish(procs, logs)
    for hook in hooks.values():
        assert len(hook.accepted) == 1 and alerted_urls(hook) == Counter({u: 1 for _, u in LEGAL})
    # later that day a duplicated job for the same period sends nothing, even with news waiting
    store = _filled(postgres_url, config, "nobody")
    try:
        store.add_items([Item(source="Feed 0", title="Neue Meldung am Nachmittag", url="http://127.0.0.1/late",
                              canonical_url="http://127.0.0.1/late")])
    finally:
        store.close()
    late = start(env, str(script), str(config), postgres_url, "2026-03-29T13:00:00+00:00", log=logs[0])
    finish([late], logs[:1])
    the_next_day = start(env, str(script), str(config), postgres_url, "2026-03-30T05:30:00+00:00", log=logs[1])
    finish([the_next_day], logs[1:2])
    for hook in hooks.values():
        hook.close()
        assert len(hook.accepted) == 2 and alerted_urls(hook)["http://127.0.0.1/late"] == 1


# --------------------------------------------------------------------------- migrations

def test_four_processes_migrating_an_empty_database_at_once_all_succeed(tmp_path, postgres_url):
    env = environment(tmp_path, postgres_url, tmp_path / "feeds.yaml")
    logs = [tmp_path / f"migrate{n}.log" for n in range(4)]
    procs = [start(env, "-c", f"from monitor.store import Store; Store.open({postgres_url!r}).close()", log=log)
             for log in logs]
    finish(procs, logs, timeout=120)
    from monitor.store.database import head_revision
    store = Store.open(postgres_url)
    try:
        with store.session() as s:
            from sqlalchemy import text
            assert s.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [head_revision()]
    finally:
        store.close()


# --------------------------------------------------------------------------- the crawl child

def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for a parent (in a container, nobody may reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_crawl_child_dies_within_five_seconds_of_its_killed_parent(tmp_path):
    with FeedServer() as web:
        slow = {f"Slow {n}": web.add(f"/slow{n}.xml", rss("slow", []), delay=20) for n in range(3)}
        config = write_config(tmp_path, slow, {"team-chat": "json://127.0.0.1:9/hook"})
        env = environment(tmp_path, f"sqlite:///{tmp_path / 'lagebild.db'}", config)
        run = start(env, "-m", "monitor", "run", "--quiet", log=tmp_path / "run.log")
        try:
            deadline = time.monotonic() + 120
            while len(web.requests) < 3 and run.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(web.requests) == 3, (tmp_path / "run.log").read_text()
            children = _children(run.pid)
            assert children
            os.kill(run.pid, signal.SIGKILL)            # the parent alone, as the OOM killer would
            run.wait(10)
            killed = time.monotonic()
            while any(_alive(pid) for pid in children) and time.monotonic() - killed < 5:
                time.sleep(0.05)
            assert not any(_alive(pid) for pid in children), "the crawl outlived its parent by 5 s"
        finally:
            os.killpg(run.pid, signal.SIGKILL)


def test_a_workers_digest_goes_out_once_a_day_at_its_time_and_not_when_news_come_later(tmp_path, postgres_url):
    from zoneinfo import ZoneInfo

    from monitor.tell.deliver import Sender
    from monitor.tell.retry import NO_RETRY
    from monitor.work.jobs import WorkContext, digest

    hook = Webhook()
    config_path = write_config(tmp_path, {f"Feed {n}": f"http://127.0.0.1:9/{n}.xml" for n in range(4)},
                               {"team-a": hook.url}, alerts=False, digest=["team-a"])
    config = load_config(config_path)
    store = Store.open(postgres_url)
    store.sync_sources(config.sources)
    ctx = WorkContext(store=store, home=tmp_path / "home", sender=Sender(retry=NO_RETRY), tagger=lambda: None,
                      fallback=lambda: config)
    berlin = ZoneInfo("Europe/Berlin")
    try:
        assert digest(ctx, datetime(2026, 11, 2, 7, 31, tzinfo=berlin)) and hook.accepted == []   # nothing new yet
        _filled(postgres_url, config_path, "nobody").close()
        assert digest(ctx, datetime(2026, 11, 2, 15, 0, tzinfo=berlin)) == []                    # today's was handled
        assert hook.accepted == []
        digest(ctx, datetime(2026, 11, 3, 7, 30, tzinfo=berlin))
        digest(ctx, datetime(2026, 11, 3, 7, 31, tzinfo=berlin))
        assert len(hook.accepted) == 1 and alerted_urls(hook) == Counter({u: 1 for _, u in LEGAL})
    finally:
        store.close()
        hook.close()


def test_a_worker_whose_database_goes_away_stops_with_one_plain_line(tmp_path, postgres_url):
    """An outage longer than a reconnect: the worker stops (a service manager starts it again, see
    the README's unit) and says why in one line, not in a screen of tracebacks per task."""
    import psycopg

    from tests.conftest import PG_ADMIN
    config = write_config(tmp_path, {"Feed": "http://127.0.0.1:9/feed.xml"}, {"team-chat": "json://127.0.0.1:9/"})
    env = environment(tmp_path, postgres_url, config)
    log = tmp_path / "worker.log"
    assert subprocess.run([sys.executable, "-m", "monitor", "config", "apply"], env=env, timeout=120,
                          capture_output=True).returncode == 0
    worker = start(env, "-m", "monitor", "worker", log=log)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and "worker" not in _jobs_seen(postgres_url):
            time.sleep(0.5)
        time.sleep(3)
        with psycopg.connect(PG_ADMIN.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{postgres_url.rsplit("/", 1)[1]}" WITH (FORCE)')
        worker.wait(120)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)
    text = log.read_text()
    assert worker.returncode == 1, text[-2000:]
    assert "database error:" in text and "Traceback" not in text, text[-3000:]
    assert len(text.splitlines()) < 25, text[-3000:]


def _jobs_seen(url: str) -> str:
    """Which procrastinate workers the database knows of ("worker" once one has started)."""
    import psycopg
    try:
        with psycopg.connect(url.replace("+psycopg", ""), connect_timeout=3) as conn:
            rows = conn.execute("SELECT count(*) FROM procrastinate_workers").fetchone()
            return "worker" if rows and rows[0] else ""
    except psycopg.Error:
        return ""
