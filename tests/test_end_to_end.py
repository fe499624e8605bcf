"""The whole product as a user runs it: `monitor run` → alert → `monitor digest` → archive.

Real processes of the `monitor` command, a real HTTP server for the sources, a real
SMTP server (aiosmtpd) for the digest, a real webhook receiver for apprise's json://,
a real SQLite file, and `monitor serve` answering over HTTP. Then a second run and a
second digest must send nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.servers import FeedServer, free_port, rss

ENTRIES_DE = [
    {"title": "EU-Kommission verhängt Bußgeld gegen TikTok nach dem DSA", "link": "http://127.0.0.1/a/dsa",
     "summary": "<p>Die Kommission sieht Verstöße gegen die Transparenzpflichten.</p>"},
    {"title": "Instagram testet neue Planungsfunktion für Reels", "link": "http://127.0.0.1/a/reels",
     "summary": "Ausgewählte Konten können Reels jetzt vorab planen."},
    {"title": "LinkedIn senkt die Reichweite von Beiträgen mit externen Links", "link": "http://127.0.0.1/a/links",
     "summary": "Der Feed-Algorithmus spielt Link-Posts seltener aus."},
    {"title": "5 Tipps für bessere Instagram-Captions", "link": "http://127.0.0.1/a/tips",
     "summary": "So schreiben Sie Texte, die gelesen werden."},
]
ENTRIES_EN = [
    {"title": "Court rules that Meta must change its consent banner in Germany", "link": "http://127.0.0.1/a/court",
     "summary": "The regional court found the cookie consent design unlawful."},
    {"title": "YouTube rolls out a new editor for Shorts", "link": "http://127.0.0.1/a/shorts",
     "summary": "Creators get templates and a timeline editor."},
]


def monitor(env: dict, *args: str, timeout: int = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "monitor", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


@pytest.fixture
def world(tmp_path: Path, smtp, webhook):
    chat = webhook()
    with FeedServer() as web:
        web.add("/de.xml", rss("Plattform-Radar", ENTRIES_DE))
        web.add("/en.xml", rss("Policy Wire", ENTRIES_EN))
        config = tmp_path / "feeds.yaml"
        config.write_text(f"""
settings:
  language: de
  digest:
    notify: [team-email]
  alerts:
    - tags: [legal_change]
      notify: [team-chat]
notify:
  team-email: {smtp.url}
  team-chat: {chat.url}
sources:
  - name: Plattform-Radar
    url: {web.url('/de.xml')}
    category: industry
    language: de
  - name: Policy Wire
    url: {web.url('/en.xml')}
    category: legal
    language: en
""", encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
        env.update(MONITOR_CONFIG=str(config), MONITOR_HOME=str(tmp_path / "home"),
                   MONITOR_DB=f"sqlite:///{tmp_path / 'lagebild.db'}", NO_PROXY="127.0.0.1,localhost")
        yield env, web, chat, smtp


def chat_posts(chat) -> list[str]:
    """Each POST to the chat as apprise sent it (its JSON, dumped again as apprise dumps it)."""
    return [json.dumps(payload) for payload in chat.posts]


def test_run_alert_digest_archive_then_nothing_twice(world):
    env, web, chat, smtp = world

    first = monitor(env, "run")
    assert first.returncode == 0, first.stderr
    items = json.loads(monitor(env, "items", "--format", "json").stdout)
    assert {i["title"] for i in items} == {e["title"] for e in ENTRIES_DE + ENTRIES_EN}

    legal = [i for i in items if "legal_change" in i["tags"]]
    assert {i["url"] for i in legal} >= {"http://127.0.0.1/a/dsa", "http://127.0.0.1/a/court"}
    posts = chat_posts(chat)
    for item in legal:
        assert sum(item["url"] in p or item["title"] in p for p in posts) == 1, item["title"]
    assert not any("5 Tipps" in p for p in posts), "an untagged item was alerted"

    digest = monitor(env, "digest")
    assert digest.returncode == 0, digest.stderr + digest.stdout
    deadline = time.monotonic() + 10
    while not smtp.messages and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    text = mail.get_body(("plain",)).get_content() + mail.get_body(("html",)).get_content()
    for item in items:
        assert item["title"] in text or item["title"].replace("&", "&amp;") in text

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "monitor", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        status = None
        while status is None and time.monotonic() < deadline:
            try:
                status, page = get(f"http://127.0.0.1:{port}/")
            except OSError:
                time.sleep(0.2)
        assert status == 200 and "Instagram testet neue Planungsfunktion" in page
        status, body = get(f"http://127.0.0.1:{port}/api/items?tag=legal_change")
        assert status == 200 and {i["url"] for i in json.loads(body)} == {i["url"] for i in legal}
    finally:
        server.terminate()
        server.wait(10)

    second = monitor(env, "run")
    assert second.returncode == 0
    assert len(chat_posts(chat)) == len(posts), "the second run alerted again"
    assert json.loads(monitor(env, "items", "--format", "json").stdout) == items
    assert any(h.get("If-None-Match") for h in web.requests_to("/de.xml")[1:])

    again = monitor(env, "digest")
    assert again.returncode == 0
    time.sleep(0.5)
    assert len(smtp.messages) == 1, "the second digest sent mail again"


def test_config_error_stops_before_any_fetch(world, tmp_path: Path):
    env, web, _, _ = world
    bad = tmp_path / "bad.yaml"
    bad.write_text(Path(env["MONITOR_CONFIG"]).read_text().replace("  language: de", "  langauge: de"))
    result = monitor({**env, "MONITOR_CONFIG": str(bad)}, "run")
    assert result.returncode == 2
    assert "bad.yaml:3" in result.stderr and "langauge" in result.stderr and "Traceback" not in result.stderr
    assert web.requests == []
