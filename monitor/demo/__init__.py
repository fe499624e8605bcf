"""`monitor demo`: the whole pipeline offline, on bundled sample sources served on loopback.

It writes a demo feeds.yaml pointing at the local server, runs one cycle into a fresh
database (alerts go to a local chat webhook), writes the digest to an HTML file,
prints where everything is, and then serves the archive.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from monitor.demo.feeds import SampleSource, load_samples
from monitor.demo.server import DemoServer


def demo_config(sources: list[SampleSource], base: str, archive: str | None = None) -> str:
    """A feeds.yaml for the demo (YAML written by hand: it is small and fixed).

    `archive`: the demo archive's address, so alerts link its item pages (web.base_url)."""
    lines = ["# Written by `monitor demo`: the bundled sample sources on a local server.",
             "settings:", "  timezone: Europe/Berlin", "  language: de",
             "  digest:", '    at: "07:30"', "    notify: [team-email]",
             "  alerts:",
             "    - name: Recht & Regulierung", "      tags: [legal_change]", "      notify: [team-chat]",
             "    - name: Neues auf Instagram und TikTok", "      tags: [feature_rollout]",
             "      platforms: [instagram, tiktok]", "      notify: [team-chat]",
             *(["  web:", f"    base_url: {archive}"] if archive else []),
             "notify:", "  team-email: ''   # the demo writes the digest to a file instead",
             f"  team-chat: json://{base.removeprefix('http://')}/hooks/chat", "sources:"]
    for src in sources:
        lines += [f"  - name: {_quote(src.name)}", f"    url: {base}{src.path}", "    kind: feed",
                  f"    category: {src.category}", f"    language: {src.language}"]
        if src.platforms and len(src.platforms) == 1:
            lines.append(f"    platforms: [{src.platforms[0]}]")
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run_demo(host: str = "127.0.0.1", port: int = 8080, workdir: Path | None = None,
             serve_archive: bool = True, quiet: bool = False) -> int:
    from monitor.config import load_config
    from monitor.pipeline import run_cycle
    from monitor.store import Store
    from monitor.tag.tagging import load_tagger
    from monitor.tell.deliver import Sender
    from monitor.tell.digest import send_digest
    from spiders import KINDS

    say = (lambda *_: None) if quiet else (lambda text: click.echo(text))
    workdir = Path(workdir or tempfile.mkdtemp(prefix="lagebild-demo-")).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    server = DemoServer(load_samples(), chat_log=workdir / "chat-messages.jsonl").start()
    config_path = workdir / "feeds.yaml"
    config_path.write_text(demo_config(load_samples(), server.base, f"http://{host}:{port}"), encoding="utf-8")
    db_path = workdir / "demo.db"
    for stale in workdir.glob("demo.db*"):
        stale.unlink()
    config = load_config(config_path, known_kinds=set(KINDS))
    store = Store.open(f"sqlite:///{db_path}")
    say(f"Sample sources served at {server.base} ({len(config.sources)} sources)")
    report = run_cycle(config, store, load_tagger(), Sender())
    for line in report.lines():
        say(line)
    digest_path = workdir / "digest.html"
    send_digest(store, config, Sender(), output=digest_path, base_url=f"http://{host}:{port}")
    say(f"Digest written to: {digest_path}")
    say(f"Chat alerts received by the demo webhook: {workdir / 'chat-messages.jsonl'}")
    say(f"Database: {db_path}   Config: {config_path}")
    if not serve_archive:
        server.stop()
        return 0
    from monitor.web import create_app, serve
    say(f"Archive: http://{host}:{port}/   (Ctrl+C to stop)")
    app = create_app(config, store, home=workdir, password=os.environ.get("MONITOR_WEB_PASSWORD"),
                     tagger_loader=load_tagger)
    try:
        serve(app, host, port)
    finally:
        server.stop()
    return 0
