"""Alert rules: which items go where. A pure function of the items and feeds.yaml.

Being pure lets the pipeline queue the alerts in the same transaction that stores
the items (see the outbox), so an item is never stored without its alerts.
"""

from __future__ import annotations

from collections.abc import Sequence

from monitor.config import AlertRule, Config
from monitor.i18n import Translator
from monitor.item import Item
from monitor.store import NewDelivery
from monitor.tell.render import translator


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
        wanted: Sequence[str] = rule.tags or list(item.tags)
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
