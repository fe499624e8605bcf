"""Alerts: which items go where, and how a burst becomes one message per target."""

from __future__ import annotations

import re

import pytest

from monitor.config import Config
from monitor.i18n import Translator
from monitor.item import Item
from monitor.tell.alerts import build_messages
from monitor.tell.deliver import Sender
from monitor.tell.rules import route

SOURCES = [
    {"name": "Meta Newsroom", "url": "https://about.fb.com/news/feed/", "category": "platform",
     "platforms": ["instagram", "facebook"]},
    {"name": "Dr. Schwenke", "url": "https://drschwenke.de/feed/", "category": "legal"},
    {"name": "t3n", "url": "https://t3n.de/rss.xml", "category": "industry"},
]


def config(*rules: dict, language: str = "en") -> Config:
    return Config.model_validate({
        "settings": {"language": language, "alerts": list(rules)},
        "notify": {"chat": "json://127.0.0.1:9/hook", "mail": "mailto://127.0.0.1:9?to=b@example.org",
                   "legal-team": "json://127.0.0.1:9/legal"},
        "sources": SOURCES})


def item(title: str, source: str = "t3n", tags: dict | None = None, platforms: list[str] | None = None,
         **kw) -> Item:
    tags = tags or {}
    slug = re.sub(r"\W+", "-", title)
    return Item(source=source, title=title, url=f"https://example.org/{slug}.html",
                tags=list(tags), scores=tags, platforms=platforms or [], **kw)


def routed(items, cfg) -> set[tuple[int, str]]:
    return {(d.index, d.target) for d in route(items, cfg)}


# --------------------------------------------------------------------------- routing

def test_a_tag_rule_routes_only_items_with_that_tag():
    items = [item("Court ruling", tags={"legal_change": 0.9}), item("New button", tags={"feature_rollout": 0.8}),
             item("How to post")]
    assert routed(items, config({"tags": ["legal_change"], "notify": ["chat"]})) == {(0, "chat")}


def test_tags_match_any_of_the_listed():
    items = [item("Ruling", tags={"legal_change": 0.9}), item("Reach", tags={"algorithm_reach_change": 0.7}),
             item("Feature", tags={"feature_rollout": 0.8})]
    cfg = config({"tags": ["legal_change", "algorithm_reach_change"], "notify": ["chat"]})
    assert routed(items, cfg) == {(0, "chat"), (1, "chat")}


def test_min_score_applies_to_the_matched_tag():
    items = [item("Sure", tags={"legal_change": 0.93}), item("Unsure", tags={"legal_change": 0.55}),
             item("Other tag high", tags={"legal_change": 0.5, "feature_rollout": 0.99})]
    cfg = config({"tags": ["legal_change"], "min_score": 0.8, "notify": ["chat"]})
    assert routed(items, cfg) == {(0, "chat")}


def test_a_tag_set_by_a_person_has_no_score_and_counts_as_certain():
    corrected = Item(source="t3n", title="Corrected", url="https://example.org/c", tags=["legal_change"], scores={})
    cfg = config({"tags": ["legal_change"], "min_score": 0.9, "notify": ["chat"]})
    assert routed([corrected], cfg) == {(0, "chat")}


def test_platforms_sources_and_categories_must_all_hold():
    items = [
        item("Insta ruling", source="Dr. Schwenke", tags={"legal_change": 0.9}, platforms=["instagram"]),
        item("TikTok ruling", source="Dr. Schwenke", tags={"legal_change": 0.9}, platforms=["tiktok"]),
        item("Insta ruling in press", source="t3n", tags={"legal_change": 0.9}, platforms=["instagram"]),
    ]
    cfg = config({"tags": ["legal_change"], "platforms": ["instagram"], "categories": ["legal"],
                  "notify": ["legal-team"]})
    assert routed(items, cfg) == {(0, "legal-team")}
    by_source = config({"sources": ["t3n"], "notify": ["chat"]})
    assert routed(items, by_source) == {(2, "chat")}


def test_an_item_without_platforms_falls_back_to_its_source_hint():
    items = [item("Meta news", source="Meta Newsroom"), item("Press news", source="t3n")]
    assert routed(items, config({"platforms": ["instagram"], "notify": ["chat"]})) == {(0, "chat")}


def test_several_rules_queue_an_item_once_per_target_with_the_first_rules_reason():
    items = [item("Ruling", source="Dr. Schwenke", tags={"legal_change": 0.93})]
    cfg = config({"tags": ["legal_change"], "notify": ["chat"]},
                 {"categories": ["legal"], "notify": ["chat", "mail"]})
    deliveries = route(items, cfg)
    assert sorted((d.index, d.target) for d in deliveries) == [(0, "chat"), (0, "mail")]
    reasons = {d.target: d.reason for d in deliveries}
    assert reasons["chat"] == "Legal change 0.93 · Rule 1"
    assert reasons["mail"].endswith("Rule 2")


def test_reasons_are_in_the_configured_language():
    items = [item("Urteil", tags={"legal_change": 0.93})]
    [delivery] = route(items, config({"tags": ["legal_change"], "notify": ["chat"]}, language="de"))
    assert delivery.reason == "Rechtsänderung 0,93 · Regel 1"


def test_no_rules_no_alerts():
    assert route([item("Ruling", tags={"legal_change": 0.99})], config()) == []


# --------------------------------------------------------------------------- grouping and splitting

def burst(n: int, summary: str = "A short summary.") -> list[tuple[int, Item, str]]:
    rows = []
    for i in range(n):
        it = item(f"Ruling number {i}", tags={"legal_change": 0.9}, platforms=["instagram"], summary=summary)
        it.id = 100 + i
        rows.append((i + 1, it, "Legal change 0.90 · Rule 1"))
    return rows


@pytest.mark.parametrize("url", ["json://127.0.0.1:9/hook", "slack://T1234/B1234/abcdefghij/#chan"])
def test_a_burst_becomes_one_message_naming_every_item(url):
    rows = burst(20)
    [message] = build_messages(rows, url, Sender(), Translator("en"), "https://lagebild.example.org")
    assert message.title == "Lagebild: 20 new alerts"
    assert message.ids == [r[0] for r in rows]
    for _, it, _reason in rows:
        assert it.title in message.body and it.url in message.body
        assert f"https://lagebild.example.org/items/{it.id}" in message.body
    assert message.body.count("Why: Legal change 0.90 · Rule 1") == 20
    assert message.body_format == "markdown"


def test_one_alert_is_titled_with_its_tag_and_title():
    [message] = build_messages(burst(1), "json://127.0.0.1:9/hook", Sender(), Translator("de"), None)
    assert message.title == "Rechtsänderung: Ruling number 0"
    assert "Quelle: t3n" in message.body and "/items/" not in message.body


def test_messages_split_only_where_the_service_limit_forces_it():
    rows = burst(30, summary="Long summary " * 15)
    discord = "discord://1234/abcd"
    limit = Sender().max_body(discord)
    messages = build_messages(rows, discord, Sender(), Translator("en"), None)
    assert len(messages) > 1
    assert all(len(m.body) <= limit for m in messages)
    assert sorted(i for m in messages for i in m.ids) == [r[0] for r in rows]      # each exactly once
    for _, it, _ in rows:
        assert sum(it.url in m.body for m in messages) == 1
    # fewest messages: no two neighbours would have fit together
    for a, b in zip(messages, messages[1:]):
        assert len(a.body) + len(b.body) > limit
    assert messages[0].title.endswith(f"(part 1/{len(messages)})")


def test_a_single_oversized_item_is_shortened_not_dropped():
    rows = burst(1, summary="word " * 2000)
    [message] = build_messages(rows, "discord://1234/abcd", Sender(), Translator("en"), None)
    assert len(message.body) <= Sender().max_body("discord://1234/abcd")
    assert rows[0][1].url in message.body


def test_text_only_services_get_plain_text():
    [message] = build_messages(burst(2), "mmost://mattermost.example.org/token", Sender(), Translator("en"), None)
    assert message.body_format == "text"
    assert "**" not in message.body and "](" not in message.body
