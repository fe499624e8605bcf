"""Alerts: which items go where, what an alert calls its rule, and how a burst becomes a few short messages."""

from __future__ import annotations

import re

import pytest

from monitor.config import Config, ConfigError
from monitor.i18n import Translator
from monitor.item import Item
from monitor.tell.alerts import MOST_PER_MESSAGE, AlertEntry, build_messages
from monitor.tell.deliver import Sender
from monitor.tell.rules import reason_now, route, rule_label

SOURCES = [
    {"name": "Meta Newsroom", "url": "https://about.fb.com/news/feed/", "category": "platform",
     "platforms": ["instagram", "facebook"]},
    {"name": "Dr. Schwenke", "url": "https://drschwenke.de/feed/", "category": "legal"},
    {"name": "t3n", "url": "https://t3n.de/rss.xml", "category": "industry"},
]
# What a manager must never read as the reason of an alert: a rule number or a model score.
MEANINGLESS = re.compile(r"\bRegel\b|\bRule\b|\d[.,]\d")


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


def test_several_rules_queue_an_item_once_per_target_named_after_the_first_rule():
    items = [item("Ruling", source="Dr. Schwenke", tags={"legal_change": 0.93})]
    cfg = config({"name": "Court watch", "tags": ["legal_change"], "notify": ["chat"]},
                 {"categories": ["legal"], "notify": ["chat", "mail"]})
    deliveries = route(items, cfg)
    assert sorted((d.index, d.target) for d in deliveries) == [(0, "chat"), (0, "mail")]
    reasons = {d.target: d.reason for d in deliveries}
    assert reasons == {"chat": "Court watch", "mail": "Legal & privacy"}


def test_no_rules_no_alerts():
    assert route([item("Ruling", tags={"legal_change": 0.99})], config()) == []


# --------------------------------------------------------------------------- what an alert calls its rule

@pytest.mark.parametrize("rule, de, en", [
    ({"tags": ["legal_change"]}, "Rechtsänderungen", "Legal changes"),
    ({"tags": ["feature_rollout", "legal_change"], "min_score": 0.85}, "Rechtsänderungen, Neue Funktionen",
     "Legal changes, New features"),
    ({"tags": ["legal_change"], "platforms": ["instagram", "tiktok"]}, "Rechtsänderungen · Instagram, TikTok",
     "Legal changes · Instagram, TikTok"),
    ({"min_score": 0.9}, "Erkannte Themen", "Tagged items"),
    ({"categories": ["legal"]}, "Recht & Datenschutz", "Legal & privacy"),
    ({"sources": ["t3n", "Dr. Schwenke"]}, "Meldungen von t3n, Dr. Schwenke", "Items from t3n, Dr. Schwenke"),
    ({}, "Alle Meldungen", "All items"),
])
def test_an_unnamed_rule_is_described_by_its_conditions_never_by_number_or_score(rule, de, en):
    cfg = config({**rule, "notify": ["chat"]})
    [parsed] = cfg.settings.alerts
    assert (rule_label(parsed, Translator("de")), rule_label(parsed, Translator("en"))) == (de, en)
    assert not MEANINGLESS.search(de + en)


def test_a_named_rule_is_called_by_its_name_in_every_language():
    items = [item("Urteil", tags={"legal_change": 0.93})]
    for language in ("de", "en"):
        cfg = config({"name": "Rechtliches  fürs\nTeam", "tags": ["legal_change"], "notify": ["chat"]},
                     language=language)
        assert [d.reason for d in route(items, cfg)] == ["Rechtliches fürs Team"]     # one line, spaces kept single


@pytest.mark.parametrize("name", ["", "   "])
def test_an_empty_rule_name_is_a_config_error_in_plain_words(tmp_path, name):
    from monitor.config import load_config
    path = tmp_path / "feeds.yaml"
    path.write_text("settings:\n  alerts:\n    - name: '" + name + "'\n      tags: [legal_change]\n"
                    "      notify: [chat]\nnotify:\n  chat: json://127.0.0.1:9/x\nsources: []\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert "feeds.yaml:3" in str(err.value) and "rule name is empty" in str(err.value)


def test_the_name_shown_is_the_rules_name_when_the_alert_goes_out():
    """Queued as 'Legal changes', renamed before the run that sends it: the team reads the new name."""
    ruling = item("Ruling", tags={"legal_change": 0.9})
    [queued] = route([ruling], config({"tags": ["legal_change"], "notify": ["chat"]}))
    renamed = config({"name": "Court watch", "tags": ["legal_change"], "notify": ["chat"]})
    assert reason_now(ruling, "chat", queued.reason, renamed, Translator("en")) == "Court watch"
    elsewhere = config({"name": "Court watch", "tags": ["legal_change"], "notify": ["mail"]})
    assert reason_now(ruling, "chat", queued.reason, elsewhere, Translator("en")) == "Legal changes"


# --------------------------------------------------------------------------- grouping and splitting

BASE = "https://lagebild.example.org"


def burst(n: int, summary: str = "A short summary.", base: str | None = BASE) -> list[AlertEntry]:
    entries = []
    for i in range(n):
        it = item(f"Ruling number {i:02d}", tags={"legal_change": 0.9}, platforms=["instagram"], summary=summary)
        it.id = 100 + i
        entries.append(AlertEntry.of(it, "Court watch", base, ids=[i + 1]))
    return entries


def shown(entry: AlertEntry, messages) -> int:
    return sum(entry.title in m.body for m in messages)


@pytest.mark.parametrize("url", ["json://127.0.0.1:9/hook", "slack://T1234/B1234/abcdefghij/#chan"])
def test_a_burst_becomes_a_few_messages_of_about_ten_items(url):
    entries = burst(42)
    messages = build_messages(entries, url, Sender(), Translator("en"))
    assert len(messages) == 5, "42 items: five messages of eight or nine, not one of 42"
    assert [len(m.ids) for m in messages] == [9, 9, 8, 8, 8]
    assert [m.title for m in messages] == [f"Lagebild: 42 new alerts (part {i}/5)" for i in range(1, 6)]
    assert [i for m in messages for i in m.ids] == [e.ids[0] for e in entries]       # each once, in order
    for entry in entries:
        assert shown(entry, messages) == 1
    for message in messages:
        assert message.body.count("Alert: Court watch") == len(message.ids)
        assert message.body_format == "markdown"


def test_ten_items_or_fewer_stay_one_message():
    [message] = build_messages(burst(MOST_PER_MESSAGE), "json://127.0.0.1:9/hook", Sender(), Translator("de"))
    assert message.title == "Lagebild: 10 neue Alarme"


def test_each_item_links_the_archive_when_it_has_an_address_else_the_source():
    with_archive = build_messages(burst(3), "json://127.0.0.1:9/hook", Sender(), Translator("en"))[0].body
    without = build_messages(burst(3, base=None), "json://127.0.0.1:9/hook", Sender(), Translator("en"))[0].body
    for n in range(3):
        assert f"[Ruling number {n:02d}]({BASE}/items/{100 + n})" in with_archive
        assert f"[Ruling number {n:02d}](https://example.org/Ruling-number-{n:02d}.html)" in without
    assert "/items/" not in without


def test_one_alert_is_titled_with_its_tag_and_title():
    [message] = build_messages(burst(1, base=None), "json://127.0.0.1:9/hook", Sender(), Translator("de"))
    assert message.title == "Rechtsänderung: Ruling number 00"
    assert "Quelle: t3n" in message.body and "Alarm: Court watch" in message.body


def test_messages_split_where_the_service_limit_forces_it_before_ten_items():
    entries = burst(30, summary="Long summary " * 15)
    discord = "discord://1234/abcd"
    limit = Sender().max_body(discord)
    messages = build_messages(entries, discord, Sender(), Translator("en"))
    assert len(messages) > 3, "Discord's 2,000 characters hold fewer than ten such items"
    assert all(len(m.body) <= limit and len(m.ids) <= MOST_PER_MESSAGE for m in messages)
    assert sorted(i for m in messages for i in m.ids) == [e.ids[0] for e in entries]      # each exactly once
    for entry in entries:
        assert shown(entry, messages) == 1
    for a, b in zip(messages, messages[1:]):           # a part ends only where the next item would not fit
        assert len(a.body) + len(b.body.split("\n\n---\n\n")[0]) + 7 > limit
    assert messages[0].title.endswith(f"(part 1/{len(messages)})")


def test_a_single_oversized_item_is_shortened_not_dropped():
    entries = burst(1, summary="word " * 2000)
    [message] = build_messages(entries, "discord://1234/abcd", Sender(), Translator("en"))
    assert len(message.body) <= Sender().max_body("discord://1234/abcd")
    assert f"{BASE}/items/100" in message.body


def test_text_only_services_get_plain_text_with_one_link_per_item():
    [message] = build_messages(burst(2), "mmost://mattermost.example.org/token", Sender(), Translator("en"))
    assert message.body_format == "text"
    assert "**" not in message.body and "](" not in message.body
    assert message.body.count("https://") == 2 and f"{BASE}/items/101" in message.body


def test_an_item_dated_long_before_the_run_is_not_alerted():
    """A new source's first fetch brings its archive: years-old entries are no instant news."""
    from datetime import UTC, datetime, timedelta

    from monitor.tell.rules import ALERT_AGE
    now = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    cfg = config({"tags": ["legal_change"], "notify": ["chat"]})
    items = [item("Facebook bans crypto ads", tags={"legal_change": 0.9}, published=now - timedelta(days=2900)),
             item("Court ruling today", tags={"legal_change": 0.9}, published=now - timedelta(hours=2)),
             item("Ruling of last week", tags={"legal_change": 0.9}, published=now - ALERT_AGE - timedelta(hours=1)),
             item("Undated ruling", tags={"legal_change": 0.9})]
    assert {d.index for d in route(items, cfg, now=now)} == {1, 3}
    assert {d.index for d in route(items, cfg)} == {0, 1, 2, 3}, "without a run's time, age is not asked"


def test_a_run_alerts_what_is_new_and_not_the_archive_of_a_new_source(sqlite_store):
    from datetime import timedelta

    from classifiers import Tagger
    from monitor.clock import utcnow
    from monitor.pipeline import _store_new
    now = utcnow()
    cfg = config({"tags": ["legal_change"], "notify": ["chat"]})
    sqlite_store.sync_sources(list(cfg.sources))
    title = "BGH-Urteil: Impressumspflicht gilt ab sofort auch für Instagram-Profile von Unternehmen"
    fresh = [item(title, source="Dr. Schwenke", published=now - timedelta(hours=1), lang="de"),
             item(title + " (2019)", source="Dr. Schwenke", published=now - timedelta(days=2000), lang="de")]
    added = _store_new(cfg, sqlite_store, Tagger.load, fresh, now, None)
    assert all("legal_change" in it.tags for it in added)
    due = sqlite_store.due_alerts(now=now + timedelta(minutes=1))
    assert [it.title for _, it, _ in due["chat"]] == [title]
