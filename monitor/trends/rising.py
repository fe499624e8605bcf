"""What is rising across sources: terms that many more sources mention now than usually.

The unit is the *distinct source*, never the mention: a feed that repeats a word two
hundred times still counts once, so one noisy feed cannot make a trend.

Score, in one sentence: how far this window's number of distinct sources lies above
the usual number (the mean over the same-length windows of the baseline period), in
units of its expected noise, √(usual + 1 + variance of the baseline windows):

    score = (sources - usual) / sqrt(usual + 1 + variance)

The `+ 1` is the prior that keeps a brand-new term finite (no history: score =
sources); the variance keeps a topic that always comes in waves from looking new.
A trend also needs at least `min_sources` sources, twice the usual number, a score of
at least 3 (or `min_sources`, when that is lower), and no single source writing more
than 60 % of its items in the window.

Days are rolling 24-hour periods ending at `now`, so 'this week' is never a half day.
Only the baseline windows the store has data for count towards 'usual', so a new
install does not call everything new.

What comes out are *cards*, one per story: generic words and short abbreviations that
are not names are left out (monitor/trends/names.py), and the rising terms whose items
are mostly one story cluster (monitor/store/clusters.py) are folded into one card that
lists them ('Digital Services Act · DSA-Bußgeld · EU-Kommission' for one fine, not three
cards). A card's items are exactly the items its terms were counted in, whole words
only (monitor/trends/terms.py), so the list behind a card holds as many items and
sources as the card says.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import numpy as np

from monitor.clock import utcnow
from monitor.i18n import Translator
from monitor.trends.names import worth_tracking
from monitor.trends.terms import (
    PHRASE,
    PLATFORM,
    Mentions,
    TermExtractor,
    key_words,
    kind_of,
    looks_like_name,
    platform_display,
)

__all__ = ["Trend", "compute_trends", "explain", "trend_json", "worth_tracking"]

if TYPE_CHECKING:
    from monitor.store import Store

MIN_SCORE = 3.0            # noise units above the usual level
MIN_RISE = 2.0             # this window against the usual window: at least doubled
MAX_SOURCE_SHARE = 0.6     # of a term's items in the window, at most this many from one source
COVERAGE = 0.8             # a longer phrase on this share of a term's items replaces the term
STORY_SHARE = 0.5          # of a term's items, at least this many in one story cluster fold it into that story
MAX_DAYS = 4095            # window and baseline together: a day number has 12 bits in a packed mention
DAY = timedelta(days=1)


@dataclass
class Trend:
    """One trend card: its strongest term, and the other terms of the same story folded in."""
    term: str                    # the strongest term, as most items write it
    score: float                 # of the strongest term
    sources: int                 # distinct sources of `item_ids`
    baseline: float              # usual distinct sources per window of the same length (strongest term)
    kind: str                    # platform | hashtag | phrase
    daily: list[int]             # distinct sources per day, oldest first, baseline + window (strongest term)
    item_ids: list[int]          # every window item the card's terms were counted in, newest first
    explanation: str             # '12 sources this week, usually 1'
    key: str = ""
    days: int = 7
    since: datetime | None = None    # start of the first day in `daily`
    terms: list[str] = field(default_factory=list)   # every term of the card as written, `term` first
    keys: list[str] = field(default_factory=list)    # their keys, in the same order
    story: int | None = None     # the story cluster the card is about, when its terms share one
    history_days: int = 0        # days before the window the archive has items for: a chart starts there

    def list_path(self, days: int | None = None) -> str:
        """The archive's list of exactly the items this card counted (`/trends/items`), so a count
        in the digest, the trends page and the list behind its link always agree."""
        return list_path(self, days or self.days)


def list_path(trend: Trend, days: int) -> str:
    """`Trend.list_path` for anything shaped like a trend (the web page's views of one, too)."""
    return "/trends/items?" + urlencode({"key": getattr(trend, "key", "") or trend.term, "days": days})


@dataclass
class _Window:
    """The time frame: `baseline_days` of history, then the window of `days` ending at `now`."""
    now: datetime
    days: int
    baseline_days: int
    start: datetime = field(init=False)
    total: int = field(init=False)

    def __post_init__(self) -> None:
        self.total = self.baseline_days + self.days
        self.start = self.now - self.total * DAY

    def day(self, when: datetime) -> int:
        return min(max(int((when - self.start) / DAY), 0), self.total - 1)

    @property
    def window_start(self) -> datetime:
        return self.now - self.days * DAY


def compute_trends(store: Store, *, days: int = 7, now: datetime | None = None, limit: int = 50,
                   baseline_days: int = 42, min_sources: int = 3, language: str = "de",
                   timezone: str = "Europe/Berlin", team_id: int | None = None) -> list[Trend]:
    """Terms rising across sources in the last `days`, strongest first; with `team_id`, across the
    team's own sources alone (their items are all that is read).

    The window's items give the candidates (terms with enough sources now, the only
    ones that can trend); the baseline's items, read in chunks, are then only looked up
    against those. Terms are extracted once per item, as arrays (`TermExtractor.batch`).
    """
    days = min(max(days, 1), MAX_DAYS // 2)
    frame = _Window(now or utcnow(), days, min(max(baseline_days, 1), MAX_DAYS - days))
    extractor = TermExtractor()
    window = _chunk(list(store.trend_rows(frame.window_start, frame.now, include_end=True, team_id=team_id)),
                    frame, extractor)
    codes, keys = _candidates(window, extractor, min_sources)
    if not keys:
        return []
    words = {w for key in keys if kind_of(key) == PHRASE for w in key.split()}
    term, item, recent = _hits(window, codes)
    packed = [_hits(chunk, codes)[2] for chunk in _chunks(store, frame, extractor, words, team_id=team_id)] + [recent]
    del recent
    counts = _Counts(packed, len(keys), frame, _history_blocks(store, frame))
    history_days = _history_days(store, frame)
    rising = _rising(counts, keys, min_sources)
    items = _window_items(window, term, item, {n for n, _, _ in rising}, keys)
    rising = _without_spam(rising, items)[:max(4 * limit, 200)]
    surfaces = _surfaces(extractor, window.rows, {key: items[key] for _, key, _ in rising})
    rising = _merged([r for r in rising if worth_tracking(r[1], surfaces.get(r[1], r[1]))], items, surfaces)
    stories = _stories(store, [iid for _, key, _ in rising for _, iid, _ in items[key]])
    t = Translator(language, timezone)
    return [replace(_trend(card, counts, items, surfaces, frame, t), history_days=history_days)
            for card in _cards(rising, items, stories, min_sources)[:limit]]


def trend_json(t: Trend) -> dict:
    """The contract's trend object: term, score, sources, baseline, plus what a chart needs, the
    card's other terms and its story."""
    return {"term": t.term, "score": round(t.score, 2), "sources": t.sources, "baseline": round(t.baseline, 2),
            "kind": t.kind, "key": t.key, "explanation": t.explanation, "days": t.days,
            "since": t.since.isoformat() if t.since else None, "daily": list(t.daily), "items": list(t.item_ids),
            "terms": list(t.terms or [t.term]), "story": t.story, "history_days": t.history_days}


# ---------------------------------------------------------------------- reading and counting
@dataclass
class _Chunk:
    """Items read together: their rows, source and day as arrays, and their term mentions."""
    rows: list[tuple]
    source: np.ndarray
    day: np.ndarray
    mentions: Mentions


def _chunks(store: Store, frame: _Window, extractor: TermExtractor, words: set[str],
            size: int = 10_000, team_id: int | None = None) -> Iterator[_Chunk]:
    """The baseline's items, `size` at a time: it is six times the window and need not sit in memory.

    Only phrases made of the candidates' words are looked for, which spares most of the work.
    """
    rows: list[tuple] = []
    for row in store.trend_rows(frame.start, frame.window_start, team_id=team_id):
        rows.append(row)
        if len(rows) == size:
            yield _chunk(rows, frame, extractor, words)
            rows = []
    if rows:
        yield _chunk(rows, frame, extractor, words)


def _chunk(rows: list[tuple], frame: _Window, extractor: TermExtractor, words: set[str] | None = None) -> _Chunk:
    source = np.array([row[1] for row in rows], dtype=np.int64) & _SOURCE_MASK
    day = np.array([frame.day(row[2]) for row in rows], dtype=np.int64)
    return _Chunk(rows, source, day, extractor.batch(((row[3], row[4], row[5]) for row in rows), words))


def _candidates(window: _Chunk, extractor: TermExtractor, min_sources: int) -> tuple[np.ndarray, list[str]]:
    """Terms with at least `min_sources` distinct sources in the window; only these can trend.

    Returns their codes (sorted) and keys, in the same order.
    """
    m = window.mentions
    if not len(m.code):
        return m.code, []
    codes, first, term = np.unique(m.code, return_index=True, return_inverse=True)
    pairs = _distinct(term.astype(np.int64) << _DAY_SHIFT | window.source[m.item])
    keep = np.flatnonzero(np.bincount(pairs >> _DAY_SHIFT, minlength=len(codes)) >= min_sources)
    return codes[keep], [extractor.key_of(m, int(first[n])) for n in keep]


# A mention is one int64: candidate (27 bits) | day (12 bits) | source id (24 bits).
_DAY_SHIFT, _TERM_SHIFT, _SOURCE_MASK, _DAY_MASK = 24, 36, (1 << 24) - 1, (1 << 12) - 1


def _hits(chunk: _Chunk, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(candidate, item position, packed candidate|day|source) of every mention of a candidate."""
    m = chunk.mentions
    at = np.minimum(np.searchsorted(codes, m.code), len(codes) - 1)
    hit = codes[at] == m.code
    term, item = at[hit].astype(np.int64), m.item[hit]
    return term, item, term << _TERM_SHIFT | chunk.day[item] << _DAY_SHIFT | chunk.source[item]


def _history_blocks(store: Store, frame: _Window) -> int:
    """How many baseline windows the store has data for (a new install has none yet)."""
    first = store.first_item_date()
    if first is None:
        return 0
    covered = (frame.window_start - max(first, frame.start)) / DAY + 1   # a day's slack for the first fetch
    return max(0, min(int(covered // frame.days), frame.baseline_days // frame.days or 1))


def _history_days(store: Store, frame: _Window) -> int:
    """How many days before the window the store has items for: the days of `daily` before them
    are zeros only because nothing was fetched yet, and a chart of them reads as "no one wrote"."""
    first = store.first_item_date()
    if first is None:
        return 0
    return max(0, min(frame.baseline_days, math.ceil((frame.window_start - max(first, frame.start)) / DAY)))


class _Counts:
    """Distinct sources per candidate: per day, in the window, and per baseline window."""

    def __init__(self, packed: list[np.ndarray], n_terms: int, frame: _Window, history_blocks: int):
        """`packed`: arrays of candidate|day|source mentions, emptied here; the arrays are let go
        of early, because at 100,000 items they hold millions and each copy costs tens of MiB."""
        self.frame, self.blocks = frame, history_blocks
        codes = np.concatenate(packed)
        packed.clear()
        codes = _distinct(codes, in_place=True)
        src = codes & _SOURCE_MASK
        term = codes >> _TERM_SHIFT
        day = (codes >> _DAY_SHIFT) & _DAY_MASK
        del codes
        self.daily = np.bincount(term * frame.total + day, minlength=n_terms * frame.total
                                 ).reshape(n_terms, frame.total)
        # Block 0 is the window; blocks 1.. go back in time from its start.
        n_blocks = frame.total // frame.days + 1
        term *= n_blocks
        term += (frame.total - 1 - day) // frame.days
        del day
        term <<= _DAY_SHIFT
        term |= src
        del src
        per_block = _distinct(term, in_place=True) >> _DAY_SHIFT
        del term
        self.per_block = np.bincount(per_block, minlength=n_terms * n_blocks).reshape(n_terms, n_blocks)
        self.window = self.per_block[:, 0]
        history = self.per_block[:, 1:1 + history_blocks].astype(float)
        self.usual = history.mean(axis=1) if history_blocks else np.zeros(n_terms)
        self.variance = history.var(axis=1) if history_blocks else np.zeros(n_terms)

    def scores(self) -> np.ndarray:
        return (self.window - self.usual) / np.sqrt(self.usual + 1.0 + self.variance)


def _distinct(codes: np.ndarray, in_place: bool = False) -> np.ndarray:
    """Sorted distinct values; a plain sort, several times faster here than `np.unique`'s hash table."""
    if in_place and codes.flags.writeable:
        codes.sort()
    else:
        codes = np.sort(codes)
    if len(codes) < 2:
        return codes
    keep = np.empty(len(codes), dtype=bool)
    keep[0] = True
    np.not_equal(codes[1:], codes[:-1], out=keep[1:])
    return codes[keep]


def _rising(counts: _Counts, keys: list[str], min_sources: int) -> list[tuple[int, str, float]]:
    """(candidate number, key, score) of the terms that pass, strongest first."""
    scores = counts.scores()
    ok = ((counts.window >= min_sources) & (counts.window >= MIN_RISE * counts.usual)
          & (scores >= min(MIN_SCORE, min_sources)))
    chosen = [(int(n), keys[n], float(scores[n])) for n in np.flatnonzero(ok)]
    return sorted(chosen, key=lambda c: (-c[2], -int(counts.window[c[0]]), c[1]))


def _window_items(window: _Chunk, term: np.ndarray, item: np.ndarray, wanted: set[int],
                  keys: list[str]) -> dict[str, list[tuple]]:
    """Each rising term's window items as (sort_date, id, source_id), newest first."""
    found: dict[str, set[tuple]] = defaultdict(set)
    chosen = np.isin(term, np.fromiter(wanted, dtype=np.int64, count=len(wanted)))
    for n, pos in zip(term[chosen].tolist(), item[chosen].tolist()):
        iid, src, when, *_ = window.rows[pos]
        found[keys[n]].add((when, iid, src))
    return {key: sorted(rows, reverse=True) for key, rows in found.items()}


# ---------------------------------------------------------------------- choosing
def _without_spam(rising: list[tuple[int, str, float]], items: dict[str, list[tuple]]) -> list[tuple[int, str, float]]:
    """Drop terms whose window items come mostly from one source."""
    def top_share(rows: list[tuple]) -> float:
        return Counter(src for _, _, src in rows).most_common(1)[0][1] / len(rows)
    return [r for r in rising if top_share(items[r[1]]) <= MAX_SOURCE_SHARE]


def _merged(rising: list[tuple[int, str, float]], items: dict[str, list[tuple]],
            surfaces: dict[str, str]) -> list[tuple[int, str, float]]:
    """One trend per story: of terms covering (nearly) the same items, keep the best name.

    A longer phrase replaces a term it contains ('Threads Communities' replaces Threads)
    when it reads like a name; one that mixes a name with a lowercase word ('Bluesky
    wächst', 'Broadcast-Kanäle starten') gives way to the shorter term instead. Of two
    unrelated phrases on the same items, one that reads like a name beats one that does not.
    """
    keys = [key for _, key, _ in rising]
    ids = {key: {iid for _, iid, _ in items[key]} for key in keys}
    named = {key: kind_of(key) != PHRASE or looks_like_name(surfaces.get(key, key)) for key in keys}
    by_words: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for key in keys:
        by_words[key_words(key)].append(key)
    dropped: set[str] = set()
    for longer in keys:
        words = key_words(longer)
        contained = {short for size in range(1, len(words)) for start in range(len(words) - size + 1)
                     for short in by_words.get(words[start:start + size], ())} if kind_of(longer) == PHRASE else ()
        for shorter in contained:
            if _covers(ids[longer], ids[shorter]):
                dropped.add(shorter if named[longer] else longer)
    phrases = [key for key in keys if kind_of(key) == PHRASE]
    for n, one in enumerate(phrases):
        for other in phrases[n + 1:]:
            if named[one] != named[other] and _covers(ids[one], ids[other]) and _covers(ids[other], ids[one]):
                dropped.add(other if named[one] else one)
    return [r for r in rising if r[1] not in dropped]


def _covers(wide: set[int], narrow: set[int]) -> bool:
    return len(wide & narrow) >= COVERAGE * len(narrow)


def _surfaces(extractor: TermExtractor, window_rows: list[tuple], items: dict[str, list[tuple]]) -> dict[str, str]:
    """The written form most items use, read from (at most 20 of) each term's newest items."""
    text = {row[0]: (row[3], row[4]) for row in window_rows}
    written: dict[str, Counter] = defaultdict(Counter)
    cache: dict[int, dict[str, str]] = {}
    for key, rows in items.items():
        for _, iid, _ in rows[:20]:
            if iid not in cache:
                cache[iid] = {t.key: t.surface for t in extractor.terms(*text[iid])}
            if key in cache[iid]:
                written[key][cache[iid][key]] += 1
    return {key: max(forms.items(), key=lambda fc: (fc[1], any(c.isupper() for c in fc[0])))[0]
            for key, forms in written.items()}


def _display(key: str, surfaces: dict[str, str]) -> str:
    return platform_display(key) if kind_of(key) == PLATFORM else surfaces.get(key, key)


def _trend(card: _Card, counts: _Counts, items: dict[str, list[tuple]], surfaces: dict[str, str],
           frame: _Window, t: Translator) -> Trend:
    """The card as a Trend: its numbers and the window days of its chart are those of its items
    (what its list shows); the usual level and the days before are its strongest term's."""
    n, key, score = card.terms[0]
    rows = card.rows(items)
    sources, usual = len({src for _, _, src in rows}), float(counts.usual[n])
    daily = [int(v) for v in counts.daily[n]]
    if card.story is not None:
        per_day: dict[int, set[int]] = defaultdict(set)
        for when, _, src in rows:
            per_day[frame.day(when)].add(src)
        daily[frame.baseline_days:] = [len(per_day[day]) for day in range(frame.baseline_days, frame.total)]
    return Trend(term=_display(key, surfaces), score=score, sources=sources, baseline=usual, kind=kind_of(key),
                 daily=daily, item_ids=[iid for _, iid, _ in rows],
                 explanation=explain(sources, usual, frame.days, frame.baseline_days, counts.blocks, t),
                 key=key, days=frame.days, since=frame.start, terms=[_display(k, surfaces) for _, k, _ in card.terms],
                 keys=[k for _, k, _ in card.terms], story=card.story)


# ---------------------------------------------------------------------- cards
@dataclass
class _Card:
    """Rising terms shown together: (candidate number, key, score), strongest first, and their story."""
    terms: list[tuple[int, str, float]]
    story: int | None
    stories: dict[int, int]

    def rows(self, items: dict[str, list[tuple]]) -> list[tuple]:
        """(sort date, id, source) of the card's items, newest first: every item a term was
        counted in; for a story card only those of the story."""
        found = {row for _, key, _ in self.terms for row in items[key]
                 if self.story is None or _story(self.stories, row[1]) == self.story}
        return sorted(found, reverse=True)


def _stories(store: Store, ids: list[int]) -> dict[int, int]:
    """Item id -> story cluster of the given items (items without a cluster are left out)."""
    wanted = list(dict.fromkeys(ids))
    out: dict[int, int] = {}
    for start in range(0, len(wanted), 1000):
        out.update((it.id, it.cluster) for it in store.items_by_ids(wanted[start:start + 1000])
                   if it.id is not None and it.cluster is not None)
    return out


def _story(stories: dict[int, int], iid: int) -> int:
    """An item's story: its cluster, or the item itself when it has none."""
    return stories.get(iid, iid)


def _main_story(rows: list[tuple], stories: dict[int, int], min_sources: int) -> int | None:
    """The story a term is about, or None when it spans several.

    A term belongs to one story when that story holds at least `STORY_SHARE` of its items
    and `min_sources` of its sources, and its items outside the story would not make a
    trend on their own (fewer than `min_sources` sources). 'TikTok' in a week of a TikTok
    fine and three other TikTok reports from four sources keeps a card of its own."""
    if not rows:
        return None
    by_story = Counter(_story(stories, iid) for _, iid, _ in rows)
    story, n = by_story.most_common(1)[0]
    inside = {src for _, iid, src in rows if _story(stories, iid) == story}
    outside = {src for _, iid, src in rows if _story(stories, iid) != story}
    if n >= STORY_SHARE * len(rows) and len(inside) >= min_sources and len(outside) < min_sources:
        return story
    return None


def _cards(rising: list[tuple[int, str, float]], items: dict[str, list[tuple]], stories: dict[int, int],
           min_sources: int) -> list[_Card]:
    """One card per story (its terms folded together) and one per term that spans several
    stories, ordered by their strongest term (`rising` is strongest first)."""
    cards: list[_Card] = []
    by_story: dict[int, _Card] = {}
    for term in rising:
        story = _main_story(items[term[1]], stories, min_sources)
        if story is None:
            cards.append(_Card([term], None, stories))
        elif story in by_story:
            by_story[story].terms.append(term)
        else:
            by_story[story] = _Card([term], story, stories)
            cards.append(by_story[story])
    return cards


def explain(sources: int, usual: float, days: int, baseline_days: int, history_blocks: int, t: Translator) -> str:
    """'12 sources this week, usually 1' / '12 Quellen diese Woche, sonst 1'."""
    values = {"sources": t.plural("trends.sources", sources),
              "period": t("trends.period.week") if days == 7 else t("trends.period.days", days=days)}
    if not history_blocks:
        return t("trends.explain.no_history", **values)
    if usual <= 0:
        span = history_blocks * days
        before = (t("trends.before.weeks", weeks=span // 7) if span % 7 == 0
                  else t("trends.before.days", days=span))
        return t("trends.explain.new", before=before, **values)
    shown = t("trends.under_one") if usual < 1 else t.number(round(usual, 1) if usual < 10 else round(usual))
    return t("trends.explain.usual", usual=shown, **values)
