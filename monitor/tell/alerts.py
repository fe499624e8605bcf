"""Instant alerts: sending what the outbox holds, as a few short messages per target and run.

A burst of twenty alerts as twenty chat pings trains a team to mute the channel, so
alerts are grouped; one message of forty items (the first run once sent 17,571
characters) is not read either, so a message holds about ten items at most, fewer when
the service's length limit (apprise's `body_maxlen`) forces it. Each part is marked sent
only once the service accepted it, so no later try sends an accepted part again. A part
that meets a blip (5xx, 429, a timeout) is tried again within the run (`retry.py`); what
still fails stays pending with its error and a backoff that never outlasts one cycle
(`settings.fetch.interval`).

Reports of one story (the store's story clusters) are one entry naming the other
sources ("auch bei: …"), and a story already alerted to a target is not alerted there
again when a later report of it arrives: the team has heard of it. A watched page's
change is always news of its own. Each entry names the rule that fired (`rules.py`)
and links the archive's page of the item, where a page change shows its diff.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from monitor.config import Config
from monitor.i18n import Translator
from monitor.item import Item
from monitor.tell.deliver import Sender
from monitor.tell.render import ORDER, alert_env, shorten, translator
from monitor.tell.retry import backoff_cap
from monitor.tell.rules import reason_now

if TYPE_CHECKING:
    from monitor.store import Store

SUMMARY_CHARS = 280
MOST_PER_MESSAGE = 10     # items a chat message holds at most: beyond that nobody reads to the end
ALSO_NAMED = 5            # other sources named after "auch bei:"

Row = tuple[int, Item, str]     # delivery id, item, reason stored when it was queued


@dataclass
class Message:
    title: str
    body: str
    body_format: str
    ids: list[int]
    stories: int = 0             # entries: a story with several reports is one alert (and several ids)


@dataclass
class DeliveryReport:
    sent: int = 0                                             # items whose alert was accepted
    failed: dict[str, str] = field(default_factory=dict)      # target -> error
    counts: dict[str, int] = field(default_factory=dict)      # target -> items sent
    alerts: dict[str, int] = field(default_factory=dict)      # target -> alerts (stories) they were sent as
    pending: dict[str, int] = field(default_factory=dict)     # target -> items still waiting
    repeated: dict[str, int] = field(default_factory=dict)    # target -> reports of stories it already had
    lines: list[str] = field(default_factory=list)            # for the run summary

    @property
    def ok(self) -> bool:
        return not self.failed


def deliver_due(store: Store, config: Config, sender: Sender, now: datetime | None = None,
                force: bool = False, team_id: int | None = None) -> DeliveryReport:
    """Send every due alert, a few grouped messages per target; record what was accepted.

    `force`: every pending alert, whatever its backoff (`monitor outbox --retry`).
    `team_id`: that team's alerts alone, to the targets of its `config` (teams/<slug>.yaml)."""
    t = translator(config)
    report = DeliveryReport()
    for target, rows in store.due_alerts(now=now, force=force, team_id=team_id).items():
        url = config.notify.get(target)
        if not url:
            key = "mail.report.disabled" if target in config.notify else "mail.report.unknown"
            report.pending[target] = len(rows)
            report.lines.append(t(key, target=target, n=len(rows)))
            continue
        _deliver_target(store, config, sender, target, url, rows, report, t, now, team_id)
    return report


def _deliver_target(store: Store, config: Config, sender: Sender, target: str, url: str,
                    rows: list[Row], report: DeliveryReport, t: Translator, now: datetime | None,
                    team_id: int | None = None) -> None:
    first_line = len(report.lines)
    folded = fold(rows, target, config, t, store, team_id)
    if folded.repeated:
        store.mark_alerts_sent(folded.repeated, now=now)     # nothing to send: the target had the story
        report.repeated[target] = len(folded.repeated)
        report.lines.append(t.plural("mail.report.folded", len(folded.repeated), target=target))
    messages = build_messages(folded.entries, url, sender, t)
    for position, message in enumerate(messages):
        result = sender.deliver(url, title=message.title, body=message.body, body_format=message.body_format)
        if not result.ok:
            waiting = [i for m in messages[position:] for i in m.ids]
            store.mark_alerts_failed(waiting, result.error or "failed", now=now,
                                     cap=backoff_cap(config.settings.fetch.interval),
                                     asked=_seconds(result.retry_after))
            report.failed[target] = result.error or "failed"
            report.pending[target] = len(waiting)
            report.lines.append(t.plural("mail.report.failed", len(waiting), target=target, error=result.error))
            break
        store.mark_alerts_sent(message.ids, now=now)
        report.sent += len(message.ids)
        report.counts[target] = report.counts.get(target, 0) + len(message.ids)
        report.alerts[target] = report.alerts.get(target, 0) + message.stories
    sent, alerts = report.counts.get(target, 0), report.alerts.get(target, 0)
    if sent:          # the messages say "36 neue Alarme": 48 items sent as 36 alerts, not "48 gesendet"
        report.lines.insert(first_line, t("mail.report.sent", target=target, n=sent) if alerts in (0, sent)
                            else t("mail.report.sent_as", target=target, n=sent, alerts=alerts))


def _seconds(value: float | None) -> timedelta | None:
    return timedelta(seconds=value) if value is not None else None


# --------------------------------------------------------------------------- what each entry shows

@dataclass
class AlertEntry:
    """One story in an alert: its lead report, why it was flagged, where else it was reported."""
    title: str
    url: str
    source: str
    summary: str
    platforms: list[str]
    tags: list[str]
    reason: str                                             # the rule's name, or its conditions in words
    archive_url: str | None                                 # the item page (a page change: its diff)
    page_change: bool = False
    also_at: list[str] = field(default_factory=list)        # other sources of the story, each once
    ids: list[int] = field(default_factory=list)            # the delivery ids this entry answers
    also_urls: dict[str, str] = field(default_factory=dict)  # source -> its report, for reports delivered here

    @classmethod
    def of(cls, item: Item, reason: str, base_url: str | None, ids: list[int] | None = None,
           also_at: list[str] | None = None, tags: list[str] | None = None) -> AlertEntry:
        archive = f"{base_url.rstrip('/')}/items/{item.id}" if base_url and item.id is not None else None
        wanted = item.tags if tags is None else tags
        return cls(item.title, item.url, item.source, item.summary or "", list(item.platforms),
                   [tag for tag in ORDER if tag in wanted], reason, archive, item.kind == "change",
                   list(also_at or []), list(ids or []))

    @property
    def link(self) -> str:
        """Where the title leads: the archive when it has an address (web.base_url), else the source."""
        return self.archive_url or self.url

    @property
    def also_names(self) -> str:
        names = ", ".join(self.also_at[:ALSO_NAMED])
        return names + (" …" if len(self.also_at) > ALSO_NAMED else "")

    @property
    def also_shown(self) -> list[tuple[str, str | None]]:
        """The other sources named after "auch bei", each with the address of its report when that
        report is answered by this entry (it matched the rule too), so every alerted report stays
        findable from the message; reports that never matched the rule are named without a link.
        Every report this entry answers is linked, beyond the first few names if need be."""
        shown = self.also_at[:ALSO_NAMED]
        shown += [name for name in self.also_at[ALSO_NAMED:] if name in self.also_urls]
        return [(name, self.also_urls.get(name)) for name in shown]

    @property
    def also_more(self) -> bool:
        return len(self.also_shown) < len(self.also_at)


@dataclass
class Folded:
    entries: list[AlertEntry]
    repeated: list[int]          # delivery ids of reports of stories the target already had


def fold(rows: list[Row], target: str, config: Config, t: Translator, store: Store | None = None,
         team_id: int | None = None) -> Folded:
    """The pending alerts of one target as one entry per story, the most important first.

    With a store, a story that already reached `target` is left out (its delivery ids
    come back as `repeated`), and "auch bei" names every other source of the story,
    also those that were never alerted."""
    base = config.settings.web.base_url
    stories: dict[object, list[Row]] = {}
    for row in rows:
        item = row[1]
        news_of_its_own = item.cluster is None or item.kind == "change"
        stories.setdefault(("delivery", row[0]) if news_of_its_own else item.cluster, []).append(row)
    clusters = [key for key in stories if isinstance(key, int)]
    had = store.alerted_stories(target, clusters, team_id) if store and clusters else set()
    reports = store.story_reports([c for c in clusters if c not in had], team_id) if store and clusters else {}
    entries: list[AlertEntry] = []
    repeated: list[int] = []
    for key, story in stories.items():
        if key in had:
            repeated += [did for did, _, _ in story]
            continue
        story = sorted(story, key=lambda row: _lead_rank(row[1], config))
        lead = story[0][1]
        reasons = dict.fromkeys(reason_now(item, target, stored, config, t) for _, item, stored in story)
        members = [r.source for r in sorted(reports.get(key, []), key=lambda r: r.when)] if isinstance(key, int) else []
        members += [item.source for _, item, _ in story]
        also = [name for name in dict.fromkeys(members) if name != lead.source]
        # another alerted report of the lead's own source is named (and linked) too, or nothing in
        # the message would lead to it although it counts as sent
        own = next((item for _, item, _ in story[1:] if item.source == lead.source and item.url
                    and item.url != lead.url), None)
        if own is not None:
            also.append(lead.source)
        tags = [tag for _, item, _ in story for tag in item.tags]
        entry = AlertEntry.of(lead, ", ".join(reasons), base, [did for did, _, _ in story], also, tags)
        entry.also_urls = {item.source: item.url for _, item, _ in story[1:] if item.url and item.source != lead.source}
        if own is not None:
            entry.also_urls[lead.source] = own.url
        entries.append(entry)
    entries.sort(key=_importance)
    return Folded(entries, repeated)


def _lead_rank(item: Item, config: Config) -> tuple[bool, datetime, int]:
    """The platform's own announcement leads a story, else the earliest report."""
    source = config.source(item.source)
    when = item.published or item.fetched or datetime.max.replace(tzinfo=None)
    return (not (source and source.category == "platform"), when.replace(tzinfo=None), item.id or 0)


def _importance(entry: AlertEntry) -> tuple[bool, int]:
    """Page changes first, then legal changes, reach, features, the rest; otherwise in the order they came."""
    return (not entry.page_change, ORDER.index(entry.tags[0]) if entry.tags else len(ORDER))


# --------------------------------------------------------------------------- messages

def build_messages(entries: list[AlertEntry], url: str, sender: Sender, t: Translator) -> list[Message]:
    """As few messages as hold every entry with at most about ten per message and within the service's limit."""
    markdown = sender.takes_markdown(url)
    fmt = "markdown" if markdown else "text"
    limit = sender.max_body(url)
    blocks = [render_alert(e, t, markdown=markdown, limit=limit) for e in entries]
    groups = split(blocks, limit, SEPARATOR[fmt])
    messages = []
    for number, group in enumerate(groups, 1):
        title = alert_title([entries[i] for i in group], len(entries), t)
        if len(groups) > 1:
            title += f" ({t('mail.alert.part', i=number, n=len(groups))})"
        body = SEPARATOR[fmt].join(blocks[i] for i in group)
        messages.append(Message(title, body, fmt, [did for i in group for did in entries[i].ids], len(group)))
    return messages


SEPARATOR = {"markdown": "\n\n---\n\n", "text": "\n\n----\n\n"}


def split(blocks: list[str], limit: int, sep: str, most: int = MOST_PER_MESSAGE) -> list[list[int]]:
    """Block indexes in order, in even parts of at most `most` blocks and `limit` characters.

    Even, not greedy: 42 items are 9+9+8+8+8, not 10+10+10+10+2. A block never splits; one
    longer than the limit gets a message of its own (`render_alert` has shortened it)."""
    groups: list[list[int]] = []
    size = room = 0
    for index, block in enumerate(blocks):
        if groups and len(groups[-1]) < room and size + len(sep) + len(block) <= limit:
            groups[-1].append(index)
            size += len(sep) + len(block)
        else:
            left = len(blocks) - index
            room = -(-left // -(-left // most))    # the rest in even parts of at most `most`
            groups.append([index])
            size = len(block)
    return groups


def alert_title(entries: list[AlertEntry], total: int, t: Translator) -> str:
    if total == 1 and len(entries) == 1:
        entry = entries[0]
        label = (t("mail.alert.page_change") if entry.page_change else
                 t(f"common.tag.{entry.tags[0]}") if entry.tags else t("mail.brand"))
        return shorten(f"{label}: {entry.title}", 200)
    return t("mail.alert.title.other", n=t.number(total))


def render_alert(entry: AlertEntry, t: Translator, *, markdown: bool, limit: int) -> str:
    """One story's block; shortened (summary first, then title) only when over the service limit."""
    name = "alert.md" if markdown else "alert.txt"
    for chars in (SUMMARY_CHARS, 80, 0):
        block = alert_env().get_template(name).render(e=entry, t=t, summary=shorten(entry.summary, chars)).strip()
        if len(block) <= limit:
            return block
    return shorten(block, limit)
