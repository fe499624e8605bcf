"""Delivery through apprise to real local servers: an SMTP server (aiosmtpd) and a JSON webhook.

No mocks: the digest goes out as a real e-mail, alerts as real HTTP POSTs, failures are
real refused connections and real HTTP 500s. Every server binds 127.0.0.1 only.
"""

from __future__ import annotations

import email
import json
import socket
import threading
import time
from datetime import datetime, timedelta, timezone
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from monitor.tell.alerts import deliver_due
from monitor.tell.rules import route
from monitor.config import Config
from monitor.tell.deliver import Sender
from monitor.tell.digest import send_digest
from monitor.item import Item
from monitor.tell.outbox_report import notify_test, outbox_rows
from monitor.store import Store

NOW = datetime(2026, 11, 21, 6, 30, tzinfo=timezone.utc)
SOURCES = [{"name": "Dr. Schwenke", "url": "https://drschwenke.de/feed/", "category": "legal"},
           {"name": "Meta Newsroom", "url": "https://about.fb.com/news/feed/", "category": "platform"},
           {"name": "t3n", "url": "https://t3n.de/rss.xml", "category": "industry"}]
ITEMS = [("Dr. Schwenke", "BGH: Impressumspflicht gilt auch auf Instagram", {"legal_change": 0.94}, ["instagram"]),
         ("Meta Newsroom", "Instagram ranks original Reels higher", {"algorithm_reach_change": 0.9}, ["instagram"]),
         ("Meta Newsroom", "Trial reels for every professional account", {"feature_rollout": 0.95}, ["instagram"]),
         ("t3n", "LinkedIn testet Terminplanung in der App", {"feature_rollout": 0.8}, ["linkedin"]),
         ("t3n", "EuGH kippt Datentransfer-Regeln für Werbenetzwerke", {"legal_change": 0.88}, []),
         ("t3n", "Die 10 besten Tools für Social-Media-Planung", {}, [])]


# --------------------------------------------------------------------------- local servers

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp():
    """Start/stop an SMTP server on a fixed free port, so a test can have it 'down then up'."""
    port, box = free_port(), Mailbox()
    controllers: list[Controller] = []

    class Server:
        url = f"mailto://127.0.0.1:{port}?from=lagebild@example.org&to=team@example.org&mode=insecure"
        mailbox = box

        @staticmethod
        def start():
            ctl = Controller(box, hostname="127.0.0.1", port=port)
            ctl.start()
            controllers.append(ctl)

    yield Server
    for ctl in controllers:
        ctl.stop()


class Hook:
    """A JSON webhook that answers HTTP 500 to the first `fail` POSTs, then 200."""

    def __init__(self, fail: int = 0):
        self.fail, self.posts, self.accepted = fail, [], []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                hook.posts.append(payload)
                ok = len(hook.posts) > hook.fail
                if ok:
                    hook.accepted.append(payload)
                self.send_response(200 if ok else 500)
                self.end_headers()
                self.wfile.write(b"ok" if ok else b"boom")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"json://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook_factory():
    hooks: list[Hook] = []

    def make(fail: int = 0) -> Hook:
        hooks.append(Hook(fail))
        return hooks[-1]
    yield make
    for h in hooks:
        h.close()


# --------------------------------------------------------------------------- store and config

def make_config(notify: dict, language: str = "de", digest: list[str] = (), alerts: list[dict] = ()) -> Config:
    return Config.model_validate({
        "settings": {"language": language, "digest": {"notify": list(digest)}, "alerts": list(alerts),
                     "web": {"base_url": "https://lagebild.example.org"}},
        "notify": notify, "sources": SOURCES})


def make_store(tmp_path, config: Config, with_alerts: bool = False) -> Store:
    store = Store.open(f"sqlite:///{tmp_path / 'lagebild.db'}")
    store.sync_sources(list(config.sources))
    items = [Item(source=src, title=title, url=f"https://example.org/{n}/", tags=list(tags), scores=tags,
                  platforms=plats, summary=f"Zusammenfassung {n}.", published=NOW - timedelta(hours=n + 1))
             for n, (src, title, tags, plats) in enumerate(ITEMS)]
    store.add_items(items, route(items, config) if with_alerts else [], now=NOW - timedelta(hours=1))
    return store


LEGAL = [title for _, title, tags, _ in ITEMS if "legal_change" in tags]


# --------------------------------------------------------------------------- e-mail digest

@pytest.mark.parametrize("language, subject, order", [
    ("de", "Lagebild 21.11.: 2 Rechtsänderungen, 1 Reichweite, 2 neue Funktionen",
     ["Rechtsänderungen", "Reichweite &amp; Algorithmus", "Neue Funktionen", "Sonstiges aus den Quellen"]),
    ("en", "Lagebild 21 Nov: 2 legal changes, 1 reach change, 2 new features",
     ["Legal changes", "Reach &amp; algorithm", "New features", "Other news from the sources"]),
])
def test_the_digest_arrives_as_multipart_alternative_mail(tmp_path, smtp, language, subject, order):
    smtp.start()
    cfg = make_config({"team-email": smtp.url}, language=language, digest=["team-email"])
    store = make_store(tmp_path, cfg)
    report = send_digest(store, cfg, Sender(timeout=10), now=NOW)
    assert report.exit_code == 0, report.lines
    [msg] = smtp.mailbox.messages
    assert msg["Subject"] == subject
    assert msg.get_content_type() == "multipart/alternative"
    parts = {p.get_content_type(): p.get_content() for p in msg.iter_parts()}
    assert set(parts) == {"text/plain", "text/html"}
    html, text = parts["text/html"], parts["text/plain"]
    positions = [html.index(f">{heading} <") for heading in order]
    assert positions == sorted(positions)
    for _, title, _, _ in ITEMS:
        assert title in html and title in text
    assert "https://lagebild.example.org/items/" in html


def test_a_digest_to_a_down_smtp_server_is_sent_once_it_is_up(tmp_path, smtp):
    cfg = make_config({"team-email": smtp.url}, digest=["team-email"])
    store = make_store(tmp_path, cfg)
    down = send_digest(store, cfg, Sender(timeout=5), now=NOW)
    assert down.exit_code == 1
    assert "connection refused" in " ".join(down.lines)
    [row] = [r for r in outbox_rows(store, cfg) if r["kind"] == "digest"]
    assert row["status"] == "failing" and "connection refused" in row["last_error"]

    smtp.start()
    up = send_digest(store, cfg, Sender(timeout=5), now=NOW + timedelta(minutes=10))
    assert up.exit_code == 0
    again = send_digest(store, cfg, Sender(timeout=5), now=NOW + timedelta(minutes=11))
    assert again.exit_code == 0 and again.sent == {}
    [msg] = smtp.mailbox.messages                             # digested exactly once
    html = msg.get_body(("html",)).get_content()
    assert all(title in html for _, title, _, _ in ITEMS)


# --------------------------------------------------------------------------- alerts to a webhook

def test_alerts_to_a_failing_webhook_are_retried_and_sent_exactly_once(tmp_path, hook_factory):
    hook = hook_factory(fail=2)
    cfg = make_config({"chat": hook.url}, alerts=[{"tags": ["legal_change"], "notify": ["chat"]}])
    store = make_store(tmp_path, cfg, with_alerts=True)
    sender = Sender(timeout=5)

    first = deliver_due(store, cfg, sender, now=NOW)
    assert first.sent == 0 and "HTTP 500" in first.failed["chat"]
    [row] = [r for r in outbox_rows(store, cfg) if r["kind"] == "alert"]
    assert row["messages"] == 2 and "HTTP 500" in row["last_error"]

    too_soon = deliver_due(store, cfg, sender, now=NOW + timedelta(minutes=1))
    assert too_soon.sent == 0 and len(hook.posts) == 1           # waits for its retry time

    second = deliver_due(store, cfg, sender, now=NOW + timedelta(minutes=6))
    assert second.failed and len(hook.posts) == 2
    third = deliver_due(store, cfg, sender, now=NOW + timedelta(minutes=30))
    assert third.sent == 2 and not third.failed and third.counts == {"chat": 2}
    assert deliver_due(store, cfg, sender, now=NOW + timedelta(hours=2)).sent == 0

    [accepted] = hook.accepted                                     # one grouped message
    for title in LEGAL:
        assert sum(title in p["message"] for p in hook.accepted) == 1
    others = [title for _, title, tags, _ in ITEMS if "legal_change" not in tags]
    assert not any(title in p["message"] for p in hook.posts for title in others)
    assert accepted["title"] == "Lagebild: 2 neue Alarme"


def test_a_disabled_target_keeps_its_alerts_pending(tmp_path, hook_factory):
    hook = hook_factory()
    rules = [{"tags": ["legal_change"], "notify": ["chat"]}]
    store = make_store(tmp_path, make_config({"chat": hook.url}, alerts=rules), with_alerts=True)
    disabled = make_config({"chat": ""}, alerts=rules)
    report = deliver_due(store, disabled, Sender(timeout=5), now=NOW)
    assert report.sent == 0 and report.pending == {"chat": 2}
    assert "deaktiviert" in report.lines[0] and hook.posts == []
    enabled = deliver_due(store, make_config({"chat": hook.url}, alerts=rules), Sender(timeout=5), now=NOW)
    assert enabled.sent == 2


def test_the_json_digest_names_every_item_in_one_post(tmp_path, hook_factory):
    hook = hook_factory()
    cfg = make_config({"digest-hook": hook.url}, digest=["digest-hook"])
    store = make_store(tmp_path, cfg)
    assert send_digest(store, cfg, Sender(timeout=5), now=NOW).exit_code == 0
    [post] = hook.posts
    assert all(title in post["message"] for _, title, _, _ in ITEMS)


# --------------------------------------------------------------------------- errors people can act on

def test_an_invalid_url_gives_a_clear_error_without_secrets():
    result = Sender().send("nosuchservice://user:hunter2secret@example.org/tok3n-abcdef", title="t", body="b")
    assert not result.ok
    assert result.error.startswith("not a valid notification URL: nosuchservice://")
    assert "hunter2secret" not in result.error and "tok3n-abcdef" not in result.error


def test_alerts_to_an_invalid_url_stay_pending_with_the_error(tmp_path):
    rules = [{"tags": ["legal_change"], "notify": ["chat"]}]
    cfg = make_config({"chat": "nosuchservice://x"}, alerts=rules)
    store = make_store(tmp_path, cfg, with_alerts=True)
    report = deliver_due(store, cfg, Sender(), now=NOW)
    assert "not a valid notification URL" in report.failed["chat"]
    assert deliver_due(store, cfg, Sender(), now=NOW + timedelta(hours=1)).failed   # still there, retried


def test_a_silent_server_is_given_up_on_within_the_timeout():
    with socket.socket() as silent:                    # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)
        started = time.monotonic()
        result = Sender(timeout=1).send(f"json://127.0.0.1:{silent.getsockname()[1]}/x", title="t", body="b")
    assert not result.ok and "timed out" in result.error
    assert time.monotonic() - started < 10


def test_notify_test_names_known_targets_and_sends_in_the_configured_language(hook_factory):
    hook = hook_factory()
    cfg = make_config({"chat": hook.url, "off": ""}, language="de")
    unknown = notify_test(cfg, "nope", Sender())
    assert not unknown.ok and "chat, off" in unknown.error
    assert "no URL" in notify_test(cfg, "off", Sender()).error
    assert notify_test(cfg, "chat", Sender(timeout=5)).ok
    assert hook.posts[0]["title"] == "Lagebild: Testnachricht"
