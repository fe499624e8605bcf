"""Story clusters: reports of the same event across sources and languages become one story.

Exact matches (same canonical URL or same title) are found by the store's indexes.
Everything else is found here, from the tokens of monitor/stories/features.py: a German
and an English report of one story share its entities (platform, product and feature
names, amounts, dates, laws, authorities) even where they share no word.

Two reports are one story when, within `WINDOW` of each other,

* the weight of what they share is a large enough part of what they say (a weighted
  Jaccard, Ruzicka, similarity: each token weighs by its kind, by whether it stands in
  the title, and by how rare it is among recent reports). Across languages only what
  could have been shared counts against them: entities, and words seen in the other
  language (names, loanwords), not the German words an English text cannot contain;
* nothing sets them apart: reports about different companies (TikTok / X, Temu /
  AliExpress) or naming different amounts of money (two fines) are different stories,
  however alike they read. A report joins a story only when it contradicts none of the
  story's reports in this way.

Candidates come from an inverted index of the rarer tokens, so a run with tens of
thousands of items compares each only with the few that share something specific.
"""

from __future__ import annotations

import math
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from monitor.item import Item
from monitor.stories.background import background
from monitor.stories.features import ENTITY, Report, conflicting, hours, report
from monitor.stories.vocabulary import COURTS, OWNERS, SETTING

__all__ = ["Report", "StoryIndex", "dated", "report", "report_of"]

WINDOW = 4 * 24.0         # hours: reports of one event come within days of each other
SIMILARITY = 0.2         # weighted Jaccard of two reports' tokens needed to join them
COMMON = 300              # a token in more recent reports than this finds no candidates
RAREST = 10               # of a report's tokens, the rarest find its candidates
CANDIDATES = 12           # reports compared exactly, those sharing most of them
BACKGROUND = 1.0          # weight of a background text against a report in the index (background.py)
SPECIFIC = 0.1            # part of the shared weight that must be specific, not setting
UNSHARED_WORDS = 0.25       # see _ruzicka
UNSHARED_TITLE_WORDS = 0.6         # a title's own words say more about its story than the summary's
STORY_LIKENESS = 1.0      # mean similarity to a story's reports, as a part of SIMILARITY
MEMBERS = 8               # a story's latest reports that a new one is compared with
TOTALS_KEPT = 50_000      # stored reports whose weight totals are kept (the most recently weighed): bounds memory
REWEIGH_AFTER = 1.5         # a stored report is weighed again when the counts grew by half since
SHARED_SETS = 50_000       # distinct small sets kept once for all reports (see StoryIndex._compact)
MONEY_TOLERANCE = 0.03
NUMBERS = frozenset({"n:", "%:"})    # '€405m' and 'rund 400 Millionen Euro' are one amount


class StoryIndex:
    """Recent reports with postings for lookup, and the story cluster each belongs to.

    Postings are kept per token and span of `WINDOW` hours, so that finding candidates reads only the reports
    within the window, however long the index has been running."""

    def __init__(self) -> None:
        self.reports: dict[int, Report] = {}
        self.cluster: dict[int, int] = {}
        self.members: dict[int, list[int]] = defaultdict(list)
        # span -> token -> the reports with it: one id or a list of ids. Most tokens of a large run
        # are in one report only, and a list and a (token, span) key cost ~150 bytes each per token
        # (measured: 40,000 realistic reports held ~30 MB in them).
        self.postings: dict[int, dict[str, int | list[int]]] = {}
        self.df: Counter[str] = Counter()                                  # token -> reports
        self.by_lang: dict[str, Counter[str]] = defaultdict(Counter)       # lang -> token -> reports
        self._totals: dict[int, tuple[int, float, float, float]] = {}     # see _stored
        self._codes: dict[float, int] = {}          # a token weight -> its code in Report.codes
        self._values: list[float] = []              # a code -> its weight
        self._sets: dict[frozenset[str], frozenset[str]] = {}
        self._spans: set[int] = set()
        texts, counts = background()
        self.prior_n = texts * BACKGROUND
        self.prior = {tok: n * BACKGROUND for tok, n in counts.items()}

    def add(self, item_id: int, cluster: int, story: Report) -> None:
        intern = sys.intern
        # One string per token (a report read in the crawl process arrives with its own copies);
        # mapped in C: a process's first batch adds 100,000 stored reports.
        new = story.tokens
        tokens = dict(zip(map(intern, new), new.values())) if isinstance(new, dict) else \
            {intern(tok): weight for tok, weight in _pairs(story, self._values)}
        story.headline = tuple(map(intern, story.headline))
        self._compact(story, tokens)
        self.reports[item_id], self.cluster[item_id] = story, cluster
        self.members[cluster].append(item_id)
        span = int(story.when // WINDOW)
        self._spans.add(span)
        postings, df = self.postings.setdefault(span, {}), self.df
        for tok in tokens:
            if tok[0] == "~":
                continue                # never finds candidates (_candidates): no postings
            seen = df.get(tok, 0)
            if seen < COMMON:
                have = postings.get(tok)
                if have is None:
                    postings[tok] = item_id
                elif type(have) is int:
                    postings[tok] = [have, item_id]
                else:
                    have.append(item_id)        # type: ignore[union-attr]  # a list, by the test above
            elif seen == COMMON:        # now too common to find candidates, for good (counts only grow)
                for old in self._spans:
                    self.postings.get(old, {}).pop(tok, None)
        df.update(tokens.keys())          # keys, not the mapping: counted in C
        self.by_lang[story.lang].update(tokens.keys())

    def _compact(self, story: Report, tokens: dict[str, float]) -> None:
        """A report as the index keeps it: its tokens a tuple and their weights one byte each, a code
        for one of the few dozen distinct weights (a dict of 50 tokens is 1,584 bytes, the tuple and
        the codes 520: 40,000 realistic reports held ~40 MB less); and one object for equal small
        sets (empty, or one platform's owner): most of a report's sets are empty, and an empty
        frozenset is 216 bytes each time."""
        codes, values = self._codes, self._values
        try:
            story.codes = bytes(map(codes.__getitem__, tokens.values()))
            story.tokens = tuple(tokens)
        except KeyError:    # a weight seen for the first time: give it a code
            for weight in tokens.values():
                if weight not in codes and len(values) < 256:
                    codes[weight] = len(values)
                    values.append(weight)
            if all(weight in codes for weight in tokens.values()):
                story.tokens, story.codes = tuple(tokens), bytes(map(codes.__getitem__, tokens.values()))
            else:           # more than 256 distinct weights (never seen): the report keeps its dict
                story.tokens, story.codes = tokens, b""
        sets = self._sets
        keep = len(sets) < SHARED_SETS
        for name in _SETS:
            value = getattr(story, name)
            same = sets.get(value)
            if same is None and keep:
                same = sets[value] = value
            if same is not None and same is not value:
                setattr(story, name, same)

    def match(self, story: Report, exclude: int | None = None) -> int | None:
        """The cluster of the most similar recent report that nothing sets apart, if similar enough."""
        reports = self.reports
        title = {tok for tok in story.headline if _specific(tok)}
        candidates = [other for other in self._candidates(story, exclude) if _may_match(story, title, reports[other])]
        if not candidates:          # most reports: nothing to weigh, no weights to compute
            return None
        mine = self.weighed(story)
        ranked = sorted(((score, other) for other in candidates
                         if (score := _ruzicka(mine, self._stored(other, mine), story.lang != reports[other].lang))
                         >= SIMILARITY), reverse=True)
        for _score, other in ranked:
            cluster = self.cluster[other]
            if self._fits(story, mine, self.members[cluster]):
                return cluster
        return None

    def _fits(self, story: Report, mine: _Weights, members: list[int]) -> bool:
        """Whether a report may join a story: no report of it is set apart from this one, and
        it is like the story's reports on average, not only like one of them (so that one
        shared name does not chain two stories)."""
        reports = self.reports
        if any(apart(story, reports[member]) for member in members):
            return False
        if len(members) < 2:
            return True
        recent = members[-MEMBERS:]
        mean = sum(_ruzicka(mine, self._stored(m, mine), story.lang != reports[m].lang) for m in recent) / len(recent)
        return mean >= SIMILARITY * STORY_LIKENESS

    def _candidates(self, story: Report, exclude: int | None) -> list[int]:
        """Reports within the window sharing the most of this one's rarest tokens."""
        df = self.df.get
        rare = sorted((n, tok) for tok in story.tokens if tok[0] != "~" and 0 < (n := df(tok, 0)) <= COMMON)[:RAREST]
        if not rare:
            return []
        span = int(story.when // WINDOW)
        shared: Counter[int] = Counter()
        spans = [found for near in (span - 1, span, span + 1) if (found := self.postings.get(near))]
        for _n, tok in rare:
            for postings in spans:
                posting = postings.get(tok)
                if posting is None:
                    continue
                if type(posting) is int:
                    shared[posting] += 1
                else:
                    shared.update(posting)      # type: ignore[arg-type]  # a list, by the test above
        if exclude is not None:
            shared.pop(exclude, None)
        reports = self.reports
        return [other for other, _n in shared.most_common(CANDIDATES * 2)
                if abs(reports[other].when - story.when) <= WINDOW][:CANDIDATES]

    def similarity(self, a: Report, b: Report) -> float:
        """Weighted Jaccard (Ruzicka) of two reports' tokens; across languages over what could be shared."""
        return _ruzicka(self.weighed(a), self.weighed(b), cross=a.lang != b.lang)

    def _stored(self, item_id: int, mine: _Weights) -> _Weights:
        """A stored report's weights as far as a comparison with `mine` needs them: its totals (mass,
        what another language could share, its local title words), kept until the counts (background
        and index) have grown by half (`REWEIGH_AFTER`), since rarity changes slowly; and the weights
        of the tokens it shares with `mine`, weighed now at the size its totals were weighed at.

        Candidates share a few tokens of some fifty: weighing only those costs a fifth of weighing
        the report (a first run of 30,000 realistic items weighed 80,000 stored reports, a third of
        the story step), and the totals are 4 numbers a report (whole weights kept for a first run of
        40,000 items were 130 MB)."""
        totals = self._totals.get(item_id)
        story = self.reports[item_id]
        if totals is None or len(self.reports) + 1 + self.prior_n > (totals[0] + self.prior_n) * REWEIGH_AFTER:
            full = self.weighed(story)
            if totals is None and len(self._totals) >= TOTALS_KEPT:
                del self._totals[next(iter(self._totals))]
            self._totals[item_id] = (full.n, full.mass, full.shareable, full.local_title)
            return full
        n, mass, shareable, local_title = totals
        vector, local = self._rarity(story, n, wanted=mine.vector)
        return _Weights(n, vector, mass, shareable, local, story.headline, local_title)

    def weighed(self, story: Report) -> _Weights:
        """A report's token weights times rarity among the reports in the index."""
        n = len(self.reports) + 1
        vector, local = self._rarity(story, n)
        total = sum(vector.values())
        return _Weights(n, vector, total, total - sum(vector[tok] for tok in local), local, story.headline,
                        sum(vector[tok] for tok in local.intersection(story.headline)))

    def _rarity(self, story: Report, n: int, wanted: Mapping[str, float] | None = None
                ) -> tuple[dict[str, float], set[str]]:
        """Each token's weight times its rarity at index size `n` (`wanted`: those tokens only), and
        the tokens seen in this report's language only: no other language can share them."""
        total_n = n + self.prior_n
        df, same, prior = self.df.get, self.by_lang[story.lang].get, self.prior.get
        pairs = _pairs(story, self._values)
        if wanted is not None:
            pairs = [(tok, weight) for tok, weight in pairs if tok in wanted]     # a few of some fifty
        vector: dict[str, float] = {}
        local: set[str] = set()
        log = math.log
        for tok, weight in pairs:
            count = df(tok, 0)
            vector[tok] = weight * (log(total_n / (count + prior(tok, 0.0) + 1)) + 1)
            if count <= same(tok, 0) and tok[0] not in ENTITY and tok[1:2] != ":":
                local.add(tok)
        return vector, local


@dataclass(slots=True)
class _Weights:
    n: int                     # index size when computed
    vector: dict[str, float]   # token -> weight x rarity
    mass: float
    shareable: float           # mass of what a report in another language could share
    local: set[str]            # tokens seen in this language only
    headline: tuple[str, ...]  # tokens of the title
    local_title: float         # mass of the local tokens in the title

    def unshared(self, f_title: float, f_rest: float, shared: set[str]) -> float:
        """The weight that counts against a match: shareable tokens fully, local ones by the
        factors for title and summary words, local ones that are shared after all fully."""
        rest = self.mass - self.shareable - self.local_title
        total = self.shareable + f_title * self.local_title + f_rest * rest
        for tok in shared & self.local:
            total += (1 - (f_title if tok in self.headline else f_rest)) * self.vector[tok]
        return total


def _pairs(story: Report, values: list[float]) -> Iterable[tuple[str, float]]:
    """A report's tokens with their weights, whether it is new (a dict) or kept in the index (codes)."""
    tokens = story.tokens
    if isinstance(tokens, dict):
        return tokens.items()
    return zip(tokens, map(values.__getitem__, story.codes), strict=True)


_SETS = ("parties", "named", "courts", "actors", "named_actors", "countries", "dates", "places")


def _specific(tok: str) -> bool:
    """A token that tells a story, not only its setting (see _ruzicka)."""
    return tok not in SETTING and tok[0] not in "#!" and tok[:2] != "y:"


def _may_match(a: Report, a_title: set[str], b: Report) -> bool:
    """Whether two reports share a specific token in a title (`a_title`: a's specific title tokens):
    without one, _ruzicka is 0 whatever the weights, so this is asked first, from the token sets
    alone (most candidates of a large run fail it, and need no weights then). A stored report's
    tokens are a tuple (StoryIndex._compact): they are walked once against the set, never searched."""
    at = a.tokens
    return any(tok in at and _specific(tok) for tok in b.headline) or not a_title.isdisjoint(b.tokens)


def _ruzicka(a: _Weights, b: _Weights, cross: bool) -> float:
    """Shared weight over all weight, where a word only one language has counts for
    `UNSHARED_WORDS` (`UNSHARED_TITLE_WORDS` in a title) when both reports are in that
    language (the same story is told in other words) and not at all across languages
    (it could not have been shared).

    Zero unless enough of what they share is specific (names, numbers, dates,
    subjects), some of it in a title: two reports sharing only the setting (a platform,
    the Commission, the DSA, the EU) are two stories in one setting, and two sharing
    only words further down (a feed's boilerplate) may be about anything."""
    va, vb = a.vector, b.vector
    shared = va.keys() & vb.keys()
    common = specific = 0.0
    headline = False
    for tok in shared:
        weight = min(va[tok], vb[tok])
        common += weight
        if _specific(tok):
            specific += weight
            headline = headline or tok in a.headline or tok in b.headline
    if specific < SPECIFIC * common or not headline:
        return 0.0
    f_title, f_rest = (0.0, 0.0) if cross else (UNSHARED_TITLE_WORDS, UNSHARED_WORDS)
    total = a.unshared(f_title, f_rest, shared) + b.unshared(f_title, f_rest, shared) - common
    return common / total if total > 0 else 0.0


def report_of(item: Item, when: datetime, title: str | None = None, summary: str | None = None) -> Report:
    """The story tokens of an item (`title`, `summary`: already folded, as the store has them).

    Items from the crawl come with their language and platforms; for any other (tests,
    imports) they are read from the text here, so that they cluster alike. X is also
    taken where a report names it bare ("EU fines X"), which the platform dictionary
    leaves alone unless the words around make it certain: for telling two stories
    apart, a report about X must not look like one about no company at all."""
    platforms, lang = list(item.platforms), item.lang
    if not item.annotated and not (platforms and lang):
        from classifiers import detect_language
        from classifiers.platforms import named_platforms
        platforms = platforms or named_platforms(item.title, item.summary)
        lang = lang or detect_language(item.text)
    if "x" not in platforms and "X" in item.title + item.summary[:300] and \
            _BARE_X.search(f"{item.title} {item.summary[:300]}"):
        platforms.append("x")
    if title is None or summary is None:
        return report(item.title, item.summary, platforms=platforms, when=when, lang=lang)
    return report(title, summary, platforms=platforms, when=when, lang=lang, folded=True)


def dated(story: Report, when: datetime) -> Report:
    """A report read earlier (in the crawl process) with the date the store gives its item."""
    story.when = hours(when)
    return story


_BARE_X = re.compile(r"(?<![\w./&+-])(?<!Gen )(?<!Model )(?<!Generation )(?<!Project )(?<!Type )(?<!Typ )(?<!Malcolm )"
                     r"X(?![\w&+/-]|'s? \w*[Ff]actor| Factor| Games)")


def apart(a: Report, b: Report) -> bool:
    """Whether two reports are about different events however alike they read: different
    companies, courts, amounts of money or numbers in the title, or too far apart in time."""
    if abs(a.when - b.when) > WINDOW:
        return True
    if a.parties and b.parties and not a.parties & b.parties:
        return True
    if a.named and b.named and not a.named & b.named and not (a.named | b.named) & OWNERS:
        return True               # Threads and Facebook: one owner, two apps, two stories
    courts_a, courts_b = COURTS.intersection(a.tokens), COURTS.intersection(b.tokens)
    if courts_a and courts_b and not courts_a & courts_b:
        return True
    if a.money and b.money and not any(_same_amount(x, y) for x in a.money for y in b.money):
        return True
    if conflicting(a, b):
        return True
    return _numbers_differ(a, b) or _numbers_differ(b, a)


def _numbers_differ(a: Report, b: Report) -> bool:
    """Whether the numbers in a's title are none of b's while b's title has numbers of its own
    ('Update 3' / 'Update 7', 'under-16s' / 'under-15s'): a title's number is its news. Amounts of
    money are left to `_same_amount` (`apart` asks it first): '$840 million' and '798 Millionen Euro'
    are one fine, converted, and were three stories and three alerts for one fine."""
    mine = [tok for tok in a.headline if tok[:2] in NUMBERS and not _is_money(tok, a)]
    theirs = [tok for tok in b.headline if tok[:2] in NUMBERS and not _is_money(tok, b)]
    return bool(mine) and bool(theirs) and not any(tok in b.tokens for tok in mine)


def _is_money(token: str, story: Report) -> bool:
    """Whether a number token of the story is one of its amounts of money."""
    try:
        value = float(token[2:])
    except ValueError:
        return False
    return any(math.isclose(value, amount, rel_tol=1e-6) for _, amount in story.money)


def _same_amount(x: tuple[str, float], y: tuple[str, float]) -> bool:
    if x[0] != y[0]:
        return True           # '$600m' and '€530m' may well be one amount converted
    return abs(x[1] - y[1]) <= MONEY_TOLERANCE * max(x[1], y[1])
