"""What goes into a digest, and in which order: the content, before any HTML or text.

The order answers "what must I act on first". The digest opens with "Das Wichtigste"
(`monitor.tell.important`: watched-page changes, legal changes, then what concerns the
team's platforms, then stories many sources report), then the parts: changed pages,
legal changes, reach and algorithm, new features; untagged items ("Sonstiges") are
one counted line with a link, then what is rising and which sources need attention.
Within a part, items are grouped by platform with the team's own platforms first
(`settings.platforms`). An item with several tags is shown once, in the first part that
fits, with its other tags as badges; a story shown in "Das Wichtigste" is not repeated.

Length: a page change or a legal change is always a card and never cut (it may oblige
the reader to act). Reach and feature parts show at most `settings.digest.max_per_section`
cards; the rest move to a compact "More items" list at the end. A digest must stay under
the size at which mail clients clip it (`Digest.tighten`, applied by `digest.fit`).

First digest: when no digest has reached the target yet, the first run's catch-up
(whatever the feeds still held from before the last `BACKLOG_AGE`) is summarised in
counts per part, the most important few items and a link, instead of listed. Every
item, listed or summarised, counts as digested.

Items about other platforms are left out only when the team asked for it
(`hide_other_platforms`), and the digest says how many.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from monitor.config import PLATFORMS, Config, Settings
from monitor.i18n import Translator
from monitor.item import Item
from monitor.tell import important
from monitor.tell.render import ORDER, platform_label, shorten
from monitor.trends import rising
from monitor.watch.errors import health_words

if TYPE_CHECKING:
    from monitor.store import Store

IMPORTANT = "important"            # the "Das Wichtigste" block, shown as the first part
PAGE = important.PAGE              # watched pages that changed
OTHER = "other"
SECTIONS = (PAGE, *ORDER, OTHER)
NEVER_CUT = (PAGE, important.LEGAL)
SUMMARY_CHARS = 240
OUTAGE_NAMES = 5          # sources named under "no source reachable"
ALSO_NAMED = 5            # other sources named after "also reported by"
RELATED_SHOWN = 3         # other reports of a story listed under its card; the rest are counted
OTHER_NAMED = 8           # up to this many untagged items are named in their one line; more are counted
BACKLOG_AGE = timedelta(hours=48)    # first digest: older items are the backlog, summarised
FOLLOW_UP_DAYS = timedelta(days=7)   # a story a digest sent within this long carried is a follow-up
BACKLOG_TOP = 5                      # items the backlog summary names
COLORS = {   # accent, background: the same colour for a tag wherever it appears
    "legal_change": ("#B42318", "#FEF3F2"),
    "algorithm_reach_change": ("#6941C6", "#F4F3FF"),
    "feature_rollout": ("#067647", "#ECFDF3"),
    PAGE: ("#0E7090", "#ECFDFF"),
    IMPORTANT: ("#DC6803", "#FFFAEB"),
    important.TEAM: ("#344054", "#EAECF0"),
    important.WIDE: ("#B54708", "#FEF0C7"),
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
    reason: str = ""                                        # why it is in "Das Wichtigste" (a label)
    why: str = ""                                           # ... as a key of COLORS
    related_shown: int | None = None                        # None: every related report is listed
    follow_up: bool = False                                 # an earlier digest carried the story

    @property
    def also_names(self) -> str:
        """'heise online, t3n' ("auch bei: …"): the first few other sources, each named once."""
        names = ", ".join(self.also_at[:ALSO_NAMED])
        return names + (" …" if len(self.also_at) > ALSO_NAMED else "")

    @property
    def items(self) -> list[Item]:
        return [self.item, *self.related]

    @property
    def link(self) -> str:
        """Where the title leads: a page change to its diff in the archive, else the report itself."""
        if important.is_page_change(self.item) and self.archive_url:
            return self.archive_url
        return self.item.url or self.archive_url or ""

    @property
    def listed(self) -> list[Item]:
        """The related reports shown under the card (all of them unless the digest had to shrink)."""
        return self.related if self.related_shown is None else self.related[:self.related_shown]

    @property
    def unlisted(self) -> int:
        return len(self.related) - len(self.listed)


@dataclass
class Group:
    label: str
    entries: list[Entry]


@dataclass
class Section:
    key: str
    title: str
    groups: list[Group]
    total: int                                   # stories listed in this part (as cards, rows or cut)
    cut: list[Entry]                             # moved to "More items" (or counted) for space
    more_url: str | None
    above: int = 0                               # stories of this part shown in "Das Wichtigste"
    rows: list[Entry] = field(default_factory=list)   # shown as one line each (only when space is short)

    @property
    def accent(self) -> str:
        return COLORS[self.key][0]

    @property
    def entries(self) -> list[Entry]:
        return [e for g in self.groups for e in g.entries]


@dataclass
class Others:
    """The untagged items ("Sonstiges"): one line, naming them when they are few."""
    count: int
    named: list[Item]
    url: str | None


@dataclass
class Backlog:
    """A first digest's summary of what the sources held before (see the module docstring)."""
    total: int
    since: str                                   # the oldest item's date, formatted
    counts: list[tuple[str, int]]                # (section key, items)
    top: list[Entry]
    url: str | None


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
    others: Others | None = None
    backlog: Backlog | None = None
    more_counted: bool = False                   # the "More items" list gave way to counts (space)
    level: int = 0                               # how far `tighten` went
    fitted: bool = False                         # `digest.fit` has checked the size

    @property
    def empty(self) -> bool:
        return not (self.sections or self.others or self.backlog)

    @property
    def more(self) -> list[tuple[Section, Entry]]:
        return [] if self.more_counted else [(s, e) for s in self.sections for e in s.cut]

    @property
    def titles(self) -> list[str]:
        """Every item title named in this digest (hidden, counted and summarised ones excepted)."""
        out = [it.title for s in self.sections for e in s.entries for it in [e.item, *e.listed]]
        out += [it.title for s in self.sections for e in s.rows for it in e.items]
        out += [it.title for _, e in self.more for it in e.items]
        out += [it.title for it in (self.others.named if self.others else [])]
        out += [e.item.title for e in (self.backlog.top if self.backlog else [])]
        return out

    def tighten(self, level: int) -> None:
        """Shrink one step further so the HTML fits (`digest.fit` calls 1, 2, ... until it does).

        What must be there stays longest: "Das Wichtigste", then page and legal changes as
        cards, then the rest. Each step keeps every story either shown or counted with a link."""
        self.level = level
        parts = [s for s in self.sections if s.key != IMPORTANT]
        if level == 1:                       # shorter summaries, at most two related reports a card
            for s in parts:
                for e in s.entries:
                    e.summary = shorten(e.summary, 140)
                    e.related_shown = min(2, len(e.related))
        elif level == 2:                     # the "More items" list becomes a count with a link per part
            self.more_counted = True
        elif level == 3:                     # half the cards in parts that may be cut
            for s in parts:
                if s.key not in NEVER_CUT:
                    _recut(s, max(1, len(s.entries) // 2))
        elif level == 4:                     # no summaries below the block, one related report a card
            for s in parts:
                for e in s.entries:
                    e.summary, e.related_shown = "", min(1, len(e.related))
        elif level == 5:                     # beyond 15, page and legal changes become one line each
            for s in parts:
                cards = s.entries
                if len(cards) > 15:
                    s.rows = cards[15:] + s.rows
                    _recut(s, 15, into_rows=True)
        elif level >= 6:                     # last resort, halving each step: lines, then cards; the rest counted
            if any(s.rows for s in parts):
                for s in parts:
                    keep = len(s.rows) // 2
                    s.cut, s.rows = s.rows[keep:] + s.cut, s.rows[:keep]
            else:
                for s in parts or self.sections:
                    _recut(s, len(s.entries) // 2)
                    for e in s.entries:
                        e.summary, e.related_shown = shorten(e.summary, 100), 0
            if self.backlog:
                self.backlog.top = self.backlog.top[:2]
            if self.others:
                self.others.named = []


def _recut(section: Section, keep: int, into_rows: bool = False) -> None:
    """Keep the first `keep` cards of a part; the rest go to its cut list (or its rows)."""
    kept, cut = _cut(section.groups, keep)
    section.groups = kept
    if not into_rows:
        section.cut = cut + section.cut


def build_digest(store: Store, config: Config, items: list[Item], *, now: datetime, base_url: str | None,
                 t: Translator, target: str | None = None, team_id: int | None = None) -> Digest:
    """The digest of `items` for `target`; with `team_id`, everything around the items (the story's
    other sources, failing sources, trends, the first-digest backlog) is the team's alone."""
    settings = config.settings
    base = base_url.rstrip("/") if base_url else None
    team = list(settings.platforms or [])
    shown, hidden = split_hidden(items, team, settings.hide_other_platforms)
    recent, older = split_backlog(shown, now) if is_first_digest(store, target, team_id) else (shown, [])
    builder = _SectionBuilder(store, config, t, base, team_id)
    # A story is one entry, in the section of its most important report: three reports of one change
    # tagged differently (a feature, a feature and a legal change, a legal change) were a legal card
    # and a feature card, each "also reported by 2 more", and counted twice in the subject.
    filed: dict[str, list[Entry]] = {}
    for story in _stories(recent):
        key = min((section_of(item) for item in story), key=SECTIONS.index)
        filed.setdefault(key, []).append(builder.entry(key, builder.lead_first(story, key)))
    stories = {key: filed[key] for key in SECTIONS if key in filed}
    builder.name_others([e for found in stories.values() for e in found])
    counts = [(key, len(found)) for key, found in stories.items()]
    # A story an earlier digest carried is a follow-up: it keeps its place in its section, marked
    # so, but gives "Das Wichtigste" to news (a how-to on yesterday's story led the block three
    # days running and pushed a first report of a ruling below it).
    told = store.digested_stories(now - FOLLOW_UP_DAYS, team_id)
    for found in stories.values():
        for e in found:
            e.follow_up = e.item.cluster in told and not important.is_page_change(e.item)
    block = builder.important([e for found in stories.values() for e in found if not e.follow_up])
    moved = Counter(section_of(e.item) for e in block)
    chosen = {id(e) for e in block}
    sections = [builder.block(block)] if block else []
    for key, found in stories.items():
        rest = [e for e in found if id(e) not in chosen]
        if key != OTHER and rest:
            sections.append(builder.build(key, rest, moved[key]))
    untagged = [e.item for e in stories.get(OTHER, []) if id(e) not in chosen]     # a story once
    backlog = builder.backlog(older) if older else None
    headline = headline_of(counts, t) if counts or not backlog else t.plural("mail.subject.backlog", backlog.total)
    intro = t.plural("mail.intro.items", len(recent)) if recent else ""
    if backlog:
        intro = (intro + " " + t.plural("mail.backlog.intro", backlog.total)).strip()
    digest = Digest(language=t.language, subject=f"{t('mail.brand')} {t.short_date(now)}: {headline}",
                    date=t.date(now, "full"), headline=headline, intro=intro,
                    sections=sections, trends=[], hidden=len(hidden),
                    failing=failing_sources(store, t, base, team_id),
                    item_ids=[it.id for it in items if it.id is not None], archive_url=base, target=target,
                    others=builder.others(untagged), backlog=backlog)
    digest.trends = trend_lines(store, now, base, digest.notes, settings=settings, team_id=team_id)
    return digest


def section_of(item: Item) -> str:
    if important.is_page_change(item):
        return PAGE
    return next((tag for tag in ORDER if tag in item.tags), OTHER)


def is_first_digest(store: Store, target: str | None, team_id: int | None = None) -> bool:
    """Has no digest of the team reached this target (with no target: any target) yet?"""
    return store.sent_digests(target, team_id=team_id) == 0


def split_backlog(items: list[Item], now: datetime) -> tuple[list[Item], list[Item]]:
    """(recent, backlog): items dated before the last `BACKLOG_AGE` are the backlog."""
    edge = now - BACKLOG_AGE
    recent: list[Item] = []
    older: list[Item] = []
    for item in items:
        when = item.published or item.fetched
        (older if when is not None and when < edge else recent).append(item)
    return recent, older


def split_hidden(items: list[Item], team: list[str], hide: bool) -> tuple[list[Item], list[Item]]:
    """Items about other platforms only; items naming no platform (general news, laws) always stay."""
    if not (hide and team):
        return list(items), []
    keep = [it for it in items if not it.platforms or set(it.platforms) & set(team)]
    kept = {id(it) for it in keep}
    return keep, [it for it in items if id(it) not in kept]


def headline_of(counts: list[tuple[str, int]], t: Translator) -> str:
    """'2 Rechtsänderungen, 5 neue Funktionen, 1 Reichweitenänderung': what is inside, for the subject."""
    tagged = [t.plural(f"mail.subject.{key}", n) for key, n in counts if key != OTHER]
    others = sum(n for key, n in counts if key == OTHER)
    if tagged:
        return ", ".join(tagged)
    if others:
        return t.plural("mail.subject.other", others)
    return t("mail.subject.nothing")


class _SectionBuilder:
    """Stories, platform groups and the cut for the parts of the digest."""

    def __init__(self, store: Store, config: Config, t: Translator, base: str | None,
                 team_id: int | None = None) -> None:
        self.store, self.config, self.t, self.base, self.team_id = store, config, t, base, team_id
        self.team = list(config.settings.platforms or [])
        self.limit = config.settings.digest.max_per_section

    def build(self, key: str, stories: list[Entry], above: int = 0) -> Section:
        groups = self.group(stories)
        kept, cut = _cut(groups, len(stories) if key in NEVER_CUT else self.limit)
        more_url = f"{self.base}/?tag={key}" if self.base and key in ORDER else (f"{self.base}/" if self.base else None)
        return Section(key, self.t(f"mail.section.{key}"), kept, len(stories), cut, more_url, above)

    def block(self, entries: list[Entry]) -> Section:
        """"Das Wichtigste": one group, in the order of `important.pick`."""
        return Section(IMPORTANT, self.t("mail.section.important"), [Group("", entries)], len(entries), [],
                       f"{self.base}/" if self.base else None)

    def important(self, entries: list[Entry]) -> list[Entry]:
        """The entries for "Das Wichtigste", labelled with the reason each is there."""
        by_item = {id(e.item): e for e in entries}
        picks = important.pick([(e.item, e.also + 1) for e in entries], self.team)
        out = []
        for p in picks:
            entry = by_item[id(p.item)]
            entry.why, entry.reason = p.reason, important.label(p, self.t)
            entry.badges = [tag for tag in ORDER if tag in entry.item.tags and tag != p.reason]
            out.append(entry)
        return out

    def lead_first(self, story: list[Item], key: str | None = None) -> list[Item]:
        """The story's reports, its lead first: one of the section `key` it is filed under (a legal card
        leads with a legal report), in the reader's language (a German team reads the German report
        first and finds the English one listed under it), the platform's own announcement, else the
        earliest report."""
        def rank(item: Item) -> tuple:
            source = self.config.source(item.source)
            return (key is not None and section_of(item) != key, bool(item.lang) and item.lang != self.t.language,
                    not (source and source.category == "platform"), item.published or item.fetched, item.id or 0)
        return sorted(story, key=rank) if len(story) > 1 else story

    def entry(self, key: str, items: list[Item]) -> Entry:
        first = items[0]
        archive = f"{self.base}/items/{first.id}" if self.base and first.id is not None else None
        badges = [tag for tag in ORDER if tag in first.tags and tag != key]
        platforms = self.ordered(first.platforms)
        return Entry(first, archive, shorten(first.summary or "", SUMMARY_CHARS), platforms, badges, items[1:],
                     related_shown=RELATED_SHOWN if len(items) - 1 > RELATED_SHOWN else None)

    def ordered(self, platforms: list[str]) -> list[str]:
        """The team's platforms first, in the team's order."""
        rank = {p: n for n, p in enumerate(self.team)}
        return sorted(dict.fromkeys(platforms), key=lambda p: rank.get(p, len(rank)))   # else as the item names them

    def group(self, stories: list[Entry]) -> list[Group]:
        """By main platform: the team's in their order, then the busiest others, then general news."""
        by: dict[str | None, list[Entry]] = {}
        for entry in stories:
            by.setdefault(entry.platforms[0] if entry.platforms else None, []).append(entry)
        rank: dict[str | None, int] = {p: n for n, p in enumerate(self.team)}
        sizes = Counter({p: len(v) for p, v in by.items()})
        order = sorted(by, key=lambda p: (p is None, rank.get(p, len(rank)), -sizes[p], p or ""))
        return [Group(platform_label(p) if p else self.t("mail.platform.general"), by[p]) for p in order]

    def name_others(self, entries: list[Entry]) -> None:
        """Other sources that reported each story, also those already in earlier digests, each
        once, in the order they reported it (one read of the store for all stories)."""
        clusters = [e.item.cluster for e in entries if e.item.cluster is not None]
        reports = self.store.story_reports(clusters, self.team_id) if clusters else {}
        for entry in entries:
            if entry.item.cluster is not None and entry.item.cluster in reports:
                story = [r.source for r in reversed(reports[entry.item.cluster])]
            else:
                story = [it.source for it in entry.related]
            entry.also_at = [s for s in dict.fromkeys(story) if s != entry.item.source]
            entry.also = len(entry.also_at)

    def others(self, items: list[Item]) -> Others | None:
        """"Sonstiges" as one line: named when few, else counted; linked to the archive from the oldest's day."""
        if not items:
            return None
        oldest = _oldest(items)
        url = None
        if self.base:
            url = f"{self.base}/?since={oldest.astimezone(self.t.tz).date().isoformat()}" if oldest else f"{self.base}/"
        return Others(len(items), items if len(items) <= OTHER_NAMED else [], url)

    def backlog(self, items: list[Item]) -> Backlog:
        """Counts per part, the most important few (then the newest tagged) and a link."""
        per = Counter(section_of(it) for it in items)
        stories = important.stories_of(items)
        top = [p.item for p in important.pick(stories, self.team, BACKLOG_TOP)]
        taken = {id(it) for it in top}
        rest = sorted((lead for lead, _ in stories if id(lead) not in taken),
                      key=lambda it: (section_of(it) == OTHER, -_when(it)))
        top += rest[:BACKLOG_TOP - len(top)]
        entries = [self.entry(section_of(it), [it]) for it in top]
        counts = [(key, per[key]) for key in SECTIONS if per[key]]
        return Backlog(len(items), self.t.date(_oldest(items)), counts, entries, f"{self.base}/" if self.base else None)


def _oldest(items: list[Item]) -> datetime | None:
    dates = [when for it in items if (when := it.published or it.fetched) is not None]
    return min(dates, default=None)


def _when(item: Item) -> float:
    when = item.published or item.fetched
    return when.timestamp() if when else 0.0


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


def failing_sources(store: Store, t: Translator, base: str | None, team_id: int | None = None) -> list[dict]:
    """Sources needing attention: failing ones, in plain words in the digest's language (one
    line for all of them when the network was down), then ones silent far beyond their rhythm.
    With `team_id`, only the team's sources, by the team's names."""
    out, silent = [], []
    sources = store.list_sources()
    if team_id is not None:
        mine = store.team_sources(team_id)
        sources = [{**src, "name": mine[src["name"]]} for src in sources if src["name"] in mine]
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
                settings: Settings | None = None, team_id: int | None = None) -> list[dict]:
    """What is rising (across the team's sources, with `team_id`); a digest never fails because of it."""
    try:
        where: dict[str, Any] = {"language": settings.language, "timezone": settings.timezone} if settings else {}
        trends = rising.compute_trends(store, days=7, now=now, limit=limit, team_id=team_id, **where)
    except Exception as e:  # noqa: BLE001 - trends are a bonus, the digest must still go out
        notes.append(f"trends left out: {e}")
        return []
    lines = []
    for trend in trends[:limit]:
        is_platform = trend.kind == "platform" or trend.term.lower() in PLATFORMS
        term = platform_label(trend.term.lower()) if is_platform else trend.term
        lines.append({"term": term, "sources": trend.sources, "baseline": round(float(trend.baseline), 1),
                      "url": f"{base}{trend.list_path(7)}" if base else None})
    return lines
