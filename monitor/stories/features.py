"""What a report says, in tokens that do not depend on its language.

A German and an English report of one story share names ("Mosseri", "Grok"), numbers
("405 Mio. Euro" and "€405m" are one amount), dates ("3. November", "November 3rd"),
laws, authorities and the common words that monitor/stories/vocabulary.py knows in both
languages ("Bußgeld" = "fine"). Those become tokens of one spelling; every other word is
kept as a light stem, which is what two reports in one language share besides.

Only the title and the start of the summary are read: that is where a report says what
happened; further down come background and other stories.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from monitor.stories.vocabulary import (
    ACTOR_GROUPS,
    ACTORS,
    CITIES,
    COUNTRIES,
    COURTS,
    KINDS,
    MONTHS,
    NUMBER_WORDS,
    OWNED,
    OWNERS,
    PARTY_GROUPS,
    ROUNDUP,
    ROUNDUP_PHRASES,
    SEATS,
    vocabulary,
)
from monitor.watch.text import fold

SUMMARY_WORDS = 40
SUMMARY_WEIGHT = 0.7      # a word only in the summary says less than one in the title

# weight of a number by what it is: an amount of money names one event, a small count many
NUMBER_KINDS = {"money": 2.5, "large": 2.0, "hundreds": 1.5, "tens": 1.2, "small": 0.8, "percent": 1.5,
                "year": 0.4, "date": 1.5}
PLAIN = 1.0

_STOP_WORDS = """
der die das den dem des ein eine einen einem einer eines und oder aber mit von fuer auf aus bei nach
ueber unter vor zum zur im in am an als auch dass nicht nur noch mehr wie was wer wird werden
wurde sind ist hat haben kann koennen soll sollen jetzt neue neuen neuer neues sich sie er es wir ihr
ihre ihren seine seinen sein euch eure euren euer man mal so schon bald kuenftig kunftig kuenftige kuenftigen
heute gestern morgen seit bis ab per pro via zu zudem sowie ohne gegen durch um weil wenn doch damit dabei
nun hier dort alle allen alles viele vielen einige weitere weiteren weiter erst erstmals erste ersten ersten
laut dazu darauf davon wieder immer etwa rund knapp fast bereits sogar wohl ganz gibt geht gilt gelten
diese dieser dieses diesen diesem jeder jede jedes beim vom ins aufs muss muessen darf duerfen will wollen
the a an and or but with from for on in at of to by as is are was were be been has have had will would
can could should may might must new now its it this that these those their they you your our how what why
when who whom which more most about after over into than then also just says said say amp not no yes
all any some many much other another first last next up out off here there still again only even very
today soon week weeks day days year years month months time times way ways get gets got make makes made
one ones its it's s t re ll ve d m
macht machen laesst lassen bleibt bleiben kommt kommen geht gehen steht stellt setzt sagt sagte zeigt zeigen
sieht sehen heisst gilt nutzt genutzt gibt geben wurden worden waere hatte hatten sein seit soll
lets let allows allow brings bring takes take gives give puts put comes come goes going gets using use uses
now finally new also just will would could says told according report reports reported
under unter opens open looks look looking within between among amid against despite
"""
_STOP = frozenset(_STOP_WORDS.split())

_WORD = re.compile(r"[a-z0-9](?:[a-z0-9+#.&-]*[a-z0-9+#])?")
_DIGIT = re.compile(r"\d")
# Each pattern starts with a look-ahead at what its match must begin with: Python's engine then
# skips the other positions at once instead of trying the pattern at every one (the same
# matches; _NUMBER 2.8x, the dates 1.2-1.6x faster on realistic text).
_DATE_DMY = re.compile(r"(?=\d)\b(\d{1,2})\.\s?(\d{1,2})\.(?:\s?(\d{4}))?")
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_DATE_DM = re.compile(rf"(?=\d)\b(\d{{1,2}})(?:\.|st|nd|rd|th)?\s(?:of\s)?({_MONTH_NAMES})\b\.?(?:\s(\d{{4}}))?")
_MONTH_INITIALS = "".join(sorted({re.escape(name[0]) for name in MONTHS}))
_DATE_MD = re.compile(rf"(?=[{_MONTH_INITIALS}])\b({_MONTH_NAMES})\.?\s(\d{{1,2}})(?:st|nd|rd|th)?\b(?!\.\d)"
                      rf"(?:,?\s(\d{{4}}))?")
_MAGNITUDE = {"mio": 1e6, "millionen": 1e6, "million": 1e6, "millions": 1e6, "mn": 1e6, "m": 1e6,
              "mrd": 1e9, "milliarden": 1e9, "milliarde": 1e9, "billion": 1e9, "billions": 1e9, "bn": 1e9, "b": 1e9,
              "tsd": 1e3, "tausend": 1e3, "thousand": 1e3, "k": 1e3}
_CURRENCY = {"€": "eur", "eur": "eur", "euro": "eur", "euros": "eur", "$": "usd", "usd": "usd", "dollar": "usd",
             "dollars": "usd", "us-dollar": "usd", "a$": "aud", "£": "gbp", "pfund": "gbp", "pound": "gbp",
             "pounds": "gbp"}
_NUMBER = re.compile(
    r"(?=[a€$£eu\s\d])(?=(?:a\$|[€$£]|eur|usd)?\s?\d)"
    r"(?P<before>a\$|€|\$|£|\beur\b|\busd\b)?\s?(?P<num>(?<![\w.,])\d+(?:[.,]\d+)*)"
    r"(?:\s?-?(?P<mag>mio\b\.?|millionen|millions?\b|mn\b|m\b|mrd\b\.?|milliarden?|billions?\b|bn\b|b\b|tsd\b\.?"
    r"|tausend|thousand|k\b))?"
    r"(?:\s?(?P<after>euros?\b|eur\b|€|us-dollars?|dollars?\b|usd\b|pfund\b|pounds?\b|£"
    r"|prozent\b|percent\b|per cent\b|%))?")


@dataclass(slots=True)
class Report:
    """One report's story tokens, with what is needed to keep different stories apart."""
    # token -> weight before rarity (kind, and title or summary); in the story index a tuple of the
    # tokens with their weights' codes in `codes` (StoryIndex.add: a third of the dict's memory)
    tokens: dict[str, float] | tuple[str, ...]
    headline: tuple[str, ...]         # the tokens of the title (a tuple: a sixth of a frozenset's memory)
    parties: frozenset[str]           # owners of the companies and platforms it is about
    named: frozenset[str]             # the apps of an owner the text names ('@threads'; '@meta': the owner)
    money: tuple[tuple[str, float], ...]   # (currency, amount) it names
    when: float                       # hours since the epoch (publication, else arrival)
    lang: str
    courts: frozenset[str] = frozenset()     # '#lg' or, with the city it sits in, '#lg/!muenchen'
    actors: frozenset[str] = frozenset()     # authorities acting: those its title names
    named_actors: frozenset[str] = frozenset()   # every authority the report names
    countries: frozenset[str] = frozenset()  # the countries its title names
    roundup: bool = False                    # a round-up of the week's news, not one story
    dates: frozenset[str] = frozenset()      # the dates its title names
    places: frozenset[str] = frozenset()     # every country it names, or names an authority or court of
    codes: bytes = b""                       # in the story index: each token's weight, as a code (see tokens)


def report(title: str, summary: str = "", *, platforms: tuple[str, ...] | list[str] = (),
           when: datetime | float | None = None, lang: str | None = None, folded: bool = False) -> Report:
    """The story tokens of one item (`folded`: title and summary already passed through fold)."""
    if not folded:
        title, summary = fold(title), fold(summary)
    summary = " ".join(summary.split(None, SUMMARY_WORDS)[:SUMMARY_WORDS])
    tokens: dict[str, float] = {}
    money: list[tuple[str, float]] = []
    courts: set[str] = set()
    _read(title, 1.0, tokens, money, courts)
    _court_tokens(courts, 1.0, tokens)
    headline = tuple(tokens)
    _read(summary, SUMMARY_WEIGHT, tokens, money, courts)     # the title's weight wins where both have a token
    _court_tokens(courts, SUMMARY_WEIGHT, tokens)
    named = frozenset(t for t in tokens if t in OWNED)
    for platform in platforms:
        tokens.setdefault("@" + platform, KINDS["@"])
    parties = frozenset(PARTY_GROUPS.get(t, t[1:]) for t in tokens if t[0] == "@")
    named_actors = frozenset(ACTOR_GROUPS.get(t, t) for t in tokens if t in ACTORS)
    actors = frozenset(ACTOR_GROUPS.get(t, t) for t in headline if t in ACTORS)
    return Report(tokens, headline, parties, named, tuple(money), hours(when), lang or "",
                  frozenset(courts), actors, named_actors, COUNTRIES.intersection(headline), _is_roundup(title),
                  frozenset(t for t in headline if t[:2] == "d:"),
                  frozenset(SEATS.get(t, t) for t in tokens if t in COUNTRIES or t in SEATS))


def _court_tokens(courts: set[str], position: float, tokens: dict[str, float]) -> None:
    """A court in its city ('LG Berlin', 'Berlin Regional Court') is specific, as a name is; a kind
    of court alone ('Landgericht') is the setting."""
    for court in courts:
        if "/" in court:
            _put(tokens, "+" + court[1:].replace("/!", "-"), KINDS["+"] * position)


_ROUNDUP = re.compile("|".join([r"\b(?:" + "|".join(re.escape(w) for w in sorted(ROUNDUP)) + r")\b", r"rueckblick\b"]
                              + [re.escape(p) for p in ROUNDUP_PHRASES]))


def _is_roundup(title: str) -> bool:
    """Whether a (folded) title announces a round-up of the week ('Wochenrückblick', 'This week in')."""
    return _ROUNDUP.search(title) is not None


def conflicting(a: Report, b: Report) -> bool:
    """Whether two reports name different actors of one kind, so that however alike they read
    they are two stories: titles about two apps of one owner, two courts (or one kind of court in
    two cities), two authorities acting in their titles (unless one report names both), two
    countries in their titles (unless one report names the other's, or an authority of it), two
    dates in their titles, or a round-up of the week beside a single story."""
    if a.roundup != b.roundup:
        return True
    apps_a, apps_b = a.named.intersection(a.headline), b.named.intersection(b.headline)
    if apps_a and apps_b and not apps_a & apps_b and not (apps_a | apps_b) & OWNERS:
        return True              # titles about two apps of one owner (Facebook's news tab, WhatsApp's ads)
    if a.courts and b.courts and _courts_differ(a.courts, b.courts):
        return True
    if a.actors and b.actors and not a.actors & b.named_actors and not b.actors & a.named_actors:
        return True
    if a.countries and b.countries and not a.countries & b.places and not b.countries & a.places:
        return True
    return bool(a.dates) and bool(b.dates) and not a.dates & b.dates


def _courts_differ(a: frozenset[str], b: frozenset[str]) -> bool:
    """Different kinds of court, or the same kind with a different city on both sides."""
    kinds_a, kinds_b = {c.split("/")[0] for c in a}, {c.split("/")[0] for c in b}
    shared = kinds_a & kinds_b
    if not shared:
        return True
    for kind in shared:
        cities_a = {c for c in a if c.startswith(kind + "/")}
        cities_b = {c for c in b if c.startswith(kind + "/")}
        if cities_a and cities_b and not cities_a & cities_b:
            return True
    return False


def hours(when: datetime | float | None) -> float:
    if when is None:
        return datetime.now(UTC).timestamp() / 3600
    if isinstance(when, datetime):
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return when.timestamp() / 3600
    return float(when)


def _read(text: str, position: float, tokens: dict[str, float], money: list[tuple[str, float]],
          courts: set[str]) -> None:
    """Add the tokens of one part of the text (title or summary) at its position's weight."""
    if not text:
        return
    text = text.replace("’", "'")
    if _DIGIT.search(text):
        text = _dates(text, position, tokens)
        text = _numbers(text, position, tokens, money)
    _words(_WORD.findall(text), position, tokens, courts)


def _put(tokens: dict[str, float], token: str, weight: float) -> None:
    if weight > tokens.get(token, 0.0):
        tokens[token] = weight


def _dates(text: str, position: float, tokens: dict[str, float]) -> str:
    """'3. November', 'November 3rd', '24.10.' -> d:11-3 ...; the text without them."""
    weight = NUMBER_KINDS["date"] * position

    def day_month(day: str, month: int, year: str | None) -> str:
        if 1 <= int(day) <= 31 and 1 <= month <= 12:
            _put(tokens, f"d:{month}-{int(day)}", weight)
            if year:
                _put(tokens, f"y:{year}", NUMBER_KINDS["year"] * position)
        return " "

    text = _DATE_DMY.sub(lambda m: day_month(m[1], int(m[2]), m[3]), text)
    text = _DATE_DM.sub(lambda m: day_month(m[1], MONTHS[m[2]], m[3]), text)
    return _DATE_MD.sub(lambda m: day_month(m[2], MONTHS[m[1]], m[3]), text)


def _numbers(text: str, position: float, tokens: dict[str, float], money: list[tuple[str, float]]) -> str:
    """Amounts, percentages, counts and years as n:/%:/y: tokens of one spelling; the text without them."""
    def one(m: re.Match) -> str:
        value = _value(m["num"])
        if value is None:
            return m[0]
        after = (m["after"] or "").strip()
        if after in ("%", "prozent", "percent", "per cent"):
            _put(tokens, f"%:{value:.3g}", NUMBER_KINDS["percent"] * position)
            return " "
        mag = (m["mag"] or "").rstrip(".")
        value *= _MAGNITUDE.get(mag, 1.0)
        currency = _CURRENCY.get(m["before"] or "") or _CURRENCY.get(after)
        if currency:
            money.append((currency, value))
            kind = "money"
        elif not mag and 1990 <= value <= 2039 and value == int(value):
            _put(tokens, f"y:{int(value)}", NUMBER_KINDS["year"] * position)
            return " "
        else:
            kind = "large" if mag else "hundreds" if value >= 100 else "tens" if value >= 10 else "small"
        # An amount of money to two digits: '798 Millionen Euro' and 'knapp 800 Millionen Euro' are one
        # fine and share its token; two fines are told apart by `clusters.apart`, which reads the
        # amounts themselves (`money`) to 3 %.
        _put(tokens, f"n:{value:.2g}" if kind == "money" else f"n:{value:.3g}", NUMBER_KINDS[kind] * position)
        return " "
    return _NUMBER.sub(one, text)


def _value(digits: str) -> float | None:
    """'1.200' and '1,200' -> 1200; '2,95' and '2.95' -> 2.95 (groups of three are thousands)."""
    seps = [ch for ch in digits if ch in ".,"]
    if not seps:
        return float(digits)
    if len(set(seps)) == 2:
        decimal = digits[max(digits.rfind("."), digits.rfind(","))]
        whole, _, frac = digits.rpartition(decimal)
        return float(whole.replace("." if decimal == "," else ",", "") + "." + frac)
    groups = re.split(r"[.,]", digits)
    if all(len(g) == 3 for g in groups[1:]):
        return float("".join(groups))
    if len(groups) == 2:
        return float(f"{groups[0]}.{groups[1]}")
    return None


def _words(words: list[str], position: float, tokens: dict[str, float], courts: set[str]) -> None:
    phrases = vocabulary().phrases
    skip = 0
    seen: list[tuple[int, str]] = []        # (index of the last word, token) of courts and cities, for _courts
    for i, word in enumerate(words):
        if skip:
            skip -= 1
            continue
        if word in phrases:
            for parts, token in phrases[word]:
                if tuple(words[i:i + len(parts)]) == parts:
                    _put(tokens, token, KINDS[token[0]] * position)
                    skip = len(parts) - 1
                    if token in _PLACED:
                        seen.append((i + skip, token))
                    break
            if skip:
                continue
        if word == "ag" and i + 1 < len(words) and any(t in CITIES for t, _w in _lookup(words[i + 1])):
            _put(tokens, "#ag", KINDS["#"] * position)       # 'AG München': the local court, not a company
            seen.append((i, "#ag"))
            continue
        for token, weight in _lookup(word):
            weight *= position
            if weight > tokens.get(token, 0.0):
                tokens[token] = weight
            if token in _PLACED:
                seen.append((i, token))
    if seen:
        _courts(seen, courts)


_PLACED = COURTS | CITIES


def _courts(seen: list[tuple[int, str]], courts: set[str]) -> None:
    """Courts with the city two words before or after them ('LG München I', 'Landgericht Berlin',
    'Munich Regional Court', 'Regional Court of Cologne'); courts without one by their kind."""
    for i, court in seen:
        if court not in COURTS:
            continue
        near = [(abs(j - i), city) for j, city in seen if city in CITIES and 0 < abs(j - i) <= 2]
        courts.add(f"{court}/{min(near)[1]}" if near else court)


def forget_words() -> None:
    """Empty the word cache (a process done with reading stories gives its memory back)."""
    _lookup.cache_clear()


@lru_cache(maxsize=200_000)
def _lookup(word: str) -> tuple[tuple[str, float], ...]:
    """The tokens of one folded word, with their weights (cached: a run meets the same words again and again)."""
    vocab = vocabulary()
    token = vocab.words.get(word)
    if token:
        return ((token, KINDS[token[0]]),)
    if word in _STOP or len(word) < 2:
        return ()
    if word in NUMBER_WORDS:
        value = NUMBER_WORDS[word]
        return ((f"n:{value:.3g}", NUMBER_KINDS["tens" if value >= 10 else "small"]),)
    if "-" in word:
        return tuple(dict.fromkeys(t for part in word.split("-") if part for t in _lookup(part)))
    stem = _stem(word)
    token = vocab.words.get(stem)
    if token:
        return ((token, KINDS[token[0]]),)
    if len(word) < 3 and not any(ch.isdigit() for ch in word):
        return ()
    found = [(stem, PLAIN)]
    if len(word) >= 8:
        found += [(t, KINDS[t[0]]) for t in vocab.compound(word)]
    return tuple(found)


def _stem(word: str) -> str:
    """Very light: plural and case endings of German and English, so forms meet (interned: the
    story index holds the same few thousand stems for tens of thousands of items)."""
    for suffix in ("ungen", "en", "es", "er", "s", "e", "n"):
        if len(word) > 5 and word.endswith(suffix):
            return sys.intern(word[: -len(suffix)])
    return sys.intern(word)


ENTITY = frozenset("@#+~!")    # first characters of vocabulary tokens; numbers and dates have "x:"


def is_entity(token: str) -> bool:
    """Whether a token is the same in every language (a vocabulary token, a number or a date)."""
    return token[0] in ENTITY or token[1:2] == ":"
