"""Terms worth tracking in a title and summary: platforms, hashtags and 1-3 word phrases.

Every term has a *key* under which near-identical forms meet: case, umlauts and
accents folded, light German/English inflection stripped (-e, -en, -ln, -rn, -s,
-es, -ies), hyphen and space treated alike. So 'Broadcast-Kanal', 'Broadcast-Kanäle'
and 'broadcast kanäle' share the key 'broadcast kanal'. A hyphenated word counts
as one word and is never split into its parts. Phrases are 1-3 words (at most 4
counting the parts of hyphenated ones) inside a run between punctuation and stop
words, so 'Digital Services Act' survives whole.

Keys start with '@' for platforms and '#' for hashtags; phrases are plain words.
Everything about a token (its key, its words, the platform or hashtag it names) is
worked out once per distinct token, because trends read 100,000 items and the
vocabulary is far smaller than the text.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from classifiers.labels import PLATFORM_ALIASES, PLATFORM_NAMES, platform_label

PLATFORM, HASHTAG, PHRASE = "platform", "hashtag", "phrase"
MAX_WORDS = 3                # tokens in a phrase; a hyphenated word is one token
MAX_PHRASE_WORDS = 4         # words in a phrase, counting each part of a hyphenated word
MIN_STEM = 4                 # letters a stem keeps: 'euren' must not become 'eur'
SUMMARY_CHARS = 400          # the lead of a summary carries its topic; the rest costs time and adds noise


# Words that name a platform: they make a platform term, not a one-word phrase of their own.
_ALIASES = {name: name for name in PLATFORM_NAMES if name not in ("threads", "messenger", "x")} | PLATFORM_ALIASES
# X is a letter too: only 'on X', 'X (formerly Twitter)', 'X-Chef' and the like name the platform.
# It starts with the literal X so the engine jumps from X to X: scanning every position costs 200 times more.
_X = re.compile(r"X\b(?:(?<=\bon X)|(?<=\bauf X)|(?<=\bbei X)|(?<=\bvia X)|(?<=\bvon X)|(?<=\bfrom X)"
                r"|(?=\s*\((?:formerly|früher|ehemals|vormals))|(?=-(?:Chef|CEO|Premium|Nutzer|Konto)\b)"
                r"|(?=\s(?:Premium|Corp|CEO)\b))(?<!\wX)")

_STOP_DE = """
aber alle allem allen aller alles als also am an andere anderen auch auf aus außer bei beim bereits bis bisher bzw
da dabei dafür dagegen daher damit dann darauf darüber das dass davon dazu dem den denen denn der deren des dessen
dich die dies diese diesem diesen dieser dieses dir doch dort du durch ein eine einem einen einer eines einige
einmal er es etwa etwas euch euer eure euren eurem eurer eures für gab gegen gibt hat hatte hätte haben habe
hier hin hinter ich ihm ihn ihnen
ihr ihre ihrem ihren ihrer im immer in indem ins ist ja jede jedem jeden jeder jedes jetzt kann kein keine können
könnte man mehr mein meine mit muss müssen nach neben nein nicht nichts noch nun nur ob oder ohne sehr sein seine
seinem seinen seiner sich sie sind so soll sollen sollte sowie statt um und uns unser unsere unter viel viele vom
von vor wann war wäre waren warum was weil weiter welche welchen welcher wenn wer werden wie wieder will wir wird
wo wurde wurden zu zum zur zwar zwischen über neu neue neuen neuer neues heute morgen gestern jahr jahre woche
wochen tag tage monat monate ab sofort bald künftig zudem sogar schon ganz gut mal beitrag beiträge artikel
weiterlesen mehr erfahren lesen hier klicken quelle foto bild bilder laut sagt sagte erklärt zeigt gibt geben
bringt startet testet führt kommt macht plant erste ersten zweite drei vier fünf zehn ehemals früher vormals
januar februar märz april mai juni juli august september oktober november dezember
montag dienstag mittwoch donnerstag freitag samstag sonntag
starten gestartet testen getestet kommen führen eingeführt bringen gebracht zeigen erhalten erhält bekommen
bekommt ändern ändert geändert planen wollen können dürfen darf erweitert erweitern verbessert verbessern
veröffentlicht stellt stellen vorgestellt setzt setzen bietet bieten angekündigt kündigt
"""
_STOP_EN = """
a about above after again against all also am an and any are around as at be because been before being below
between both but by can could did do does doing don't down during each even ever every few for from further get
gets got had has have having he her here hers him his how however i if in into is it its itself just let like
make makes many may me might more most much must my new no nor not now of off on once one only or other our out
over own per same she should since so some still such than that the their them then there these they this those
through to too two under until up upon us very via was we were what when where which while who whom why will with
within without would yet you your read more continue reading full learn click here source photo image today
yesterday tomorrow week weeks year years month months day days says said announces announced launches launched
introduces rolls rolling brings begins starts tests testing adds added update updates news post posts appeared
first three four five ten formerly previously
january february march april june july august october november december
monday tuesday wednesday thursday friday saturday sunday
launch launched launching tested rolled expand expands expanded expanding add adding introduce introduced
get getting bring brought begin began started available coming comes come arrives arrive plans planning wants
want offers offering making allow allows allowing lets help helps see sees shows shown reveals revealed confirms
confirmed announce announcing unveils unveiled releases released
"""
_LINK = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
# WordPress and friends append these to every summary; 'read more' and the like are stop words.
_BOILERPLATE = re.compile(
    r"the post\b.{0,300}?\bappeared first on\b[^\n]{0,200}|der beitrag\b.{0,300}?\berschien zuerst auf\b[^\n]{0,200}"
    r"|read the full (?:story|article)", re.IGNORECASE | re.DOTALL)
_POSSESSIVE = re.compile(r"(?<=\w)['’]s\b")
# A hashtag or word (hyphens and apostrophes keep it whole; trailing ones are stripped later),
# or one other character: a phrase boundary. The simplest pattern that does it is the fastest.
_TOKEN = re.compile(r"[#\w][\w'’‐‑-]*|[^\w\s]")
_FOLD = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss", "’": "'", "‐": "-", "‑": "-"})
_HYPHENS = re.compile(r"[-‐‑]")
_SPECIAL = 1 << 62                     # codes of platforms and hashtags start here; phrase hashes stay below
_MASK = np.uint64(_SPECIAL - 1)
_PRIME = np.uint64(0x100000001B3)      # FNV-1a's 64-bit prime and offset basis
_SEED = np.uint64(0xCBF29CE484222325)


def fold(word: str) -> str:
    """Lower case with umlauts and accents folded to their base letter ('Kanäle' -> 'kanale')."""
    folded = word.casefold().translate(_FOLD)
    if folded.isascii():
        return folded
    return "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))


def stem(word: str) -> str:
    """Strip plural and inflection endings (DE -e/-en/-ln/-rn/-s/-es, EN -s/-es/-ies), at most twice.

    Deliberately light: it only has to make the forms of one word meet, never to be a
    linguist's stem ('kanale' -> 'kanal', 'communities' -> 'community', 'games' -> 'game').
    A stem keeps at least four letters, so that an ending never turns a word into another,
    shorter one: 'euren' stays 'euren' and is not counted as 'EUR', 'tokens' stops at 'token'.
    """
    for _ in range(2):
        if len(word) <= MIN_STEM:
            return word
        if word.endswith("ies"):
            return word[:-3] + "y"
        for suffix in ("en", "es", "e", "ln", "rn", "s"):
            cut = 1 if suffix in ("ln", "rn") else len(suffix)
            if word.endswith(suffix) and not word.endswith("ss") and len(word) - cut >= MIN_STEM:
                word = word[:-cut]
                break
        else:
            return word
    return word


STOP_WORDS = frozenset(fold(w) for w in (_STOP_DE + _STOP_EN).split())
_PLATFORM_KEYS = frozenset(stem(fold(w)) for w in [*PLATFORM_NAMES, *PLATFORM_ALIASES] if len(w) > 1)


def term_key(text: str) -> str:
    """The key of any written form of a phrase: 'Broadcast-Kanäle' and 'broadcast kanäle' give the same."""
    words = _HYPHENS.sub(" ", fold(text.strip())).split()
    return " ".join(stem(w) for w in words)


def kind_of(key: str) -> str:
    return PLATFORM if key.startswith("@") else HASHTAG if key.startswith("#") else PHRASE


def key_words(key: str) -> tuple[str, ...]:
    """The words a term is made of, for telling whether a longer phrase contains it."""
    if key.startswith("@"):
        return (stem(key[1:]),)
    return tuple(key.split())


def looks_like_name(surface: str) -> bool:
    """'Digital Services Act', 'Reels', 'broadcast channels': yes; 'Bluesky wächst', 'EU prüft', 'wächst': no.

    German writes nouns capitalised and verbs not, so a phrase that mixes the two is
    mostly a noun and its verb rather than a name, and a lone lowercase word is rarely
    what a story is about. (An all-lowercase phrase is how English writes many names.)
    """
    caps = [w[0].isupper() or w[0].isdigit() for w in surface.lstrip("#").split()]
    return all(caps) or (len(caps) > 1 and not any(caps))


def platform_display(key: str) -> str:
    return platform_label(key.lstrip("@"))


@dataclass(frozen=True)
class Term:
    key: str
    surface: str
    kind: str


@dataclass
class Mentions:
    """The terms of a batch of items as arrays: mention n is term `code[n]` in item `item[n]`.

    A code is a 62-bit hash of the phrase's word ids (or a small number above 2**62 for
    a platform or hashtag); `start` and `length` locate a phrase in `words` so that
    `TermExtractor.key_of` can spell it out again.
    """
    item: np.ndarray
    code: np.ndarray
    start: np.ndarray
    length: np.ndarray
    words: np.ndarray


class TermExtractor:
    """Turns titles and summaries into term keys: one item at a time (`keys`, `terms`) or
    a whole batch at once (`batch`), which is what trends use for 100,000 items.

    Python cannot afford to build every 1-3 word phrase of 100,000 items as a string, so
    `batch` maps each distinct token once to its word ids (a hyphenated token to several,
    glued together) and finds, hashes and checks the phrases with numpy over the whole
    batch. `terms` is the plain per-item reading of the same rules; a test keeps them equal.
    """

    def __init__(self, find_platforms: Callable[[str], Iterable[str]] | None = None):
        self._find_platforms = find_platforms
        self._token_index: dict[str, int] = {}       # token -> row of the token table below
        self._token_key: list[str] = []              # word key, '' when the token ends a phrase
        self._token_special: list[int] = []          # id of the platform or hashtag it names, else 0
        self._offsets: list[int] = []                # where its word ids start in _flat_words
        self._lengths: list[int] = []                # how many (a hyphenated token has several)
        self._flat_words: list[int] = []             # word ids, 0 for a phrase end
        self._flat_glue: list[bool] = []             # part of the same hyphenated token as the word before
        self._word_ids: dict[str, int] = {"": 0}
        self._words: list[str] = [""]
        self._platform_word: list[bool] = [False]
        self._special_ids: dict[str, int] = {"": 0}
        self._specials: list[str] = [""]
        self._table: tuple[np.ndarray, ...] | None = None

    # ------------------------------------------------------------------ one item
    def keys(self, title: str, summary: str = "") -> set[str]:
        """Term keys of one item, e.g. {'@instagram', '#reel', 'broadcast kanal', 'digital servic act'}."""
        return {t.key for t in self.terms(title, summary)}

    def terms(self, title: str, summary: str = "") -> list[Term]:
        """The terms of one item with the form they were written in."""
        text = clean_text(title, summary)
        tokens = self._learn_all(_TOKEN.findall(text))
        found = {key: Term(key, platform_display(key), PLATFORM) for key in self._item_platforms(text, tokens)}
        run: list[tuple[str, str]] = []
        for token in tokens:
            row = self._token_index[token]
            key = self._token_key[row]
            if not key:
                special = self._specials[self._token_special[row]]
                if special.startswith("#"):
                    found.setdefault(special, Term(special, token, HASHTAG))
                run.clear()
                continue
            run.append((key, token))
            for n in range(1, min(len(run), MAX_WORDS) + 1):
                joined = " ".join(k for k, _ in run[-n:])
                if (n > 1 or key not in _PLATFORM_KEYS) and joined.count(" ") < MAX_PHRASE_WORDS:
                    found.setdefault(joined, Term(joined, " ".join(w for _, w in run[-n:]), PHRASE))
        return list(found.values())

    # ------------------------------------------------------------------ many items
    def batch(self, texts: Iterable[tuple], only_words: Iterable[str] | None = None) -> Mentions:
        """Every term mention of every (title, summary) or (title, summary, known platforms), as arrays.

        Known platforms (what the pipeline stored, from `classifiers.find_platforms`) are
        added to those the words show; `find_platforms` is not run again per item here.
        With `only_words`, phrases holding any other word are skipped (they are not wanted).
        """
        rows = array("q")                              # token table rows, item after item
        per_item: list[int] = []
        extra: list[tuple[int, int]] = []              # platforms that tokens alone do not show
        index, end = self._token_index, self._row(".")  # '.': no phrase runs on into the next item
        row_of, x_code = index.__getitem__, _SPECIAL + self._special_id("@x")
        for n, (title, summary, *known) in enumerate(texts):
            text = clean_text(title, summary)
            found = _TOKEN.findall(text)
            before = len(rows)
            try:                                        # new tokens are rare once the vocabulary is known
                rows.extend(map(row_of, found))
            except KeyError:
                del rows[before:]
                for token in set(found).difference(index):
                    self._learn(token)
                rows.extend(map(row_of, found))
            rows.append(end)
            per_item.append(len(found) + 1)
            if known and known[0]:
                extra += [(n, _SPECIAL + self._special_id("@" + name)) for name in known[0]]
            if "X" in text and _X.search(text):
                extra.append((n, x_code))
        table_rows = np.frombuffer(rows, dtype=np.int64) if rows else np.zeros(0, dtype=np.int64)
        token_item = np.repeat(np.arange(len(per_item), dtype=np.int64), per_item)
        extra_item, extra_code = (np.array(column, dtype=np.int64) for column in (zip(*extra) if extra else ([], [])))
        parts = [self._phrases(table_rows, token_item, only_words), self._special_mentions(table_rows, token_item),
                 _mentions(extra_item, extra_code)]
        item, code, start, length = (np.concatenate([p[n] for p in parts]) for n in range(4))
        return Mentions(item, code, start, length, words=parts[0][4])

    def key_of(self, mentions: Mentions, n: int) -> str:
        """The key of mention `n`: '@instagram', '#reel', 'broadcast kanal start'."""
        code = int(mentions.code[n])
        if code >= _SPECIAL:
            return self._specials[code - _SPECIAL]
        start, length = int(mentions.start[n]), int(mentions.length[n])
        return " ".join(self._words[w] for w in mentions.words[start:start + length])

    def _phrases(self, rows: np.ndarray, token_item: np.ndarray,
                 only_words: Iterable[str] | None = None) -> tuple[np.ndarray, ...]:
        """Phrase mentions: runs of 1-3 tokens (at most 4 words) without a phrase end, never
        starting or ending inside a hyphenated word, as hashes of their word ids.

        Grown one word at a time from every possible first word; a start drops out as soon
        as its run meets a phrase end or holds too many tokens, so the arrays shrink.
        """
        flat_words, flat_glue, offsets, lengths, platform_word = self._word_table()
        counts = lengths[rows]
        ends = np.cumsum(counts)
        pick = np.repeat(offsets[rows] - (ends - counts), counts) + np.arange(int(ends[-1]) if len(ends) else 0)
        words = np.append(flat_words[pick], 0)          # a phrase end after the last word
        if only_words is not None:
            keep = np.zeros(len(self._words), dtype=bool)
            keep[[self._word_ids[w] for w in only_words if w in self._word_ids]] = True
            words[~keep[words]] = 0
        glue = np.append(flat_glue[pick], False)
        word_item = np.repeat(token_item, counts)
        first = np.flatnonzero((words != 0) & ~glue)
        code = (words[first].astype(np.uint64) ^ _SEED) * _PRIME
        tokens = np.ones(len(first), dtype=np.int64)
        out = []
        for size in range(1, MAX_PHRASE_WORDS + 1):
            if size > 1:
                last = words[first + size - 1]
                tokens += ~glue[first + size - 1]
                go_on = (last != 0) & (tokens <= MAX_WORDS)
                first, code, tokens = first[go_on], code[go_on], tokens[go_on]
                code = (code ^ last[go_on].astype(np.uint64)) * _PRIME
            whole = ~glue[first + size]                  # the next word does not belong to this token
            if size == 1:
                whole &= ~platform_word[words[first]]
            at = first[whole]
            out.append((word_item[at], (code[whole] & _MASK).astype(np.int64), at, np.full(len(at), size)))
        return (*(np.concatenate([o[n] for o in out]) for n in range(4)), words)

    def _special_mentions(self, rows: np.ndarray, token_item: np.ndarray) -> tuple[np.ndarray, ...]:
        special = np.array(self._token_special, dtype=np.int64)[rows] if len(rows) else rows
        hit = special > 0
        return _mentions(token_item[hit], _SPECIAL + special[hit])

    # ------------------------------------------------------------------ the token table
    def _learn_all(self, tokens: list[str]) -> list[str]:
        for token in set(tokens).difference(self._token_index):
            self._learn(token)
        return tokens

    def _row(self, token: str) -> int:
        if token not in self._token_index:
            self._learn(token)
        return self._token_index[token]

    def _learn(self, token: str) -> None:
        self._token_index[token] = len(self._token_key)
        key = _token_key(token)
        self._token_key.append(key)
        words = [self._word_id(w) for w in key.split()] or [0]
        self._offsets.append(len(self._flat_words))
        self._lengths.append(len(words))
        self._flat_words += words
        self._flat_glue += [False] + [True] * (len(words) - 1)
        special = ""
        if token[0] == "#":
            tag = fold(token[1:]).strip("-'")
            special = "#" + stem(tag) if len(tag) >= 2 and not tag.isdigit() else ""
        elif platform := _platform_named(token):
            special = "@" + platform
        self._token_special.append(self._special_id(special) if special else 0)
        self._table = None

    def _word_table(self) -> tuple[np.ndarray, ...]:
        """The token table as arrays: every token's word ids one after another, whether each
        word is glued to the one before (parts of a hyphenated word), each token's offset
        and length in them, and for each word id whether it names a platform."""
        if self._table is None:
            self._table = (np.array(self._flat_words, dtype=np.int64), np.array(self._flat_glue, dtype=bool),
                           np.array(self._offsets, dtype=np.int64), np.array(self._lengths, dtype=np.int64),
                           np.array(self._platform_word, dtype=bool))
        return self._table

    def _word_id(self, word: str) -> int:
        if word not in self._word_ids:
            self._word_ids[word] = len(self._words)
            self._words.append(word)
            self._platform_word.append(word in _PLATFORM_KEYS)
        return self._word_ids[word]

    def _special_id(self, key: str) -> int:
        if key not in self._special_ids:
            self._special_ids[key] = len(self._specials)
            self._specials.append(key)
        return self._special_ids[key]

    def _item_platforms(self, text: str, tokens: list[str]) -> set[str]:
        if self._find_platforms is not None:
            try:
                return {"@" + str(p).lower() for p in self._find_platforms(text)}
            except Exception:  # noqa: BLE001 - a broken classifier must not stop trends
                pass
        found = {self._specials[self._token_special[self._token_index[t]]] for t in tokens}
        found = {key for key in found if key.startswith("@")}
        if "X" in text and _X.search(text):
            found.add("@x")
        return found


def _mentions(item: np.ndarray, code: np.ndarray) -> tuple[np.ndarray, ...]:
    none = np.full(len(item), -1, dtype=np.int64)
    return item.astype(np.int64), code.astype(np.int64), none, np.zeros(len(item), dtype=np.int64)


def clean_text(title: str, summary: str = "") -> str:
    """Title and the lead of the summary, with links and feed boilerplate cut out.

    Each pattern runs only when a plain substring test says it can match: most items
    have none of them, and the regexes cost more than everything else together.
    """
    summary = summary or ""
    if title and summary.startswith(title):          # many feeds repeat the title as the summary's start
        summary = summary[len(title):]
    if len(summary) > SUMMARY_CHARS:
        summary = summary[:SUMMARY_CHARS].rsplit(" ", 1)[0]
    text = f"{title or ''} .\n{summary}"
    low = text.lower()
    if "http" in low or "www." in low:
        text = _LINK.sub(" . ", text)
    if "appeared first on" in low or "erschien zuerst auf" in low or "read the full" in low:
        text = _BOILERPLATE.sub(" . ", text)
    if "'" in text or "’" in text:
        text = _POSSESSIVE.sub("", text)
    return text


def _token_key(token: str) -> str:
    """The key of one token, or '' when it ends a phrase (stop word, number, punctuation, hashtag)."""
    if not token[0].isalnum():
        return ""
    folded = fold(token).strip("-'")
    if len(folded) < 2 or folded in STOP_WORDS or not any(c.isalpha() for c in folded):
        return ""
    return " ".join(stem(p) for p in _HYPHENS.sub(" ", folded).split())


def _platform_named(token: str) -> str | None:
    """The platform a word names: 'Instagram', 'Instagrams', 'TikTok-Verbot', 'Twitter' (x), 'Threads'."""
    first = _HYPHENS.split(token, 1)[0]
    if first in ("Threads", "Messenger"):
        return first.lower()
    folded = fold(first)
    if folded not in _ALIASES and folded.endswith("s"):
        folded = folded[:-1]
    return _ALIASES.get(folded)
