"""Instant alerts: which items go where (routing), and sending what is due (delivery).

Routing is a pure function of the items and feeds.yaml, so the pipeline can queue the
alerts in the same transaction that stores the items (see the outbox). Delivery then
reads the outbox: one message per target and run, because a burst of twenty alerts
as twenty chat pings trains a team to mute the channel. A message is split only
where the service's length limit forces it, and each part is marked sent only once
the service accepted it; failed parts stay pending and are retried with backoff.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from monitor.config import AlertRule, Config
from monitor.deliver import Sender, pack
from monitor.i18n import Translator
from monitor.item import Item
from monitor.store import NewDelivery

TEMPLATES = Path(__file__).resolve().parent / "templates" / "mail"
ORDER = ("legal_change", "algorithm_reach_change", "feature_rollout")   # what a team must see first
SUMMARY_CHARS = 280

# --------------------------------------------------------------------------- routing


def route(items: list[Item], config: Config) -> list[NewDelivery]:
    """The alerts `settings.alerts` asks for: once per item and target, with the first rule's reason."""
    t = translator(config)
    deliveries: list[NewDelivery] = []
    for index, item in enumerate(items):
        reasons: dict[str, str] = {}
        for number, rule in enumerate(config.settings.alerts, 1):
            why = matches(rule, item, config, t)
            if why is None:
                continue
            for target in rule.notify:
                reasons.setdefault(target, f"{why} · {t('mail.rule', n=number)}")
        deliveries += [NewDelivery(index, target, reason) for target, reason in reasons.items()]
    return deliveries


def matches(rule: AlertRule, item: Item, config: Config, t: Translator) -> str | None:
    """Why `rule` fires for `item` (short text), or None; every condition given must hold."""
    why: list[str] = []
    source = config.source(item.source)
    if rule.tags or rule.min_score > 0:
        wanted = rule.tags or list(item.tags)
        hits = [(tag, score_of(item, tag)) for tag in wanted if tag in item.tags]
        hits = [(tag, s) for tag, s in hits if s >= rule.min_score]
        if not hits:
            return None
        why += [f"{t('common.tag.' + tag)} {format_score(s, t)}" for tag, s in hits]
    if rule.platforms:
        platforms = item.platforms or (source.platforms if source else [])
        common = [p for p in rule.platforms if p in platforms]
        if not common:
            return None
        why.append(", ".join(common))
    if rule.sources and item.source not in rule.sources:
        return None
    if rule.categories:
        if source is None or source.category not in rule.categories:
            return None
        why.append(t(f"common.category.{source.category}"))
    return " + ".join(why) or item.source


def score_of(item: Item, tag: str) -> float:
    """A tag set by a person has no model score; it counts as certain."""
    score = item.scores.get(tag)
    return 1.0 if score is None else float(score)


def format_score(score: float, t: Translator) -> str:
    return t.number(round(score, 2))


def translator(config: Config) -> Translator:
    return Translator(config.settings.language, config.settings.timezone)


# --------------------------------------------------------------------------- delivery

@dataclass
class Message:
    title: str
    body: str
    body_format: str
    ids: list[int]


@dataclass
class DeliveryReport:
    sent: int = 0                                             # items whose alert was accepted
    failed: dict[str, str] = field(default_factory=dict)      # target -> error
    counts: dict[str, int] = field(default_factory=dict)      # target -> items sent
    pending: dict[str, int] = field(default_factory=dict)     # target -> items still waiting
    lines: list[str] = field(default_factory=list)            # for the run summary

    @property
    def ok(self) -> bool:
        return not self.failed


def deliver_due(store, config: Config, sender: Sender, now: datetime | None = None,
                force: bool = False) -> DeliveryReport:
    """Send every due alert, one grouped message per target; record what was accepted."""
    t = translator(config)
    report = DeliveryReport()
    for target, rows in store.due_alerts(now=now, force=force).items():
        if not config.notify.get(target):
            key = "mail.report.disabled" if target in config.notify else "mail.report.unknown"
            report.pending[target] = len(rows)
            report.lines.append(t(key, target=target, n=len(rows)))
            continue
        _deliver_target(store, config, sender, target, rows, report, t, now)
    return report


def _deliver_target(store, config, sender, target, rows, report, t, now) -> None:
    url = config.notify[target]
    first_line = len(report.lines)
    messages = build_messages(rows, url, sender, t, config.settings.web.base_url)
    for position, message in enumerate(messages):
        result = sender.send(url, title=message.title, body=message.body, body_format=message.body_format)
        if not result.ok:
            waiting = [i for m in messages[position:] for i in m.ids]
            store.mark_alerts_failed(waiting, result.error or "failed", now=now)
            report.failed[target] = result.error or "failed"
            report.pending[target] = len(waiting)
            report.lines.append(t("mail.report.failed", target=target, n=len(waiting), error=result.error))
            break
        store.mark_alerts_sent(message.ids, now=now)
        report.sent += len(message.ids)
        report.counts[target] = report.counts.get(target, 0) + len(message.ids)
    if report.counts.get(target):
        report.lines.insert(first_line, t("mail.report.sent", target=target, n=report.counts[target]))


def build_messages(rows: list[tuple[int, Item, str]], url: str, sender: Sender, t: Translator,
                   base_url: str | None) -> list[Message]:
    """One message naming every item, or a few parts when the service's limit forces it."""
    markdown = sender.takes_markdown(url)
    fmt = "markdown" if markdown else "text"
    limit = sender.max_body(url)
    entries = [AlertEntry.of(item, reason, base_url) for _, item, reason in rows]
    blocks = [render_alert(e, t, markdown=markdown, limit=limit) for e in entries]
    groups = pack(blocks, limit, sep=SEPARATOR[fmt])
    messages = []
    for number, group in enumerate(groups, 1):
        title = alert_title([entries[i] for i in group], len(rows), t)
        if len(groups) > 1:
            title += f" ({t('mail.alert.part', i=number, n=len(groups))})"
        body = SEPARATOR[fmt].join(blocks[i] for i in group)
        messages.append(Message(title, body, fmt, [rows[i][0] for i in group]))
    return messages


SEPARATOR = {"markdown": "\n\n---\n\n", "text": "\n\n----\n\n"}


def alert_title(entries: list[AlertEntry], total: int, t: Translator) -> str:
    if total == 1 and len(entries) == 1:
        entry = entries[0]
        label = t(f"common.tag.{entry.tags[0]}") if entry.tags else t("mail.brand")
        return shorten(f"{label}: {entry.title}", 200)
    return t("mail.alert.title.other", n=t.number(total))


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word where possible."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ""
    cut = text[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut[limit // 2:] else cut).rstrip(" ,.;:") + "…"


# --------------------------------------------------------------------------- rendering

@dataclass
class AlertEntry:
    """What one alert shows: the item, where it came from, why it was flagged."""
    title: str
    url: str
    source: str
    summary: str
    platforms: list[str]
    tags: list[str]
    reason: str
    archive_url: str | None

    @classmethod
    def of(cls, item: Item, reason: str, base_url: str | None) -> "AlertEntry":
        archive = f"{base_url.rstrip('/')}/items/{item.id}" if base_url and item.id else None
        tags = [tag for tag in ORDER if tag in item.tags]
        return cls(item.title, item.url, item.source, item.summary or "", list(item.platforms), tags, reason,
                   archive)


def render_alert(entry: AlertEntry, t: Translator, *, markdown: bool, limit: int) -> str:
    """One item's block; shortened (summary first, then title) only when over the service limit."""
    name = "alert.md" if markdown else "alert.txt"
    for chars in (SUMMARY_CHARS, 80, 0):
        block = _env().get_template(name).render(e=entry, t=t, summary=shorten(entry.summary, chars)).strip()
        if len(block) <= limit:
            return block
    return shorten(block, limit)


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=False, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.do"])
    env.filters["platform"] = platform_label
    env.filters["mdtext"] = md_text
    env.filters["mdurl"] = md_url
    return env


PLATFORM_LABELS = {"x": "X", "linkedin": "LinkedIn", "tiktok": "TikTok", "youtube": "YouTube",
                   "whatsapp": "WhatsApp", "xing": "XING"}


def platform_label(platform: str) -> str:
    """'linkedin' -> 'LinkedIn': how the teams write them."""
    return PLATFORM_LABELS.get(platform, platform.capitalize())


def md_text(text: str) -> str:
    """Link text stays readable and exact, only the brackets that would end it are escaped."""
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def md_url(url: str) -> str:
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
