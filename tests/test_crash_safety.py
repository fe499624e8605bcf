"""Crash safety: `monitor run` and `monitor digest` killed with SIGKILL at the worst moments, then run again.

The promise ("Delivery you can trust"): a message is marked sent only once its target
accepted it, so after a crash at any point nothing is lost, and nothing goes out twice
in the normal case. The one exception no outbox can close without the target's help:
the target accepted a message and the process died before it could record that; the
next run sends that message again (at-least-once). These tests pin down both sides:

* killed while fetching/storing      -> every item stored once, every legal item alerted once;
* killed while an alert POST waits   -> before the target accepted: sent once, on the next run;
                                        after it accepted: at most one duplicate, nothing lost;
* killed while the digest mail waits -> the same two cases for SMTP;
* a target failing its first posts   -> a blip (HTTP 500 three times): ridden out within the run,
                                        every alert delivered once;
* a target refusing (HTTP 404)       -> alerts kept with the error, retried on later runs with
                                        growing waits, delivered exactly once when it is fixed.

Everything is real: `python -m monitor ...` as child processes killed with SIGKILL, a
feed server and a webhook receiver (http.server), an SMTP server (aiosmtpd), a SQLite
file. "Killed" means the whole process group of the command (the run and its crawl
child), as a container stop or the OOM killer of a cgroup would do. Every wait is bounded.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from monitor.pipeline import BATCH_ITEMS
from monitor.store import Store
from monitor.store.schema import DeliveryRow
from tests.servers import FeedServer, rss

pytestmark = pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX process groups")

HOLD_MAX = 60.0          # longest any server holds an answer (only reached when a test is broken)
START_MAX = 120.0        # longest wait for a child `monitor` to reach the moment we kill it in

# --------------------------------------------------------------------------- the news

LEGAL = [   # clear legal changes: each must reach the chat exactly once
    ("EU-Kommission verhängt Bußgeld gegen TikTok nach dem DSA", "http://127.0.0.1/legal/dsa-tiktok"),
    ("Court rules Meta consent banner unlawful", "http://127.0.0.1/legal/meta-consent"),
    ("BGH: Cookie-Banner brauchen eine Ablehnen-Option", "http://127.0.0.1/legal/bgh-cookie"),
    ("EuGH kippt Datentransfer-Regeln für Werbenetzwerke", "http://127.0.0.1/legal/eugh-transfer"),
    ("BGH: Impressumspflicht gilt auch auf Instagram", "http://127.0.0.1/legal/bgh-impressum"),
    ("Landgericht untersagt Influencer-Werbung ohne Kennzeichnung", "http://127.0.0.1/legal/lg-influencer"),
    ("EU fines X 120 million euros under the Digital Services Act", "http://127.0.0.1/legal/dsa-x"),
    ("Datenschutzbehörde verhängt Bußgeld gegen LinkedIn wegen Werbe-Tracking", "http://127.0.0.1/legal/dpa-li"),
]
OTHER = [   # clear non-legal news: must never be alerted
    ("5 Tipps für bessere Instagram-Captions", "http://127.0.0.1/other/captions"),
    ("YouTube rolls out a new editor for Shorts", "http://127.0.0.1/other/shorts"),
    ("So planen Sie Ihre Woche mit Social-Media-Tools", "http://127.0.0.1/other/woche"),
    ("Webinar-Aufzeichnung: Content-Planung für Q3", "http://127.0.0.1/other/webinar"),
]
ITEM_URL = re.compile(r"http://127\.0\.0\.1/[^\s)\]\"'<>]+")   # item links have no port; servers do


def entry(title: str, url: str) -> dict:
    return {"title": title, "link": url, "summary": f"<p>{title}.</p>"}


def filler(feed: int, count: int) -> list[dict]:
    """Ordinary non-legal posts, many of them, so one feed batch is a real amount of work."""
    return [entry(f"Social-Media-Tipps der Woche {feed}.{n}: Formate, Zeiten, Hashtags",
                  f"http://127.0.0.1/tips/{feed}/{n}") for n in range(count)]


# --------------------------------------------------------------------------- processes

@dataclass
class World:
    """One installation: feeds.yaml, data directory and SQLite file in tmp_path."""
    tmp: Path
    env: dict

    @property
    def db(self) -> Path:
        return self.tmp / "lagebild.db"

    def monitor(self, *args: str, timeout: float = 240) -> subprocess.CompletedProcess:
        """Run `monitor ARGS` to the end."""
        return subprocess.run([sys.executable, "-m", "monitor", *args], env=self.env, capture_output=True,
                              text=True, timeout=timeout)

    @contextmanager
    def started(self, *args: str):
        """`monitor ARGS` in its own process group; whatever is left of the group is killed on exit."""
        log = open(self.tmp / f"{args[0]}-{time.monotonic_ns()}.log", "w+")  # noqa: SIM115 - closed on exit below
        proc = subprocess.Popen([sys.executable, "-m", "monitor", *args], env=self.env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        proc.log = log
        try:
            yield proc
        finally:
            _kill_group(proc.pid)
            proc.wait(10)
            log.close()

    def outbox(self) -> list[dict]:
        result = self.monitor("outbox", "--format", "json", timeout=60)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def query(self, sql: str, *params) -> list[tuple]:
        """Read the SQLite file read-only, as a second process would; [] before the tables exist."""
        if not self.db.exists():
            return []
        try:
            with closing(sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=5)) as conn:
                return conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError:
            return []

    def stored_items(self) -> int:
        rows = self.query("SELECT count(*) FROM items")
        return rows[0][0] if rows else 0

    def stored_urls(self) -> Counter:
        return Counter(url for (url,) in self.query("SELECT url FROM items"))

    def legal_urls(self) -> set[str]:
        return {url for (url,) in self.query(
            "SELECT i.url FROM items i JOIN item_tags t ON t.item_id = i.id WHERE t.tag = 'legal_change'")}

    def move_retries_to_the_past(self) -> None:
        """As if the wait had passed: every alert waiting for a retry is due now (the runs read the clock)."""
        store = Store.open(self.env["MONITOR_DB"])
        try:
            with store.session() as s, s.begin():
                s.execute(update(DeliveryRow)
                          .where(DeliveryRow.state == "pending", DeliveryRow.next_attempt.isnot(None))
                          .values(next_attempt=datetime.now(UTC) - timedelta(seconds=1)))
        finally:
            store.close()


def make_world(tmp: Path, web: FeedServer, feeds: dict[str, str], *, notify: dict[str, str],
               alerts: bool = True, digest: list[str] = ()) -> World:
    """feeds.yaml for `feeds` (name -> path on `web`), alerting legal changes to team-chat."""
    sources = "".join(f"  - name: {name}\n    url: {web.url(path)}\n    category: industry\n    language: de\n"
                      for name, path in feeds.items())
    rules = "  alerts:\n    - tags: [legal_change]\n      notify: [team-chat]\n" if alerts else ""
    targets = "".join(f"  {name}: {url}\n" for name, url in notify.items())
    config = tmp / "feeds.yaml"
    config.write_text(f"""settings:
  language: de
  fetch:
    per_host: 32          # every feed is on 127.0.0.1: no queue behind the slow ones
    retries: 0
  digest:
    notify: [{', '.join(digest)}]
{rules}notify:
{targets}sources:
{sources}""", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(MONITOR_CONFIG=str(config), MONITOR_HOME=str(tmp / "home"),
               MONITOR_DB=f"sqlite:///{tmp / 'lagebild.db'}", NO_PROXY="127.0.0.1,localhost")
    return World(tmp, env)


def _kill_group(pgid: int) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def crash(proc: subprocess.Popen) -> None:
    """SIGKILL to the command and its children, no chance to clean up."""
    _kill_group(proc.pid)
    assert proc.wait(10) == -signal.SIGKILL


def wait_for(condition, what: str, proc: subprocess.Popen, timeout: float = START_MAX) -> None:
    """Poll `condition` until true; fail if `proc` ended first or the time is up."""
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            proc.log.seek(0)
            pytest.fail(f"`monitor` ended (exit {proc.returncode}) before {what}:\n{proc.log.read()[-3000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} within {timeout:g} s")
        time.sleep(0.05)


# --------------------------------------------------------------------------- servers

class GatedFeedServer(FeedServer):
    """A feed server whose `gated` paths answer only once the test opens the gate (bounded)."""

    def __init__(self):
        super().__init__()
        self.gated: set[str] = set()
        self.gate = threading.Event()

    def _get(self, h) -> None:
        if h.path.split("?")[0] in self.gated:
            self.gate.wait(HOLD_MAX)
        super()._get(h)


@pytest.fixture
def chat(webhook):
    """The team chat: a webhook the tests make answer errors or hold its answer."""
    return webhook()


def alerted_urls(chat) -> Counter:
    """How many accepted messages name each item URL."""
    with chat.lock:
        return Counter(url for p in chat.accepted for url in set(ITEM_URL.findall(p["message"])))


def digested_urls(smtp) -> Counter:
    """How many delivered mails link each item URL."""
    return Counter(url for raw in smtp.delivered for url in mail_links(raw))


def mail_links(raw: bytes) -> set[str]:
    """The item URLs a digest mail links to (in its HTML part, where the links are)."""
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    return set(ITEM_URL.findall(mail.get_body(("html",)).get_content()))


def two_feeds(web: FeedServer) -> dict[str, str]:
    """A German and an English feed: half of LEGAL and OTHER each."""
    web.add("/radar.xml", rss("Plattform-Radar", [entry(*e) for e in LEGAL[::2] + OTHER[::2]]))
    web.add("/wire.xml", rss("Policy Wire", [entry(*e) for e in LEGAL[1::2] + OTHER[1::2]]))
    return {"Plattform-Radar": "/radar.xml", "Policy Wire": "/wire.xml"}


def pending_alerts(world: World, target: str = "team-chat") -> dict | None:
    rows = [r for r in world.outbox() if r["kind"] == "alert" and r["target"] == target]
    return rows[0] if rows else None


# --------------------------------------------------------------------------- 1. killed while fetching and storing

FAST, SLOW = 10, 10
FILLER = BATCH_ITEMS // FAST + 1    # posts per fast feed: together they fill the pipeline's first batch,
                                    # stored while the slow feeds are still outstanding


@dataclass
class Served:
    feeds: dict[str, str]          # source name -> path
    urls: list[str]                # every item served
    legal: set[str]                # the clear legal news among them
    other: set[str]                # the clear non-legal news among them


def fast_and_slow_feeds(web: GatedFeedServer) -> Served:
    """20 feeds: 10 fast ones with FILLER posts each, 10 slow ones (held at the gate, then 2.5 s);
    every fifth feed, fast or slow, also carries one clear legal and one clear non-legal item."""
    served = Served({}, [], set(), set())
    for n in range(FAST + SLOW):
        fast, entries = n < FAST, []
        if n % 5 == 0:
            (legal_title, legal_url), (other_title, other_url) = LEGAL[n % len(LEGAL)], OTHER[n % len(OTHER)]
            entries = [entry(legal_title, f"{legal_url}/{n}"), entry(other_title, f"{other_url}/{n}")]
            served.legal.add(f"{legal_url}/{n}")
            served.other.add(f"{other_url}/{n}")
        entries += filler(n, FILLER if fast else 3)
        path = f"/feed{n}.xml"
        web.add(path, rss(f"Feed {n}", entries), delay=0 if fast else 2.5)
        if not fast:
            web.gated.add(path)
        served.feeds[f"Feed {n}"] = path
        served.urls += [e["link"] for e in entries]
    return served


def test_killed_while_fetching_then_run_again_stores_and_alerts_everything_once(tmp_path, chat):
    with GatedFeedServer() as web:
        served = fast_and_slow_feeds(web)
        world = make_world(tmp_path, web, served.feeds, notify={"team-chat": chat.url})

        with world.started("run") as first:      # the slow feeds do not answer before the kill
            wait_for(lambda: world.stored_items() > 0, "items stored", first)
            crash(first)
        assert 0 < world.stored_items() < len(served.urls), "killed between the first stored batch and the end"
        assert chat.posts == [], "no alert goes out before the crawl has ended"
        legal_so_far = world.legal_urls()
        assert legal_so_far & served.legal, "the first batch held some of the legal news"
        waiting = pending_alerts(world)
        assert waiting and waiting["messages"] == len(legal_so_far) and waiting["attempts"] == 0, \
            "every stored legal item has its alert queued: stored in the same transaction"

        web.gate.set()
        second = world.monitor("run")
        assert second.returncode == 0, second.stdout + second.stderr

    stored = world.stored_urls()
    assert set(stored) == set(served.urls) and max(stored.values()) == 1, "every served item stored exactly once"
    legal = world.legal_urls()
    assert served.legal <= legal and not (served.other & legal), "the model tags the clear cases right"
    assert legal - legal_so_far, "the second run stored legal news of its own (the slow feeds)"
    alerted = alerted_urls(chat)
    assert {url: alerted[url] for url in legal} == {url: 1 for url in legal}, "every legal item alerted exactly once"
    assert set(alerted) == legal, f"alerted but not legal: {sorted(set(alerted) - legal)}"
    assert pending_alerts(world) is None


# --------------------------------------------------------------------------- 2. killed while an alert POST waits

@pytest.mark.parametrize("commit", ["on_answer", "on_receipt"])
def test_killed_while_the_alert_is_in_flight_then_run_again_loses_nothing(tmp_path, chat, commit):
    """on_answer: killed BEFORE the target accepted -> sent again once on the next run: exactly once overall.
    on_receipt: killed AFTER the target accepted, before the run could mark it -> the documented
    exception: that one message goes out again; nothing is lost, nothing is sent a third time."""
    with FeedServer() as web:
        world = make_world(tmp_path, web, two_feeds(web), notify={"team-chat": chat.url})
        chat.hold, chat.commit = HOLD_MAX, commit

        with world.started("run") as first:
            wait_for(chat.in_flight.is_set, "alert POST", first)
            crash(first)
        assert len(chat.posts) == 1
        legal = world.legal_urls()
        assert legal >= {url for _, url in LEGAL}
        waiting = pending_alerts(world)
        assert waiting and waiting["messages"] == len(legal) and waiting["attempts"] == 0 \
            and waiting["last_error"] is None, "a message in flight is still pending, not sent and not failed"

        chat.hold = 0
        second = world.monitor("run")
        assert second.returncode == 0, second.stdout + second.stderr
        third = world.monitor("run")
        assert third.returncode == 0, third.stdout + third.stderr

    assert len(chat.posts) == 2, "the second run sends the pending alerts once; the third sends nothing"
    resent = Counter(ITEM_URL.findall(chat.posts[1]["message"]))
    assert resent == Counter({url: 1 for url in legal}), "the second run names every legal item once"
    assert chat.dropped == [chat.posts[0]], "the killed run hung up while the first POST waited"
    alerted = alerted_urls(chat)
    assert set(alerted) == legal, "nothing lost, nothing else named"
    if commit == "on_answer":
        assert all(alerted[url] == 1 for url in legal), "the killed POST was never accepted: exactly once"
    else:
        assert all(alerted[url] <= 2 for url in legal), "at most one duplicate: the one message in flight"
    assert pending_alerts(world) is None


# --------------------------------------------------------------------------- 3. killed while the digest mail waits

@pytest.mark.parametrize("commit", ["on_answer", "on_receipt"])
def test_killed_while_the_digest_is_sent_then_digest_again_loses_nothing(tmp_path, smtp, commit):
    """on_answer: killed before the server's 250 to DATA -> never accepted -> each item digested once.
    on_receipt: the server kept the mail but the sender died before hearing so -> at most one duplicate."""
    with FeedServer() as web:
        world = make_world(tmp_path, web, two_feeds(web), notify={"team-email": smtp.url}, alerts=False,
                           digest=["team-email"])
        filled = world.monitor("run")
        assert filled.returncode == 0, filled.stdout + filled.stderr
    items = set(world.stored_urls())
    assert len(items) == len(LEGAL) + len(OTHER)
    smtp.hold, smtp.commit = HOLD_MAX, commit

    with world.started("digest") as first:
        wait_for(smtp.in_data.is_set, "SMTP DATA", first)
        crash(first)
    assert world.query("SELECT count(*) FROM digests WHERE state = 'sent'") == [(0,)]
    waiting = [(r["kind"], r["target"], r["messages"]) for r in world.outbox()]
    assert waiting == [("digest", "team-email", len(items))], "the digest in flight is pending, not sent"

    smtp.hold = 0
    second = world.monitor("digest")
    assert second.returncode == 0, second.stdout + second.stderr
    delivered = len(smtp.delivered)
    third = world.monitor("digest")
    assert third.returncode == 0, third.stdout + third.stderr
    assert len(smtp.delivered) == delivered, "a third digest sends nothing"

    digested = digested_urls(smtp)
    assert set(digested) == items, "every item is in a delivered mail"
    assert mail_links(smtp.delivered[-1]) == items, "the mail of the second digest holds them all"
    in_sent_digests = Counter(iid for (iid,) in world.query(
        "SELECT di.item_id FROM digest_items di JOIN digests d ON d.id = di.digest_id WHERE d.state = 'sent'"))
    assert len(in_sent_digests) == len(items) and set(in_sent_digests.values()) == {1}, \
        "the store records each item in exactly one sent digest"
    if commit == "on_answer":
        assert delivered == 1 and set(digested.values()) == {1}, "the killed mail was never accepted: exactly once"
    else:
        assert delivered <= 2 and max(digested.values()) <= 2, \
            "accepted but not recorded: at most the one mail in flight goes out again (the documented exception)"
    assert world.outbox() == []


# --------------------------------------------------------------------------- 4. a failing target

def _next_attempt(row: dict) -> datetime:
    when = datetime.fromisoformat(row["next_attempt"])
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def test_a_webhook_failing_its_first_three_posts_gets_every_alert_in_the_same_run_once(tmp_path, chat):
    """The report's case: 500 to the first three posts. With the default schedule (1 s, 3 s, 9 s)
    the fourth try of the same `monitor run` goes through."""
    chat.fail(3, 500)
    with FeedServer() as web:
        world = make_world(tmp_path, web, two_feeds(web), notify={"team-chat": chat.url})
        run = world.monitor("run")
        assert run.returncode == 0, run.stdout + run.stderr
        legal = world.legal_urls()
        assert len(chat.posts) == 3 + len(chat.accepted), "three refusals, then each grouped message once"
        assert chat.times[3] - chat.times[0] >= 12, "after waits of 1, 3 and 9 seconds"
        assert f"team-chat: {len(legal)} gesendet" in run.stdout
        assert pending_alerts(world) is None, "nothing left for a later run to send again"

    assert alerted_urls(chat) == Counter({url: 1 for url in legal})
    assert {url for _, url in LEGAL} <= legal


def test_refusing_webhook_keeps_alerts_retries_with_backoff_then_delivers_once(tmp_path, chat):
    """A permanent refusal (a wrong path, fixed later) is not retried within a run, but on later runs."""
    chat.statuses = [404, 404]
    with FeedServer() as web:
        world = make_world(tmp_path, web, two_feeds(web), notify={"team-chat": chat.url})

        started = datetime.now(UTC)
        assert world.monitor("run").returncode == 0
        legal = world.legal_urls()
        failing = pending_alerts(world)
        assert len(chat.posts) == 1 and chat.accepted == []
        assert failing["status"] == "failing" and failing["attempts"] == 1 and "404" in failing["last_error"]
        first_wait = _next_attempt(failing) - started
        assert timedelta(minutes=4) < first_wait <= timedelta(minutes=6)

        assert world.monitor("run").returncode == 0
        assert len(chat.posts) == 1, "a run before the retry time leaves the target alone"
        assert pending_alerts(world)["attempts"] == 1

        world.move_retries_to_the_past()
        moved = datetime.now(UTC)
        assert world.monitor("run").returncode == 0
        failing = pending_alerts(world)
        assert len(chat.posts) == 2 and chat.accepted == []
        assert failing["attempts"] == 2 and "404" in failing["last_error"]
        assert _next_attempt(failing) - moved > first_wait + timedelta(minutes=4), "the wait grows"

        world.move_retries_to_the_past()
        assert world.monitor("run").returncode == 0
        assert pending_alerts(world) is None
        world.move_retries_to_the_past()
        assert world.monitor("run").returncode == 0

    assert len(chat.posts) == 3 and len(chat.accepted) == 1, "two refusals, one delivery, then silence"
    assert alerted_urls(chat) == Counter({url: 1 for url in legal})
    assert {url for _, url in LEGAL} <= legal
