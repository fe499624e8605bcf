"""What matters most, in one order: the digest's "Das Wichtigste" block and the archive's.

A manager opening Lagebild in the morning must see first what can oblige them to act,
whatever the platform group or the number of items around it. One ranking, here, so
the mail and the archive never disagree about what that is:

1. a watched page changed (terms, privacy policy, guidelines: the text that binds you),
2. a legal change,
3. a tagged report about one of the team's platforms (`settings.platforms`),
4. a tagged story that many sources report (`WIDELY` or more).

Inside a class: the team's platforms first (in the team's order), then the more widely
reported, then the newest. Untagged items (tips, webinars, job ads) never qualify, however
many blogs repeat them; a changed page always does, tagged or not. When there are more
than `LIMIT`, the best of each class comes first, so a busy legal day does not hide the
story every source carries; they are shown in rank order all the same.

The caller decides what a "story" is (the digest: its entries; the archive: the story
clusters of the last days) and passes each as its lead item and the number of distinct
sources that reported it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from classifiers.labels import LEGAL_TAG, TAGS, platform_label
from monitor.item import Item

if TYPE_CHECKING:
    from monitor.i18n import Translator
    from monitor.store import Store

PAGE = "page_change"          # a watched page changed
LEGAL = LEGAL_TAG
TEAM = "platform"             # a tagged report about one of the team's platforms
WIDE = "widely"               # many sources report the story
REASONS = (PAGE, LEGAL, TEAM, WIDE)
LIMIT = 5                     # a short block: what one reads before the first coffee is finished
WIDELY = 3                    # distinct sources that make a story "widely reported"
WINDOW = timedelta(days=7)    # the archive's block looks this far back
SCAN = 2000                   # at most this many recent items are read for it (newest first)


@dataclass(frozen=True)
class Pick:
    """One story for the block: its lead item, why it is there, how many sources reported it."""
    item: Item
    reason: str
    sources: int
    platform: str | None = None      # the team platform it concerns (reason TEAM), else the first named


def label(found: Pick, t: Translator) -> str:
    """Why a story is among the important, in the reader's words: "Seite geändert",
    "Rechtsänderung", "Ihre Plattform: LinkedIn", "5 Quellen berichten"."""
    if found.reason == TEAM and found.platform:
        return t("mail.why.platform", platform=platform_label(found.platform))
    if found.reason == WIDE:
        return t.plural("mail.why.widely", found.sources)
    return t(f"mail.why.{found.reason}")


def is_page_change(item: Item) -> bool:
    return item.kind == "change"


def reason_of(item: Item, sources: int, team: Sequence[str]) -> str | None:
    """The class an item's story belongs to, or None when it is not among the important."""
    if is_page_change(item):
        return PAGE
    if LEGAL in item.tags:
        return LEGAL
    if not any(tag in TAGS for tag in item.tags):
        return None                     # a tip or a webinar many blogs repeat is not news
    if set(item.platforms) & set(team):
        return TEAM
    if sources >= WIDELY:
        return WIDE
    return None


def pick(stories: Iterable[tuple[Item, int]], team: Sequence[str], limit: int | None = LIMIT) -> list[Pick]:
    """The important stories, most important first; `limit` None keeps every one that qualifies."""
    ranked: list[tuple[tuple, Pick]] = []
    for item, sources in stories:
        reason = reason_of(item, sources, team)
        if reason is None:
            continue
        own = [p for p in team if p in item.platforms]
        found = Pick(item, reason, sources, own[0] if own else (item.platforms[0] if item.platforms else None))
        ranked.append((_rank(found, team), found))
    ranked.sort(key=lambda pair: pair[0])
    picks = [p for _, p in ranked]
    if limit is None or len(picks) <= limit:
        return picks
    # The best of each class first, so a busy legal day does not hide the story every source
    # carries; the rest of the room by rank. Shown in rank order all the same.
    firsts: dict[str, Pick] = {}
    for p in picks:
        firsts.setdefault(p.reason, p)
    chosen = {id(p) for p in firsts.values()}
    for p in picks:
        if len(chosen) >= limit:
            break
        chosen.add(id(p))
    return [p for p in picks if id(p) in chosen][:limit]


def _rank(found: Pick, team: Sequence[str]) -> tuple:
    own = [team.index(p) for p in found.item.platforms if p in team]
    when = found.item.published or found.item.fetched
    return (REASONS.index(found.reason), min(own) if own else len(team), -found.sources,
            -(when.timestamp() if when else 0.0), found.item.id or 0)


def stories_of(items: Iterable[Item]) -> list[tuple[Item, int]]:
    """(lead, distinct sources) per story cluster of `items`; the lead is the report that ranks
    highest on its own (a page change or a legal report before a tip about the same thing),
    among equals the first given."""
    groups: dict[object, list[Item]] = {}
    for item in items:
        groups.setdefault(item.cluster if item.cluster is not None else ("item", item.id, id(item)), []).append(item)
    out = []
    for story in groups.values():
        sources = len({it.source for it in story})
        lead = min(story, key=lambda it: _own_class(it))
        out.append((lead, sources))
    return out


def _own_class(item: Item) -> int:
    if is_page_change(item):
        return 0
    if LEGAL in item.tags:
        return 1
    return 2 if item.tags else 3


def recent(store: Store, now: datetime, team: Sequence[str], limit: int = LIMIT,
           window: timedelta = WINDOW, team_id: int | None = None, language: str | None = None) -> list[Pick]:
    """The archive's block: the important stories among the (team's, with `team_id`) items of the last
    `window`, each led by a report of its class in the reader's `language` where it has one."""
    from monitor.store import ItemQuery

    query = ItemQuery(since=now - window, limit=SCAN, team_id=team_id)
    rows = store.story_rows(query)
    # Only a page change or a tagged report can lead an important story (`reason_of`): read
    # those whole, and the rest as (id, story, source) to count each story's sources.
    tagged = set(store.query_ids(replace(query, tagged_only=True)))
    leads = {it.id: it for it in store.items_by_ids([iid for iid, _, _, kind in rows
                                                      if iid in tagged or kind == "change"], team_id)}
    groups: dict[int, tuple[list[Item], set[int]]] = {}
    for iid, cluster, source_id, _ in rows:
        members, sources = groups.setdefault(iid if cluster is None else cluster, ([], set()))
        sources.add(source_id)
        if iid in leads:
            members.append(leads[iid])
    def rank(item: Item) -> tuple[int, bool]:
        return _own_class(item), bool(language and item.lang and item.lang != language)
    stories = [(min(members, key=rank), len(sources)) for members, sources in groups.values() if members]
    return pick(stories, team, limit)
