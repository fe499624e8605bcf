"""The daily digest: render the pending items and send them to each digest target.

Bookkeeping goes through the store's outbox: `begin_digest` records which items a
digest holds before it is sent, `finish_digest` marks it sent (or failed) after the
target answered. So an item is in a sent digest once per target, a failing target
keeps its items for the next try, and a second `monitor digest` right after a
successful one finds nothing to send.

E-mail gets the HTML version (apprise builds multipart/alternative with a text part);
chat and webhook targets get the text version, split only where the service's length
limit forces it. Each message (each part) that meets a blip is tried again within the
run, so an accepted part is not sent again in that run (`retry.py`). `--output` and
`--dry-run` render the same digest and mark nothing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from monitor.clock import utcnow
from monitor.config import Config
from monitor.i18n import Translator
from monitor.item import Item
from monitor.tell.deliver import Sender, SendResult, pack
from monitor.tell.digest_content import COLORS, Digest, build_digest
from monitor.tell.render import TEMPLATES, platform_label, translator
from monitor.tell.retry import backoff_cap

if TYPE_CHECKING:
    from monitor.store import Store

EMPTY_NOTE_GAP = timedelta(hours=20)    # one 'nothing new' note a day, not one per manual run
MAX_HTML_BYTES = 100_000                # below the ~102 KB at which Gmail clips a message
MAX_LEVEL = 30                          # Digest.tighten steps (6 and up: half of what is left each time)


@dataclass
class DigestReport:
    exit_code: int = 0
    lines: list[str] = field(default_factory=list)
    path: Path | None = None
    text: str | None = None
    sent: dict[str, int] = field(default_factory=dict)       # target -> items
    failed: dict[str, str] = field(default_factory=dict)     # target -> error

    @property
    def summary(self) -> list[str]:
        return self.lines


def send_digest(store: Store, config: Config, sender: Sender, *, since: timedelta | None = None,
                output: Path | None = None, dry_run: bool = False, base_url: str | None = None,
                now: datetime | None = None, echo: Callable[[str], None] = print,
                targets: list[str] | None = None, period: str | None = None,
                team_id: int | None = None) -> DigestReport:
    """Send, write (`output`) or print (`dry_run`) the digest; exit code 1 when a target failed.

    `team_id`: the digest of that team (`config` is the team's): only items of its sources, its
    own bookkeeping per target and period. None: the default team's (feeds.yaml's) digest, which
    with one team is every item, as before teams; with several it never holds another team's.

    `targets`: only these (default: `settings.digest.notify`), e.g. those a digest waits for.
    `period`: the scheduled day this digest is for; one digest per target and period is sent,
    however many processes try (see `OutboxStore.begin_digest`)."""
    now = now or utcnow()
    if team_id is None:
        default = store.team_by_slug("default")
        team_id = default.id if default is not None else None
    t = translator(config)
    base = base_url or config.settings.web.base_url
    cutoff = now - since if since else None
    report = DigestReport()
    if output is not None or dry_run:
        _preview(store, config, t, report, cutoff=cutoff, now=now, base=base, output=output,
                 dry_run=dry_run, echo=echo, team_id=team_id)
        return report
    targets = config.settings.digest.notify if targets is None else targets
    if not targets:
        report.lines.append(t("mail.report.no_targets"))
    for target in targets:
        _send_target(store, config, sender, target, report, t, cutoff=cutoff, now=now, base=base, period=period,
                     team_id=team_id)
    report.exit_code = 1 if report.failed else 0
    return report


def _preview(store: Store, config: Config, t: Translator, report: DigestReport, *, cutoff: datetime | None,
             now: datetime, base: str | None, output: Path | None, dry_run: bool,
             echo: Callable[[str], None], team_id: int | None = None) -> None:
    items = pending_items(store, config, cutoff, team_id)
    targets = config.settings.digest.notify
    digest = build_digest(store, config, items, now=now, base_url=base, t=t,
                          target=targets[0] if targets else None, team_id=team_id)
    if output is not None:
        output = Path(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(render_html(digest, t), encoding="utf-8")
        report.path = output
        report.lines.append(t.plural("mail.report.written", len(items), path=output))
    if dry_run:
        report.text = render_text(digest, t)
        echo(report.text)
        report.lines.append(t("mail.report.dry_run", n=t.number(len(items))))


def pending_items(store: Store, config: Config, cutoff: datetime | None, team_id: int | None = None) -> list[Item]:
    """What a digest would hold now: pending for any digest target (all items when there is none)."""
    targets = config.settings.digest.notify or [""]
    seen: dict[int | None, Item] = {}
    for target in targets:
        for item in store.digest_candidates(target, since=cutoff, team_id=team_id):
            seen.setdefault(item.id, item)
    return sorted(seen.values(), key=lambda it: (it.published or it.fetched, it.id or 0), reverse=True)


def _send_target(store: Store, config: Config, sender: Sender, target: str, report: DigestReport, t: Translator,
                 *, cutoff: datetime | None, now: datetime, base: str | None, period: str | None = None,
                 team_id: int | None = None) -> None:
    url = config.notify.get(target)
    items = store.digest_candidates(target, since=cutoff, team_id=team_id)
    if not url:
        key = "mail.report.disabled" if target in config.notify else "mail.report.unknown"
        report.lines.append(t(key, target=target, n=t.number(len(items))))
        return
    if not items and (not config.settings.digest.send_empty or _sent_recently(store, target, now, team_id)):
        report.lines.append(t("mail.report.nothing", target=target))
        return
    digest = build_digest(store, config, items, now=now, base_url=base, t=t, target=target, team_id=team_id)
    report.lines += [f"{target}: {note}" for note in digest.notes]
    digest_id = store.begin_digest(target, digest.item_ids, now=now, period=period, team_id=team_id)
    if digest_id is None:       # another process sends it (or sent this period's): not a second one
        report.lines.append(f"{target}: the digest is sent by another process (or was sent for this period)")
        return
    accepted: list[str] = []
    result = send_rendered(sender, url, digest, t, accepted=accepted)
    shown = [] if result.ok else shown_in(accepted, [it for it in items if it.id in set(digest.item_ids)])
    asked = timedelta(seconds=result.retry_after) if result.retry_after is not None else None
    store.finish_digest(digest_id, None if result.ok else (result.error or "failed"), now=now,
                        cap=backoff_cap(config.settings.fetch.interval), asked=asked, delivered=shown)
    if result.ok:
        report.sent[target] = len(digest.item_ids)
        report.lines.append(t("mail.report.digest_empty", target=target) if digest.empty else
                            t.plural("mail.report.digest_sent", len(digest.item_ids), target=target))
        return
    if shown:
        report.sent[target] = len(shown)
        report.lines.append(t.plural("mail.report.digest_sent", len(shown), target=target))
    report.failed[target] = result.error or "failed"
    report.lines.append(t.plural("mail.report.failed", len(digest.item_ids) - len(shown), target=target,
                                 error=result.error))


def shown_in(bodies: list[str], items: list[Item]) -> list[int]:
    """Items whose link is in one of the accepted parts: they reached the target, whatever came after."""
    text = "\n".join(bodies)
    # an item without a link (an unsafe one was dropped) cannot be told apart in a part: it counts
    # as sent with the whole digest, never because an empty link "matched" a failed try's nothing
    return [it.id for it in items
            if it.id is not None and it.url and re.search(re.escape(it.url) + r"(?=\s|$)", text)]


def send_rendered(sender: Sender, url: str, digest: Digest, t: Translator,
                  accepted: list[str] | None = None) -> SendResult:
    """HTML to e-mail-like services in one piece; text elsewhere, in parts only when it must.

    Each part rides out a blip on its own, so within a run an accepted part is not sent
    again; `accepted` collects the bodies of the parts the target took before one failed,
    so the items they showed count as sent and the next try holds only the rest."""
    text = render_text(digest, t)
    if sender.takes_html(url):
        return sender.deliver(url, title=digest.subject, body=text, body_format="text",
                              attach_html=render_html(digest, t))
    limit = sender.max_body(url)
    if len(text) <= limit:
        return sender.deliver(url, title=digest.subject, body=text, body_format="text")
    blocks = _blocks(text, limit)
    groups = pack(blocks, limit)
    for number, group in enumerate(groups, 1):
        title = f"{digest.subject} ({t('mail.alert.part', i=number, n=len(groups))})"
        body = "\n\n".join(blocks[i] for i in group)
        result = sender.deliver(url, title=title, body=body, body_format="text")
        if not result.ok:
            return result
        if accepted is not None:
            accepted.append(body)
    return SendResult(True)


def _blocks(text: str, limit: int) -> list[str]:
    """Paragraphs, with any paragraph longer than the limit broken at lines, never between
    a title and the link under it (a part shows an item whole, or not at all)."""
    blocks: list[str] = []
    for para in text.split("\n\n"):
        if len(para) <= limit:
            blocks.append(para)
            continue
        lines: list[str] = []
        for line in para.split("\n"):
            if lines and line.lstrip().startswith(("http://", "https://")):
                lines[-1] += "\n" + line
            else:
                lines.append(line)
        blocks += ["\n".join(lines[i] for i in g) for g in pack(lines, limit, sep="\n")]
    return [b[:limit] for b in blocks]


def _sent_recently(store: Store, target: str, now: datetime, team_id: int | None = None) -> bool:
    last = store.last_digest_sent(target, team_id=team_id)
    return last is not None and now - last < EMPTY_NOTE_GAP


# --------------------------------------------------------------------------- rendering

def render_html(digest: Digest, t: Translator) -> str:
    return fit(digest, t)


def render_text(digest: Digest, t: Translator) -> str:
    fit(digest, t)
    return _env(False).get_template("digest.txt").render(d=digest, t=t).strip() + "\n"


def fit(digest: Digest, t: Translator, budget: int = MAX_HTML_BYTES) -> str:
    """The digest's HTML, shrunk step by step (`Digest.tighten`) until it is at most `budget` bytes.

    Gmail clips a message whose HTML passes ~102 KB and hides the rest behind a link, so
    whatever sat at the bottom (sources needing attention, the overflow list) was never
    seen. The text version follows the same steps, so mail and chat show the same items."""
    page = _html(digest, t)
    while not digest.fitted and len(page.encode("utf-8")) > budget and digest.level < MAX_LEVEL:
        digest.tighten(digest.level + 1)
        page = _html(digest, t)
    digest.fitted = True
    return page


def _html(digest: Digest, t: Translator) -> str:
    return _env(True).get_template("digest.html").render(d=digest, t=t, colors=COLORS)


@lru_cache(maxsize=2)
def _env(html: bool) -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True, extensions=["jinja2.ext.do"],
                      autoescape=select_autoescape(["html"]) if html else False)
    env.filters["platform"] = platform_label
    env.filters["text"] = html_text
    return env


def html_text(value: object) -> Markup:
    """Text for an HTML text node, escaped only as far as needed.

    Quotes need no escaping outside attributes, so "Meta's new feature" stays
    byte-for-byte findable in the file (a `grep` of a title finds it); `<`, `>` are always
    escaped, and `&` too whenever a browser would otherwise read it as an entity.
    """
    raw = str(value)
    light = raw.replace("<", "&lt;").replace(">", "&gt;")
    if "&" in raw and html.unescape(light) != raw:
        return escape(raw)
    return Markup(light)
