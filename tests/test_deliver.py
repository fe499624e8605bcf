"""Delivery through apprise to real local servers: an SMTP server (aiosmtpd) and a JSON webhook.

No mocks: the digest goes out as a real e-mail, alerts as real HTTP POSTs, failures are
real refused connections and real HTTP 500s. Every server binds 127.0.0.1 only.
"""

from __future__ import annotations

import json
import re
import socket
import time
from datetime import UTC, datetime, timedelta

import pytest
import yaml
from click.testing import CliRunner

from monitor.cli import cli
from monitor.config import Config
from monitor.item import Item
from monitor.store import Store
from monitor.tell.alerts import deliver_due
from monitor.tell.deliver import Sender
from monitor.tell.digest import send_digest
from monitor.tell.outbox_report import notify_test, outbox_rows, retry_waiting
from monitor.tell.retry import NO_RETRY, RetryPolicy
from monitor.tell.rules import route

NOW = datetime(2026, 11, 21, 6, 30, tzinfo=UTC)
SOURCES = [{"name": "Dr. Schwenke", "url": "https://drschwenke.de/feed/", "category": "legal"},
           {"name": "Meta Newsroom", "url": "https://about.fb.com/news/feed/", "category": "platform"},
           {"name": "t3n", "url": "https://t3n.de/rss.xml", "category": "industry"}]
ITEMS = [("Dr. Schwenke", "BGH: Impressumspflicht gilt auch auf Instagram", {"legal_change": 0.94}, ["instagram"]),
         ("Meta Newsroom", "Instagram ranks original posts higher in the feed", {"algorithm_reach_change": 0.9}, ["instagram"]),
         ("Meta Newsroom", "Trial reels for every professional account", {"feature_rollout": 0.95}, ["instagram"]),
         ("t3n", "LinkedIn testet Terminplanung in der App", {"feature_rollout": 0.8}, ["linkedin"]),
         ("t3n", "EuGH kippt Datentransfer-Regeln für Werbenetzwerke", {"legal_change": 0.88}, []),
         ("t3n", "Die 10 besten Tools für Social-Media-Planung", {}, [])]


# --------------------------------------------------------------------------- store and config

def make_config(notify: dict, language: str = "de", digest: list[str] = (), alerts: list[dict] = ()) -> Config:
    return Config.model_validate({
        "settings": {"language": language, "digest": {"notify": list(digest)}, "alerts": list(alerts),
                     "web": {"base_url": "https://lagebild.example.org"}},
        "notify": notify, "sources": SOURCES})


def fill(store: Store, config: Config, with_alerts: bool = False) -> Store:
    store.sync_sources(list(config.sources))
    items = [Item(source=src, title=title, url=f"https://example.org/{n}/", tags=list(tags), scores=tags,
                  platforms=plats, summary=f"Zusammenfassung {n}.", published=NOW - timedelta(hours=n + 1))
             for n, (src, title, tags, plats) in enumerate(ITEMS)]
    store.add_items(items, route(items, config) if with_alerts else [], now=NOW - timedelta(hours=1))
    return store


LEGAL = [title for _, title, tags, _ in ITEMS if "legal_change" in tags]


# --------------------------------------------------------------------------- e-mail digest

@pytest.mark.parametrize("language, subject, order", [
    ("de", "Lagebild 21.11.: 2 Rechtsänderungen, 1 Reichweitenänderung, 2 neue Funktionen",
     ["Das Wichtigste", "Reichweite &amp; Algorithmus", "Neue Funktionen", "Sonstiges aus den Quellen"]),
    ("en", "Lagebild 21 Nov: 2 legal changes, 1 reach change, 2 new features",
     ["Most important", "Reach &amp; algorithm", "New features", "Other news from the sources"]),
])
def test_the_digest_arrives_as_multipart_alternative_mail(sqlite_store, smtp, language, subject, order):
    cfg = make_config({"team-email": smtp.url}, language=language, digest=["team-email"])
    store = fill(sqlite_store, cfg)
    report = send_digest(store, cfg, Sender(timeout=10), now=NOW)
    assert report.exit_code == 0, report.lines
    [msg] = smtp.messages
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
    badges = ["Rechtsänderung", "Legal change", "Instagram", "LinkedIn"]
    assert not [b for b in badges if re.search(rf"\w{b}", text)], "badges run into each other in the text part"


def test_a_digest_to_a_down_smtp_server_is_sent_once_it_is_up(sqlite_store, smtp):
    smtp.stop()
    cfg = make_config({"team-email": smtp.url}, digest=["team-email"])
    store = fill(sqlite_store, cfg)
    down = send_digest(store, cfg, Sender(timeout=5, retry=NO_RETRY), now=NOW)     # down for longer than a run
    assert down.exit_code == 1
    assert "connection refused" in " ".join(down.lines)
    [row] = [r for r in outbox_rows(store, cfg) if r["kind"] == "digest"]
    assert row["status"] == "failing" and "connection refused" in row["last_error"]

    smtp.start()
    up = send_digest(store, cfg, Sender(timeout=5), now=NOW + timedelta(minutes=10))
    assert up.exit_code == 0
    again = send_digest(store, cfg, Sender(timeout=5), now=NOW + timedelta(minutes=11))
    assert again.exit_code == 0 and again.sent == {}
    [msg] = smtp.messages                                     # digested exactly once
    html = msg.get_body(("html",)).get_content()
    assert all(title in html for _, title, _, _ in ITEMS)


# --------------------------------------------------------------------------- alerts to a webhook

def test_alerts_to_a_failing_webhook_are_retried_and_sent_exactly_once(sqlite_store, webhook):
    """A blip outlasting the run (no retries within it here; tests/test_retry.py has those)."""
    hook = webhook(fail=2)
    cfg = make_config({"chat": hook.url}, alerts=[{"tags": ["legal_change"], "notify": ["chat"]}])
    store = fill(sqlite_store, cfg, with_alerts=True)
    sender = Sender(timeout=5, retry=NO_RETRY)

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


def test_a_disabled_target_keeps_its_alerts_pending(sqlite_store, webhook):
    hook = webhook()
    rules = [{"tags": ["legal_change"], "notify": ["chat"]}]
    store = fill(sqlite_store, make_config({"chat": hook.url}, alerts=rules), with_alerts=True)
    disabled = make_config({"chat": ""}, alerts=rules)
    report = deliver_due(store, disabled, Sender(timeout=5), now=NOW)
    assert report.sent == 0 and report.pending == {"chat": 2}
    assert "deaktiviert" in report.lines[0] and hook.posts == []
    enabled = deliver_due(store, make_config({"chat": hook.url}, alerts=rules), Sender(timeout=5), now=NOW)
    assert enabled.sent == 2


def test_the_json_digest_names_every_item_in_one_post(sqlite_store, webhook):
    hook = webhook()
    cfg = make_config({"digest-hook": hook.url}, digest=["digest-hook"])
    store = fill(sqlite_store, cfg)
    assert send_digest(store, cfg, Sender(timeout=5), now=NOW).exit_code == 0
    [post] = hook.posts
    assert all(title in post["message"] for _, title, _, _ in ITEMS)


def test_an_item_without_a_link_waits_with_the_digest_that_failed_and_shows_as_text(sqlite_store, webhook, smtp):
    """Its link was dropped as unsafe: an empty link once "matched" the nothing a failed try sent,
    so the item counted as delivered and was missing from the retry; in the mail it was href=""."""
    hook = webhook(fail=1)
    cfg = make_config({"digest-hook": hook.url, "team-email": smtp.url}, digest=["digest-hook", "team-email"])
    store = fill(sqlite_store, cfg)
    store.add_items([Item(source="t3n", title="Ohne sicheren Link: Plattform ändert AGB", url="",
                          tags=["legal_change"], scores={"legal_change": 0.9}, published=NOW - timedelta(hours=1))],
                    now=NOW - timedelta(hours=1))
    first = send_digest(store, cfg, Sender(timeout=5, retry=NO_RETRY), now=NOW)
    assert first.exit_code == 1 and not hook.accepted
    again = send_digest(store, cfg, Sender(timeout=5), now=NOW + timedelta(minutes=10))
    assert again.exit_code == 0
    [post] = hook.accepted
    assert "Ohne sicheren Link" in post["message"], "the retry holds every item the failed try held"
    [mail] = smtp.messages
    html = mail.get_body(("html",)).get_content()
    assert "Ohne sicheren Link" in html and 'href=""' not in html


# --------------------------------------------------------------------------- errors people can act on

def test_an_invalid_url_gives_a_clear_error_without_secrets():
    result = Sender().send("nosuchservice://user:hunter2secret@example.org/tok3n-abcdef", title="t", body="b")
    assert not result.ok
    assert result.error.startswith("not a valid notification URL: nosuchservice://")
    assert "hunter2secret" not in result.error and "tok3n-abcdef" not in result.error


def test_alerts_to_an_invalid_url_stay_pending_with_the_error(sqlite_store):
    rules = [{"tags": ["legal_change"], "notify": ["chat"]}]
    cfg = make_config({"chat": "nosuchservice://x"}, alerts=rules)
    store = fill(sqlite_store, cfg, with_alerts=True)
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


def test_notify_test_names_known_targets_and_sends_in_the_configured_language(webhook):
    hook = webhook()
    cfg = make_config({"chat": hook.url, "off": ""}, language="de")
    unknown = notify_test(cfg, "nope", Sender())
    assert not unknown.ok and "chat, off" in unknown.error
    assert "no URL" in notify_test(cfg, "off", Sender()).error
    assert notify_test(cfg, "chat", Sender(timeout=5)).ok
    assert hook.posts[0]["title"] == "Lagebild: Testnachricht"
    assert "steht nicht unter settings.digest.notify" in hook.posts[0]["message"], "it says what it will get"
    alerts = make_config({"chat": hook.url}, language="en", alerts=[{"tags": ["legal_change"], "notify": ["chat"]}])
    assert notify_test(alerts, "chat", Sender(timeout=5)).ok
    assert "Alerts will arrive here; the daily digest goes to other targets." in hook.posts[1]["message"]


# --------------------------------------------------------------------------- monitor outbox --retry

QUICK = RetryPolicy(waits=(0.02, 0.05, 0.1), budget=5)


def test_outbox_retry_sends_every_waiting_alert_and_digest_now_ignoring_the_backoff(sqlite_store, webhook):
    hook = webhook(fail=2, status=404)                   # a wrong path, fixed a minute later
    cfg = make_config({"chat": hook.url}, digest=["chat"], alerts=[{"tags": ["legal_change"], "notify": ["chat"]}])
    store = fill(sqlite_store, cfg, with_alerts=True)
    assert deliver_due(store, cfg, Sender(timeout=5, retry=QUICK), now=NOW).failed
    assert send_digest(store, cfg, Sender(timeout=5, retry=QUICK), now=NOW).exit_code == 1
    waiting = outbox_rows(store, cfg)
    assert {(r["kind"], r["status"]) for r in waiting} == {("alert", "failing"), ("digest", "failing")}
    assert deliver_due(store, cfg, Sender(timeout=5, retry=QUICK), now=NOW + timedelta(minutes=1)).sent == 0

    report = retry_waiting(store, cfg, Sender(timeout=5, retry=QUICK), now=NOW + timedelta(minutes=1))

    assert report.ok and report.lines == ["chat: 2 gesendet", "chat: Lagebild mit 6 Meldungen gesendet"]
    assert outbox_rows(store, cfg) == []
    assert len(hook.accepted) == 2 and all(title in hook.accepted[0]["message"] for title in LEGAL)
    again = retry_waiting(store, cfg, Sender(timeout=5, retry=QUICK), now=NOW + timedelta(minutes=2))
    assert again.ok and again.lines == [] and len(hook.posts) == 4, "nothing waits, nothing is sent twice"


def test_monitor_outbox_retry_prints_what_went_and_what_still_fails(tmp_path, webhook):
    hook = webhook(fail=2, status=404)
    rules = [{"tags": ["legal_change"], "notify": ["chat"]}]
    cfg = make_config({"chat": hook.url}, alerts=rules)
    config = tmp_path / "feeds.yaml"
    config.write_text(yaml.safe_dump({"settings": {"language": "de", "alerts": rules},
                                      "notify": {"chat": hook.url}, "sources": SOURCES}), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'lagebild.db'}"
    store = fill(Store.open(db), cfg, with_alerts=True)
    deliver_due(store, cfg, Sender(timeout=5), now=datetime.now(UTC))
    store.close()
    runner = CliRunner()
    options = ["--config", str(config), "--db", db]

    failing = runner.invoke(cli, ["outbox", "--retry", *options])
    assert failing.exit_code == 1, failing.output
    assert "chat: fehlgeschlagen, 2 bleiben offen" in failing.output and "HTTP 404" in failing.output
    assert "gestört" in failing.output, "then the outbox as `monitor outbox` shows it (in settings.language)"

    sent = runner.invoke(cli, ["outbox", "--retry", *options])
    assert sent.exit_code == 0, sent.output
    assert sent.output.splitlines() == ["chat: 2 gesendet", "Nichts offen: Alle Alarme und Lagebilder wurden zugestellt."]
    assert len(hook.accepted) == 1 and all(title in hook.accepted[0]["message"] for title in LEGAL)
    quiet = runner.invoke(cli, ["outbox", "--retry", "--format", "json", *options])
    assert quiet.exit_code == 0 and json.loads(quiet.stdout) == [] and len(hook.posts) == 3


def test_a_digest_of_one_item_says_so_in_the_singular(sqlite_store, webhook):
    hook = webhook()
    cfg = make_config({"digest-hook": hook.url}, digest=["digest-hook"])
    sqlite_store.sync_sources(list(cfg.sources))
    sqlite_store.add_items([Item(source="t3n", title="LinkedIn testet Terminplanung", url="https://example.org/one/",
                                 tags=["feature_rollout"], scores={"feature_rollout": 0.9},
                                 published=NOW - timedelta(hours=2))], now=NOW - timedelta(hours=1))
    report = send_digest(sqlite_store, cfg, Sender(timeout=5), now=NOW)
    assert report.lines == ["digest-hook: Lagebild mit 1 Meldung gesendet"]


def test_a_webhook_that_answers_slowly_gets_each_alert_once(sqlite_store, webhook):
    """Teams, Slack or a proxy under load may take seconds to answer a message they already took.
    apprise's own read timeout for json:// is 4 s: a slower answer counted as failed, the message
    was sent again at once and at every cycle after, and the chat filled with copies."""
    hook = webhook()
    hook.commit, hook.hold = "on_receipt", 6.0
    cfg = make_config({"chat": hook.url}, alerts=[{"tags": ["legal_change"], "notify": ["chat"]}])
    store = fill(sqlite_store, cfg, with_alerts=True)
    sent = deliver_due(store, cfg, Sender(), now=NOW)
    assert sent.ok and sent.sent == len(LEGAL)
    assert len(hook.posts) == 1 and len(hook.accepted) == 1, "one message, posted once"
    assert deliver_due(store, cfg, Sender(), now=NOW + timedelta(hours=1)).sent == 0
    assert len(hook.posts) == 1


def test_the_outbox_table_off_a_terminal_keeps_every_letter_of_an_error(capsys, monkeypatch):
    """80 columns, as cron mails it: a long address in the error column folds inside the word rather
    than losing letters ("127.0.0.1:8097:" came out as "127.0.0.1:", "within 13" went missing)."""
    from monitor.cli_views import print_outbox
    from monitor.i18n import Translator
    monkeypatch.setenv("COLUMNS", "80")
    error = "json 127.0.0.1:8097: connection refused (4 tries within 13 s)"
    print_outbox([{"kind": "alert", "target": "team-chat", "status": "failing", "messages": 1, "attempts": 4,
                   "next_attempt": None, "last_error": error}], Translator("de"))
    lines = capsys.readouterr().out.splitlines()
    start = lines[0].index("Fehler")
    assert "".join(line[start:].strip() for line in lines[2:]).replace(" ", "") == error.replace(" ", "")
