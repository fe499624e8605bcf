"""What goes into a digest, and in which order: the content, before any HTML or text.

The order answers "what must I act on first": legal changes, then reach and algorithm
changes, then new features, then everything else in compact form, then what is rising
and which sources need attention. Within a part, items are grouped by platform with
the team's own platforms first (`settings.platforms`). An item with several tags is
shown once, in the first part that fits, with its other tags as badges.

Length: each part shows at most `settings.digest.max_per_section` items in full; the
rest move to a compact "More items" list at the end. Nothing is dropped, because a
digest that silently omits a legal change is worse than a long one, and the contract
(`--output`, json:// targets) requires every item title to be present. Items about
other platforms are left out only when the team asked for it (`hide_other_platforms`),
and the digest says how many.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from monitor.config import PLATFORMS, Config, Settings
from monitor.i18n import Translator
from monitor.item import Item
from monitor.tell.render import ORDER, platform_label, shorten
from monitor.trends import rising
from monitor.watch.errors import health_words

if TYPE_CHECKING:
    from monitor.store import Store

OTHER = "other"
SECTIONS = (*ORDER, OTHER)
SUMMARY_CHARS = 240
OUTAGE_NAMES = 5          # sources named under "no source reachable"
ALSO_NAMED = 5           # other sources named after "also reported by"
COLORS = {   # accent, background: the same colour for a tag wherever it appears
    "legal_change": ("#B42318", "#FEF3F2"),
    "algorithm_reach_change": ("#6941C6", "#F4F3FF"),
    "feature_rollout": ("#067647", "#ECFDF3"),
    OTHER: ("#475467", "#F2F4F7"),
}


@dataclass
class Entry:
    """One story: the first pending item reporting it, plus the others of the same cluster."""
    item: Item
    archive_url: str | None
    summary: str
    platforms: list[str]
    badges: list[str]                                        # tags other than the section's
    related: list[Item] = field(default_factory=list)      # other pending items, same story
    also: int = 0                                           # other sources, whole cluster
    also_at: list[str] = field(default_factory=list)        # their names, each once

    @property
    def also_names(self) -> str:
        """'heise online, t3n' ("auch bei: …"): the first few other sources, each named once."""
        names = ", ".join(self.also_at[:ALSO_NAMED])
        return names + (" …" if len(self.also_at) > ALSO_NAMED else "")

    @property
    def items(self) -> list[Item]:
        return [self.item, *self.related]


@dataclass
class Group:
    label: str
    entries: list[Entry]


@dataclass
class Section:
    key: str
    title: str
    groups: list[Group]
    total: int                                   # stories in this part, shown or cut
    cut: list[Entry]                             # moved to "More items" for space
    more_url: str | None
    compact: bool

    @property
    def accent(self) -> str:
        return COLORS[self.key][0]


@dataclass
class Digest:
    language: str
    subject: str
    date: str
    headline: str
    intro: str
    sections: list[Section]
    trends: list[dict]
    failing: list[dict]
    hidden: int
    item_ids: list[int]
    archive_url: str | None
    target: str | None
    notes: list[str] = field(default_factory=list)          # problems worth a log line

    @property
    def empty(self) -> bool:
        return not self.sections

    @property
    def more(self) -> list[tuple[Section, Entry]]:
        return [(s, e) for s in self.sections for e in s.cut]

    @property
    def titles(self) -> list[str]:
        """Every item title in this digest (hidden ones excepted), for checks and tests."""
        return [it.title for s in self.sections for g in s.groups for e in g.entries for it in e.items] + \
               [it.title for s in self.sections for e in s.cut for it in e.items]


def build_digest(store: Store, config: Config, items: list[Item], *, now: datetime, base_url: str | None,
                 t: Translator, target: str | None = None) -> Digest:
    settings = config.settings
    base = base_url.rstrip("/") if base_url else None
    shown, hidden = split_hidden(items, settings.platforms or [], settings.hide_other_platforms)
    parts: dict[str, list[Item]] = {key: [] for key in SECTIONS}
    for item in shown:
        parts[section_of(item)].append(item)
    builder = _SectionBuilder(store, config, t, base)
    sections = [builder.build(key, found) for key, found in parts.items() if found]
    counts = [(s.key, s.total) for s in sections]
    headline = headline_of(counts, t)
    digest = Digest(language=t.language, subject=f"{t('mail.brand')} {t.short_date(now)}: {headline}",
                    date=t.date(now, "full"), headline=headline, intro=t.plural("mail.intro.items", len(items)),
                    sections=sections, trends=[], failing=failing_sources(store, t, base), hidden=len(hidden),
                    item_ids=[it.id for it in items if it.id is not None], archive_url=base, target=target)
    digest.trends = trend_lines(store, now, base, digest.notes, settings=settings)
    return digest


def section_of(item: Item) -> str:
    return next((tag for tag in ORDER if tag in item.tags), OTHER)


def split_hidden(items: list[Item], team: list[str], hide: bool) -> tuple[list[Item], list[Item]]:
    """Items about other platforms only; items naming no platform (general news, laws) always stay."""
    if not (hide and team):
        return list(items), []
    keep = [it for it in items if not it.platforms or set(it.platforms) & set(team)]
    kept = {id(it) for it in keep}
    return keep, [it for it in items if id(it) not in kept]


def headline_of(counts: list[tuple[str, int]], t: Translator) -> str:
    """'2 Rechtsänderungen, 5 neue Funktionen, 1 Reichweite': what is inside, for the subject."""
    tagged = [t.plural(f"mail.subject.{key}", n) for key, n in counts if key != OTHER]
    others = sum(n for key, n in counts if key == OTHER)
    if tagged:
        return ", ".join(tagged)
    if others:
        return t.plural("mail.subject.other", others)
    return t("mail.subject.nothing")


class _SectionBuilder:
    """Stories, platform groups and the cut for one part of the digest."""

    def __init__(self, store: Store, config: Config, t: Translator, base: str | None) -> None:
        self.store, self.config, self.t, self.base = store, config, t, base
        self.team = list(config.settings.platforms or [])
        self.limit = config.settings.digest.max_per_section

    def build(self, key: str, items: list[Item]) -> Section:
        compact = key == OTHER
        stories = [self.entry(key, self.lead_first(group)) for group in _stories(items)]
        groups = self.group(stories)
        limit = self.limit * 2 if compact else self.limit
        kept, cut = _cut(groups, limit)
        if not compact:
            for group in kept:
                for entry in group.entries:
                    entry.also_at = self.also(entry)
                    entry.also = len(entry.also_at)
        more_url = f"{self.base}/?tag={key}" if self.base and not compact else (f"{self.base}/" if self.base else None)
        return Section(key, self.t(f"mail.section.{key}"), kept, len(stories), cut, more_url, compact)

    def lead_first(self, story: list[Item]) -> list[Item]:
        """The platform's own announcement leads a story, else the earliest report."""
        def rank(item: Item) -> tuple:
            source = self.config.source(item.source)
            return (not (source and source.category == "platform"), item.published or item.fetched, item.id or 0)
        return sorted(story, key=rank) if len(story) > 1 else story

    def entry(self, key: str, items: list[Item]) -> Entry:
        first = items[0]
        archive = f"{self.base}/items/{first.id}" if self.base and first.id is not None else None
        badges = [tag for tag in ORDER if tag in first.tags and tag != key]
        platforms = self.ordered(first.platforms)
        return Entry(first, archive, shorten(first.summary or "", SUMMARY_CHARS), platforms, badges, items[1:])

    def ordered(self, platforms: list[str]) -> list[str]:
        """The team's platforms first, in the team's order."""
        rank = {p: n for n, p in enumerate(self.team)}
        return sorted(dict.fromkeys(platforms), key=lambda p: (rank.get(p, len(rank)), p))

    def group(self, stories: list[Entry]) -> list[Group]:
        """By main platform: the team's in their order, then the busiest others, then general news."""
        by: dict[str | None, list[Entry]] = {}
        for entry in stories:
            by.setdefault(entry.platforms[0] if entry.platforms else None, []).append(entry)
        rank: dict[str | None, int] = {p: n for n, p in enumerate(self.team)}
        sizes = Counter({p: len(v) for p, v in by.items()})
        order = sorted(by, key=lambda p: (p is None, rank.get(p, len(rank)), -sizes[p], p or ""))
        return [Group(platform_label(p) if p else self.t("mail.platform.general"), by[p]) for p in order]

    def also(self, entry: Entry) -> list[str]:
        """Other sources that reported the same story, also those already in earlier digests,
        each once, in the order they reported it."""
        story = entry.related if entry.item.cluster is None else self.store.cluster_items(entry.item.cluster)
        return [source for source in dict.fromkeys(it.source for it in story) if source != entry.item.source]


def _stories(items: list[Item]) -> list[list[Item]]:
    """Items of one story cluster together, in the order the first of each came."""
    stories: dict[object, list[Item]] = {}
    for item in items:
        key = item.cluster if item.cluster is not None else ("item", id(item))
        stories.setdefault(key, []).append(item)
    return list(stories.values())


def _cut(groups: list[Group], limit: int) -> tuple[list[Group], list[Entry]]:
    """Keep the first `limit` stories in group order (team platforms first); the rest is cut."""
    kept: list[Group] = []
    cut: list[Entry] = []
    room = limit
    for group in groups:
        take = group.entries[:max(room, 0)]
        cut += group.entries[len(take):]
        room -= len(take)
        if take:
            kept.append(Group(group.label, take))
    return kept, cut


def failing_sources(store: Store, t: Translator, base: str | None) -> list[dict]:
    """Sources needing attention: failing ones, in plain words in the digest's language (one
    line for all of them when the network was down), then ones silent far beyond their rhythm."""
    out, silent = [], []
    sources = store.list_sources()
    said = health_words(sources, t)
    url = f"{base}/sources" if base else None
    if said.outage:
        names = sorted(said.unreachable, key=str.lower)
        listed = ", ".join(names[:OUTAGE_NAMES]) + (" …" if len(names) > OUTAGE_NAMES else "")
        out.append({"name": said.outage, "error": listed, "since": "", "url": url})
    for src in sources:
        if src["name"] in said.problems:
            since = src.get("error_since")
            when = t.date(datetime.fromisoformat(since)) if since else ""
            out.append({"name": src["name"], "error": said.problems[src["name"]],
                        "since": t("mail.source.since", since=when) if when else "", "url": url})
        elif src.get("silent"):
            silent.append({"name": src["name"], "url": url,
                           "error": t("mail.source.silent", days=t.number(src["silent_days"]),
                                      usual=t.number(round(src["usual_gap_hours"] or 0))),
                           "since": ""})
    return out + silent


def trend_lines(store: Store, now: datetime, base: str | None, notes: list[str], limit: int = 5,
                settings: Settings | None = None) -> list[dict]:
    """What is rising; a digest never fails because of it."""
    try:
        where: dict[str, Any] = {"language": settings.language, "timezone": settings.timezone} if settings else {}
        trends = rising.compute_trends(store, days=7, now=now, limit=limit, **where)
    except Exception as e:  # noqa: BLE001 - trends are a bonus, the digest must still go out
        notes.append(f"trends left out: {e}")
        return []
    lines = []
    for trend in trends[:limit]:
        is_platform = trend.kind == "platform" or trend.term.lower() in PLATFORMS
        term = platform_label(trend.term.lower()) if is_platform else trend.term
        query = f"platform={quote(trend.term)}" if trend.kind == "platform" else f"q={quote(trend.term)}"
        lines.append({"term": term, "sources": trend.sources, "baseline": round(float(trend.baseline), 1),
                      "url": f"{base}/?{query}" if base else None})
    return lines
