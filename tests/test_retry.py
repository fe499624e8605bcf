"""Delivery that rides out a blip: transient failures are tried again within the run, permanent
ones are not, and what still fails waits with a backoff no longer than one cycle.

Real servers only: a webhook on 127.0.0.1 (tests/servers.py) that fails its first posts
with a chosen status (and Retry-After), a closed port, a server that never answers. The
retry schedule is a parameter; these tests use waits of hundredths of a second.
"""

from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from monitor.config import Config
from monitor.item import Item
from monitor.store import Store
from monitor.tell.alerts import deliver_due
from monitor.tell.deliver import Sender, SendResult
from monitor.tell.digest import send_digest
from monitor.tell.outbox_report import outbox_rows
from monitor.tell.retry import (
    NO_RETRY,
    RetryPolicy,
    backoff_cap,
    retry_after,
    send_retrying,
)
from monitor.tell.rules import route
from tests.servers import free_port

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
QUICK = RetryPolicy(waits=(0.02, 0.05, 0.1), budget=5)     # the default's shape, in hundredths
SOURCES = [{"name": "Dr. Schwenke", "url": "https://drschwenke.de/feed/", "category": "legal"},
           {"name": "t3n", "url": "https://t3n.de/rss.xml", "category": "industry"}]
RULES = [{"tags": ["legal_change"], "notify": ["chat"]}]
LEGAL = [f"Urteil {n}: Gericht kippt Regel {n} für Influencer-Werbung" for n in range(17)]


def make_config(url: str, interval: str = "30m", digest: bool = False) -> Config:
    return Config.model_validate({
        "settings": {"language": "de", "fetch": {"interval": interval}, "alerts": RULES,
                     "digest": {"notify": ["chat"] if digest else []}},
        "notify": {"chat": url}, "sources": SOURCES})


def fill(store: Store, config: Config, titles: list[str] = LEGAL) -> Store:
    store.sync_sources(list(config.sources))
    items = [Item(source="Dr. Schwenke", title=title, url=f"https://example.org/urteil/{n}/",
                  tags=["legal_change"], scores={"legal_change": 0.95}, summary=f"{title}.",
                  published=NOW - timedelta(hours=1)) for n, title in enumerate(titles)]
    items.append(Item(source="t3n", title="Zehn Ideen für Karussell-Posts", url="https://example.org/ideen/",
                      published=NOW - timedelta(hours=1)))
    store.add_items(items, route(items, config), now=NOW - timedelta(minutes=30))
    return store


def accepted_titles(hook) -> dict[str, int]:
    return {title: sum(title in p["message"] for p in hook.accepted) for title in LEGAL}


def waiting_alert(store: Store, config: Config) -> dict | None:
    rows = [r for r in outbox_rows(store, config) if r["kind"] == "alert"]
    return rows[0] if rows else None


def next_attempt(row: dict) -> datetime:
    return datetime.fromisoformat(row["next_attempt"])


# --------------------------------------------------------------------------- the blip of the report

def test_a_webhook_failing_its_first_three_posts_gets_every_alert_in_the_same_run_once(sqlite_store, webhook):
    hook = webhook(fail=3, status=500)
    cfg = make_config(hook.url)
    store = fill(sqlite_store, cfg)

    report = deliver_due(store, cfg, Sender(timeout=5, retry=QUICK), now=NOW)

    assert report.ok and report.sent == 17 and report.counts == {"chat": 17}
    assert len(hook.posts) == 3 + len(hook.accepted), "three refusals, then each grouped message once"
    assert accepted_titles(hook) == {title: 1 for title in LEGAL}
    assert waiting_alert(store, cfg) is None
    posts = len(hook.posts)
    assert deliver_due(store, cfg, Sender(timeout=5, retry=QUICK), now=NOW + timedelta(hours=1)).sent == 0
    assert len(hook.posts) == posts, "nothing goes out twice"


@pytest.mark.parametrize("status", [502, 503, 504, 408])
def test_every_transient_status_is_tried_again_within_the_run(sqlite_store, webhook, status):
    hook = webhook(fail=1, status=status)
    cfg = make_config(hook.url)
    report = deliver_due(fill(sqlite_store, cfg, LEGAL[:2]), cfg, Sender(timeout=5, retry=QUICK), now=NOW)
    assert report.sent == 2 and len(hook.posts) == 2


def test_a_429_with_retry_after_is_honoured(sqlite_store, webhook):
    hook = webhook(fail=1, status=429, headers={"Retry-After": "1"})
    cfg = make_config(hook.url)
    store = fill(sqlite_store, cfg, LEGAL[:3])

    report = deliver_due(store, cfg, Sender(timeout=5, retry=QUICK), now=NOW)

    assert report.sent == 3 and len(hook.posts) == 2
    assert hook.times[1] - hook.times[0] >= 0.95, "waited the second the target asked for, not 0.02 s"


def test_a_retry_after_longer_than_the_run_allows_waits_in_the_outbox_instead(sqlite_store, webhook):
    hook = webhook(fail=5, status=503, headers={"Retry-After": "600"})
    cfg = make_config(hook.url)
    store = fill(sqlite_store, cfg, LEGAL[:2])

    started = time.monotonic()
    report = deliver_due(store, cfg, Sender(timeout=5, retry=QUICK), now=NOW)

    assert time.monotonic() - started < 3 and len(hook.posts) == 1, "no sleeping through ten minutes"
    assert "HTTP 503" in report.failed["chat"]
    assert next_attempt(waiting_alert(store, cfg)) == NOW + timedelta(minutes=10), "the target's wish, not 5 min"


def test_a_permanent_404_is_not_retried_within_the_run_and_waits_with_backoff(sqlite_store, webhook):
    hook = webhook(fail=10, status=404)
    cfg = make_config(hook.url)
    store = fill(sqlite_store, cfg, LEGAL[:4])

    report = deliver_due(store, cfg, Sender(timeout=5, retry=QUICK), now=NOW)

    assert len(hook.posts) == 1, "a 404 fails the same way a second later"
    assert report.sent == 0 and "HTTP 404" in report.failed["chat"] and "tries" not in report.failed["chat"]
    row = waiting_alert(store, cfg)
    assert row["messages"] == 4 and row["attempts"] == 1 and row["status"] == "failing"
    assert next_attempt(row) == NOW + timedelta(minutes=5)
    assert deliver_due(store, cfg, Sender(timeout=5, retry=QUICK), now=NOW + timedelta(minutes=4)).sent == 0
    assert len(hook.posts) == 1, "not before its retry time"


def test_a_blip_longer_than_the_run_keeps_the_alerts_with_the_error_and_the_tries(sqlite_store, webhook):
    hook = webhook(fail=4, status=500)
    cfg = make_config(hook.url)
    store = fill(sqlite_store, cfg, LEGAL[:2])

    report = deliver_due(store, cfg, Sender(timeout=5, retry=QUICK), now=NOW)

    assert len(hook.posts) == 4 and hook.accepted == [], "1 try + 3 retries, then it waits"
    assert "HTTP 500" in report.failed["chat"] and "4 tries" in report.failed["chat"]
    row = waiting_alert(store, cfg)
    assert row["attempts"] == 1 and "4 tries" in row["last_error"]
    assert deliver_due(store, cfg, Sender(timeout=5, retry=QUICK), now=NOW + timedelta(minutes=5)).sent == 2
    assert accepted_titles(hook) == {title: int(title in LEGAL[:2]) for title in LEGAL}


def test_the_backoff_grows_but_never_exceeds_the_cycle_interval(sqlite_store, webhook):
    hook = webhook(fail=100, status=404)
    cfg = make_config(hook.url, interval="20m")
    store = fill(sqlite_store, cfg, LEGAL[:1])
    waits, now = [], NOW
    for _ in range(6):
        deliver_due(store, cfg, Sender(timeout=5, retry=QUICK), now=now)
        wait = next_attempt(waiting_alert(store, cfg)) - now
        waits.append(wait)
        now += wait
    assert waits[:2] == [timedelta(minutes=5), timedelta(minutes=10)], "it grows"
    assert all(w <= timedelta(minutes=20) for w in waits), "never longer than one cycle"
    assert waits[-1] == backoff_cap(timedelta(minutes=20)) == timedelta(minutes=18), \
        "a little under the cycle, so the next cycle finds it due"
    assert len(hook.posts) == 6, "one try per due run"


def test_a_retry_after_beyond_the_cycle_is_capped_at_the_cycle(sqlite_store, webhook):
    hook = webhook(fail=5, status=429, headers={"Retry-After": "86400"})
    cfg = make_config(hook.url, interval="10m")
    store = fill(sqlite_store, cfg, LEGAL[:1])
    deliver_due(store, cfg, Sender(timeout=5, retry=QUICK), now=NOW)
    assert next_attempt(waiting_alert(store, cfg)) - NOW <= timedelta(minutes=10)


# --------------------------------------------------------------------------- parts: accepted once

class ShortMessages(Sender):
    """A real sender whose target takes only short messages (as Discord or Telegram do)."""

    def max_body(self, url: str) -> int:
        return 700


def test_an_accepted_part_is_never_sent_again_within_the_run_or_after(sqlite_store, webhook):
    hook = webhook()
    cfg = make_config(hook.url)
    store = fill(sqlite_store, cfg)
    hook.statuses = [200, 500, 500, 200, 404]      # part 1 goes, part 2 rides out a blip, part 3 is refused
    first = deliver_due(store, cfg, ShortMessages(timeout=5, retry=QUICK), now=NOW)
    assert len(hook.accepted) == 2 and "HTTP 404" in first.failed["chat"]
    assert first.sent == sum(title in p["message"] for p in hook.accepted for title in LEGAL)

    hook.statuses = []
    second = deliver_due(store, cfg, ShortMessages(timeout=5, retry=QUICK), now=NOW + timedelta(minutes=5))
    assert second.ok and first.sent + second.sent == 17
    assert accepted_titles(hook) == {title: 1 for title in LEGAL}, "every alert accepted exactly once"
    assert waiting_alert(store, cfg) is None


def test_a_digest_part_that_meets_a_blip_is_retried_alone(sqlite_store, webhook):
    hook = webhook()
    cfg = make_config(hook.url, digest=True)
    store = fill(sqlite_store, cfg)
    hook.statuses = [200, 503, 503]
    report = send_digest(store, cfg, ShortMessages(timeout=5, retry=QUICK), now=NOW)
    assert report.exit_code == 0
    parts = [p["title"] for p in hook.accepted]
    assert len(parts) == len(set(parts)) == len(hook.posts) - 2, "the accepted first part went once"
    assert {title: sum(title in p["message"] for p in hook.accepted) for title in LEGAL} == {t: 1 for t in LEGAL}


def test_a_digest_to_a_target_failing_its_first_posts_arrives_in_the_same_run(sqlite_store, webhook):
    hook = webhook(fail=3, status=502)
    cfg = make_config(hook.url, digest=True)
    report = send_digest(fill(sqlite_store, cfg), cfg, Sender(timeout=5, retry=QUICK), now=NOW)
    assert report.exit_code == 0 and len(hook.accepted) == 1
    assert [r for r in outbox_rows(sqlite_store, cfg) if r["kind"] == "digest"] == []


# --------------------------------------------------------------------------- transient or permanent

def test_connection_errors_and_silence_are_transient_bad_urls_are_not():
    port = free_port()
    refused = Sender(timeout=2, retry=NO_RETRY).send(f"json://127.0.0.1:{port}/x", title="t", body="b")
    assert not refused.ok and refused.transient and "connection refused" in refused.error
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)
        quiet = Sender(timeout=0.5, retry=NO_RETRY).send(f"json://127.0.0.1:{silent.getsockname()[1]}/x",
                                                         title="t", body="b")
    assert not quiet.ok and quiet.transient and "timed out" in quiet.error
    bad = Sender(retry=QUICK).deliver("nosuchservice://x", title="t", body="b")
    assert not bad.ok and not bad.transient and bad.tries == 1


@pytest.mark.parametrize("status, transient", [(500, True), (503, True), (429, True), (408, True),
                                               (404, False), (400, False), (410, False), (401, False)])
def test_the_http_status_decides_whether_a_failure_is_a_blip(webhook, status, transient):
    hook = webhook(fail=1, status=status)
    result = Sender(timeout=5, retry=NO_RETRY).send(hook.url, title="SSL timeout", body="certificate timeout")
    assert not result.ok and result.transient is transient
    assert ("login rejected" if status == 401 else f"HTTP {status}") in result.error, \
        "the words of the message (timeout, certificate) are not taken for the cause"


def test_a_connection_refused_is_ridden_out_when_the_server_comes_up_in_time():
    port = free_port()

    class Ok(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    def come_up():
        time.sleep(0.3)
        server = ThreadingHTTPServer(("127.0.0.1", port), Ok)
        servers.append(server)
        server.serve_forever()

    servers: list = []
    threading.Thread(target=come_up, daemon=True).start()
    try:
        result = Sender(timeout=2, retry=RetryPolicy(waits=(0.2, 0.4, 0.8), budget=5)).deliver(
            f"json://127.0.0.1:{port}/x", title="t", body="b")
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
    assert result.ok and result.tries > 1


# --------------------------------------------------------------------------- the schedule itself

def test_the_default_schedule_is_about_1_3_9_seconds_within_30():
    policy = RetryPolicy()
    assert policy.waits == (1.0, 3.0, 9.0) and policy.budget == 30.0
    assert sum(policy.waits) <= policy.budget


class Clock:
    """Time that passes only by sleeping: the schedule's arithmetic without the wait."""

    def __init__(self):
        self.now, self.slept = 0.0, []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_schedule_stops_at_its_budget_and_honours_a_retry_after_that_fits():
    clock = Clock()
    answers = iter([SendResult(False, "x", transient=True, retry_after=20.0)] +
                   [SendResult(False, "x", transient=True) for _ in range(5)])
    result = send_retrying(lambda: next(answers), RetryPolicy(), sleep=clock.sleep, clock=lambda: clock.now)
    assert clock.slept == [20.0, 3.0], "Retry-After 20 s fits; then 3 s; then 9 s would pass 30 s"
    assert result.tries == 3 and not result.ok and "3 tries within 23 s" in result.error


def test_a_target_that_times_out_is_not_tried_again_past_the_budget():
    clock = Clock()

    def slow() -> SendResult:
        clock.now += 20                                    # no answer within the 20 s timeout
        return SendResult(False, "timed out", transient=True)

    result = send_retrying(slow, RetryPolicy(), sleep=clock.sleep, clock=lambda: clock.now)
    assert result.tries == 1 and clock.now == 20, "a second 20 s try would end at 41 s, past 30 s"


def test_the_default_schedule_tries_four_times_in_13_seconds():
    clock = Clock()
    answers = iter([SendResult(False, "x", transient=True) for _ in range(9)])
    result = send_retrying(lambda: next(answers), RetryPolicy(), sleep=clock.sleep, clock=lambda: clock.now)
    assert clock.slept == [1.0, 3.0, 9.0] and result.tries == 4


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after("1") == 1.0 and retry_after(None) is None and retry_after("soon") is None
    now = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    assert retry_after("Thu, 03 Dec 2026 09:00:42 GMT", now=now) == 42.0
    assert retry_after("Thu, 03 Dec 2026 08:00:00 GMT", now=now) == 0.0


def test_a_digest_in_parts_failing_after_some_were_accepted_sends_only_the_rest_next_time(sqlite_store, webhook):
    hook = webhook()
    cfg = make_config(hook.url, digest=True)
    store = fill(sqlite_store, cfg)
    hook.statuses = [200, 200, 404]                       # two parts go, the third is refused
    first = send_digest(store, cfg, ShortMessages(timeout=5, retry=QUICK), now=NOW)
    assert first.exit_code == 1 and len(hook.accepted) == 2 and "HTTP 404" in first.failed["chat"]
    titles = [*LEGAL, "Zehn Ideen für Karussell-Posts"]
    shown = {title for title in titles if any(title in p["message"] for p in hook.accepted)}
    assert shown and first.sent == {"chat": len(shown)}
    [waiting] = [r for r in outbox_rows(store, cfg) if r["kind"] == "digest"]
    assert waiting["messages"] == len(titles) - len(shown) and "HTTP 404" in waiting["last_error"]

    second = send_digest(store, cfg, ShortMessages(timeout=5, retry=QUICK), now=NOW + timedelta(minutes=5))
    assert second.exit_code == 0
    assert accepted_titles(hook) == {title: 1 for title in LEGAL}, "no item of an accepted part went again"
    assert [r for r in outbox_rows(store, cfg) if r["kind"] == "digest"] == []
    assert store.digest_candidates("chat") == []
