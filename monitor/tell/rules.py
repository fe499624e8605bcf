"""Alert rules: which items go where, and what an alert calls the rule. Pure functions of items and feeds.yaml.

Being pure lets the pipeline queue the alerts in the same transaction that stores
the items (see the outbox), so an item is never stored without its alerts.

An alert names the rule that fired the way a manager reads it: the rule's `name:`
from feeds.yaml, else a description of its conditions ("Rechtsänderungen · Instagram").
Never a rule number or a model score: "Rechtsänderung 0,9 · Regel 1" meant nothing to
the people the alerts are for.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from monitor.config import AlertRule, Config
from monitor.i18n import Translator
from monitor.item import Item
from monitor.store import NewDelivery
from monitor.tell.render import ORDER, platform_label, translator

NAMED_SOURCES = 3       # sources named in a rule's description before "…"
ALERT_AGE = timedelta(days=3)   # an item dated longer ago than this when it is found is no instant news


def route(items: list[Item], config: Config, team_id: int | None = None,
          sources: Collection[str] | None = None, now: datetime | None = None) -> list[NewDelivery]:
    """The alerts `settings.alerts` asks for: once per item and target, named after the first rule that fires.

    For a team (`team_id`, its `config`): only items of `sources` (the names of the sources it
    subscribes to) are routed, and the alerts are the team's. With `now` (the run's time), an
    item published more than `ALERT_AGE` before it is not alerted: a new source's first fetch
    brings years of entries (a 2018 ad ban arrived in the chat as a legal change); the digest's
    first-issue summary and the archive have them."""
    t = translator(config)
    edge = now - ALERT_AGE if now is not None else None
    deliveries: list[NewDelivery] = []
    for index, item in enumerate(items):
        if sources is not None and item.source not in sources:
            continue
        if edge is not None and item.published is not None and item.published < edge:
            continue
        reasons: dict[str, str] = {}
        for rule in config.settings.alerts:
            if not matches(rule, item, config):
                continue
            for target in rule.notify:
                reasons.setdefault(target, rule_label(rule, t))
        deliveries += [NewDelivery(index, target, reason, team_id) for target, reason in reasons.items()]
    return deliveries


def reason_now(item: Item, target: str, stored: str, config: Config, t: Translator) -> str:
    """What an alert says fired it, from the rules as they are when it goes out.

    A rule renamed, or the language switched, between queueing and sending shows the
    current words; the text stored when the alert was queued is the fallback when no
    rule for `target` matches any more."""
    for rule in config.settings.alerts:
        if target in rule.notify and matches(rule, item, config):
            return rule_label(rule, t)
    return stored


def matches(rule: AlertRule, item: Item, config: Config) -> bool:
    """Whether `rule` fires for `item`: every condition given must hold."""
    source = config.source(item.source)
    if rule.tags or rule.min_score > 0:
        wanted: Sequence[str] = rule.tags or list(item.tags)
        if not any(tag in item.tags and score_of(item, tag) >= rule.min_score for tag in wanted):
            return False
    if rule.platforms:
        platforms = item.platforms or (source.platforms if source else [])
        if not set(rule.platforms) & set(platforms):
            return False
    if rule.sources and item.source not in rule.sources:
        return False
    return not rule.categories or (source is not None and source.category in rule.categories)


def rule_label(rule: AlertRule, t: Translator) -> str:
    """The rule's name, else its conditions in words: 'Rechtsänderungen · Instagram', 'Alle Meldungen'."""
    if rule.name:
        return rule.name
    parts: list[str] = []
    if rule.tags:
        parts.append(", ".join(t(f"common.tag.{tag}.plural") for tag in ORDER if tag in rule.tags))
    elif rule.min_score > 0:
        parts.append(t("mail.rule.tagged"))
    if rule.platforms:
        parts.append(", ".join(platform_label(p) for p in rule.platforms))
    if rule.categories:
        parts.append(", ".join(t(f"common.category.{c}") for c in rule.categories))
    if rule.sources:
        names = ", ".join(rule.sources[:NAMED_SOURCES]) + (" …" if len(rule.sources) > NAMED_SOURCES else "")
        parts.append(t("mail.rule.sources", names=names))
    return " · ".join(parts) or t("mail.rule.all")


def score_of(item: Item, tag: str) -> float:
    """A tag set by a person has no model score; it counts as certain."""
    score = item.scores.get(tag)
    return 1.0 if score is None else float(score)
