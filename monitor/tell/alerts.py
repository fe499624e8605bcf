"""Instant alerts: sending what the outbox holds, one grouped message per target and run.

A burst of twenty alerts as twenty chat pings trains a team to mute the channel, so
alerts are grouped. A message is split only where the service's length limit forces
it, and each part is marked sent only once the service accepted it, so no later try
sends an accepted part again. A part that meets a blip (5xx, 429, a timeout) is tried
again within the run (`retry.py`); what still fails stays pending with its error and a
backoff that never outlasts one cycle (`settings.fetch.interval`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from monitor.config import Config
from monitor.i18n import Translator
from monitor.item import Item
from monitor.tell.deliver import Sender, pack
from monitor.tell.render import ORDER, alert_env, shorten, translator
from monitor.tell.retry import backoff_cap

if TYPE_CHECKING:
    from monitor.store import Store

SUMMARY_CHARS = 280


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


def deliver_due(store: Store, config: Config, sender: Sender, now: datetime | None = None,
                force: bool = False) -> DeliveryReport:
    """Send every due alert, one grouped message per target; record what was accepted.

    `force`: every pending alert, whatever its backoff (`monitor outbox --retry`)."""
    t = translator(config)
    report = DeliveryReport()
    for target, rows in store.due_alerts(now=now, force=force).items():
        url = config.notify.get(target)
        if not url:
            key = "mail.report.disabled" if target in config.notify else "mail.report.unknown"
            report.pending[target] = len(rows)
            report.lines.append(t(key, target=target, n=len(rows)))
            continue
        _deliver_target(store, config, sender, target, url, rows, report, t, now)
    return report


def _deliver_target(store: Store, config: Config, sender: Sender, target: str, url: str,
                    rows: list[tuple[int, Item, str]], report: DeliveryReport, t: Translator,
                    now: datetime | None) -> None:
    first_line = len(report.lines)
    messages = build_messages(rows, url, sender, t, config.settings.web.base_url)
    for position, message in enumerate(messages):
        result = sender.deliver(url, title=message.title, body=message.body, body_format=message.body_format)
        if not result.ok:
            waiting = [i for m in messages[position:] for i in m.ids]
            store.mark_alerts_failed(waiting, result.error or "failed", now=now,
                                     cap=backoff_cap(config.settings.fetch.interval),
                                     asked=_seconds(result.retry_after))
            report.failed[target] = result.error or "failed"
            report.pending[target] = len(waiting)
            report.lines.append(t("mail.report.failed", target=target, n=len(waiting), error=result.error))
            break
        store.mark_alerts_sent(message.ids, now=now)
        report.sent += len(message.ids)
        report.counts[target] = report.counts.get(target, 0) + len(message.ids)
    if report.counts.get(target):
        report.lines.insert(first_line, t("mail.report.sent", target=target, n=report.counts[target]))


def _seconds(value: float | None) -> timedelta | None:
    return timedelta(seconds=value) if value is not None else None


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
    def of(cls, item: Item, reason: str, base_url: str | None) -> AlertEntry:
        archive = f"{base_url.rstrip('/')}/items/{item.id}" if base_url and item.id else None
        tags = [tag for tag in ORDER if tag in item.tags]
        return cls(item.title, item.url, item.source, item.summary or "", list(item.platforms), tags, reason,
                   archive)


def render_alert(entry: AlertEntry, t: Translator, *, markdown: bool, limit: int) -> str:
    """One item's block; shortened (summary first, then title) only when over the service limit."""
    name = "alert.md" if markdown else "alert.txt"
    for chars in (SUMMARY_CHARS, 80, 0):
        block = alert_env().get_template(name).render(e=entry, t=t, summary=shorten(entry.summary, chars)).strip()
        if len(block) <= limit:
            return block
    return shorten(block, limit)
