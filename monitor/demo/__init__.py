"""`monitor demo`: the whole pipeline offline, on bundled sample sources served on loopback.

It writes a demo feeds.yaml pointing at the local server, runs a cycle into a fresh
database (alerts go to a local chat webhook), lets the watched page change and runs a
second cycle (a page's first fetch is only its baseline, so without the second a
newcomer would never see a page change and its diff), writes the digest to an HTML
file, prints where everything is, and then serves the archive.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

from monitor.demo.feeds import SamplePage, SampleSource, load_pages, load_samples
from monitor.demo.server import DemoServer

if TYPE_CHECKING:
    from monitor.store import Store


def demo_config(sources: list[SampleSource], base: str, archive: str | None = None,
                pages: list[SamplePage] | None = None) -> str:
    """A feeds.yaml for the demo (YAML written by hand: it is small and fixed).

    `archive`: the demo archive's address, so alerts link its item pages (web.base_url);
    `pages`: the watched pages (kind: page) after the feeds."""
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
    lines += _page_lines(pages or [], base)
    return "\n".join(lines) + "\n"


def _page_changes(store: Store, pages: list[SamplePage]) -> list[tuple[SamplePage, int]]:
    """Each watched page with the id of the item that reports its change (newest first)."""
    from monitor.store import ItemQuery
    found = []
    for page in pages:
        changed = store.query_items(ItemQuery(sources=[page.name], limit=1))
        if changed and changed[0].id is not None:
            found.append((page, changed[0].id))
    return found


def _page_lines(pages: list[SamplePage], base: str) -> list[str]:
    """The watched pages (kind: page) of the demo's feeds.yaml."""
    lines: list[str] = []
    for page in pages:
        lines += [f"  - name: {_quote(page.name)}", f"    url: {base}{page.path}", "    kind: page",
                  f"    category: {page.category}", f"    language: {page.language}"]
        if page.platforms:
            lines.append(f"    platforms: [{', '.join(page.platforms)}]")
    return lines


DEMO_TEAM = "kunde-b"


def _second_team(workdir: Path, config_path: Path, sources: list[SampleSource], base: str,
                 store: Store) -> tuple[Path, int]:
    """Issue 17 on a small scale: a client team that follows two of the demo's sources, one under a
    name of its own. Applying it adds subscriptions, not sources: what both teams follow is still
    fetched once, and the team sees those sources' items and nothing else."""
    from monitor.store.items import ItemQuery
    from monitor.teams.config import apply_teams, load_teams
    from spiders import KINDS

    lines = ["# Written by `monitor demo`: a second team that shares two sources with feeds.yaml's.",
             "settings:", "  timezone: Europe/Berlin", "  language: de", "sources:"]
    for number, src in enumerate(sources):
        name = f"{src.name} (Kunde B)" if number == 0 else src.name
        lines += [f"  - name: {_quote(name)}", f"    url: {base}{src.path}", "    kind: feed",
                  f"    category: {src.category}", f"    language: {src.language}"]
    team_file = workdir / "teams" / f"{DEMO_TEAM}.yaml"
    team_file.parent.mkdir(exist_ok=True)
    team_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    apply_teams(store, [t for t in load_teams(config_path, known_kinds=set(KINDS)) if t.slug == DEMO_TEAM])
    return team_file, store.count_items(ItemQuery(team_id=store.team(DEMO_TEAM).id))


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run_demo(host: str = "127.0.0.1", port: int = 8080, workdir: Path | None = None,
             serve_archive: bool = True, quiet: bool = False) -> int:
    from monitor.cli_views import run_summary, translator_for
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
    pages = load_pages()
    server = DemoServer(load_samples(), chat_log=workdir / "chat-messages.jsonl", pages=pages).start()
    config_path = workdir / "feeds.yaml"
    config_path.write_text(demo_config(load_samples(), server.base, f"http://{host}:{port}", pages),
                           encoding="utf-8")
    db_path = workdir / "demo.db"
    for stale in workdir.glob("demo.db*"):
        stale.unlink()
    config = load_config(config_path, known_kinds=set(KINDS))
    store = Store.open(f"sqlite:///{db_path}")
    t = translator_for(config)      # the demo speaks its feeds.yaml's settings.language, as `monitor run` does
    say(t("cli.demo.served", base=server.base, n=len(config.sources), pages=len(pages)))
    say(t("cli.demo.first"))
    for line in run_summary(run_cycle(config, store, load_tagger(), Sender()), t):
        say("  " + line)
    server.change_pages()
    say(t("cli.demo.second"))
    for line in run_summary(run_cycle(config, store, load_tagger(), Sender()), t):
        say("  " + line)
    digest_path = workdir / "digest.html"
    send_digest(store, config, Sender(), output=digest_path, base_url=f"http://{host}:{port}")
    say(t("cli.demo.digest", path=digest_path))
    team_file, items = _second_team(workdir, config_path, load_samples()[:2], server.base, store)
    say(t("cli.demo.team", slug=DEMO_TEAM, path=team_file, items=items, config=config_path,
          db=f"sqlite:///{db_path}"))      # the demo's own files: not the current folder's
    say(t("cli.demo.chat", path=workdir / "chat-messages.jsonl"))
    say(t("cli.demo.files", db=db_path, config=config_path))
    for page, item_id in _page_changes(store, pages):
        say(t("cli.demo.page_change", name=page.name, url=f"http://{host}:{port}/items/{item_id}") if serve_archive
            else t("cli.demo.page_change_item", name=page.name, id=item_id))
    if not serve_archive:
        server.stop()
        return 0
    from monitor.web import create_app, serve
    say(t("cli.demo.archive", url=f"http://{host}:{port}/"))
    app = create_app(config, store, home=workdir, password=os.environ.get("MONITOR_WEB_PASSWORD"),
                     tagger_loader=load_tagger)
    try:
        serve(app, host, port)
    finally:
        server.stop()
    return 0
