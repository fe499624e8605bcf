"""A report's story tokens as the store keeps them, so that a process need not read them again.

Every process that clusters (a `monitor run`, each worker, the daemon after a restart) needs
the story index of the last four days. Built from the items' text, 100,000 recent items cost
~10 s of tokenising (`features.report`, ~0.08 ms each) per process; two workers paid it
twice, on the cores their crawls needed. Kept beside the items (`story_tokens`, migration
0012) and read back here, an item costs ~0.004 ms: the index is then mostly the postings.

The stored form is `marshal` of a tuple of strings, floats and tuples: six times faster to
read than JSON (0.004 against 0.023 ms a report), and it holds nothing but plain values
Lagebild wrote itself (never code; `decode` checks the shape and returns None otherwise,
and the caller reads the text again). `VERSION` covers the code and tables that make the
tokens and Python's marshal format, so a report written by another version of either is
read from the text again instead of being trusted.
"""

from __future__ import annotations

import hashlib
import marshal
import sys
from functools import lru_cache
from pathlib import Path

from monitor.stories.features import Report

# The modules whose code or tables decide a report's tokens and their stored form (fold: watch/text.py).
_SOURCES = ("stories/features.py", "stories/vocabulary.py", "stories/stored.py", "watch/text.py")
_SETS = ("parties", "named", "courts", "actors", "named_actors", "countries", "dates", "places")
_EMPTY: frozenset[str] = frozenset()


@lru_cache(maxsize=1)
def version() -> str:
    """A short hash of the story code and tables and of the marshal format: rows of another
    version are read from their text again."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(f"marshal {marshal.version} py{sys.version_info[0]}".encode())
    for name in _SOURCES:
        digest.update((root / name).read_bytes())
    return digest.hexdigest()[:16]


def encode(story: Report) -> bytes:
    """A report as it is before the story index compacts it (tokens a dict)."""
    tokens = story.tokens
    if not isinstance(tokens, dict):
        raise TypeError("encode a report before the story index keeps it (its tokens are compacted then)")
    return marshal.dumps((tuple(tokens), tuple(tokens.values()), story.headline, tuple(story.money), story.when,
                          story.lang, story.roundup, *(tuple(getattr(story, name)) for name in _SETS)))


def decode(data: bytes | None) -> Report | None:
    """The report `encode` wrote, or None when the bytes are not one (then read the text)."""
    if not data:
        return None
    try:
        value = marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        return None
    if type(value) is not tuple or len(value) != 7 + len(_SETS):
        return None
    names, weights, headline, money, when, lang, roundup, *sets = value
    if type(names) is not tuple or type(weights) is not tuple or len(names) != len(weights) \
            or type(when) is not float or type(lang) is not str or type(headline) is not tuple:
        return None
    parties, named, courts, actors, named_actors, countries, dates, places = (
        frozenset(value) if value else _EMPTY for value in sets)
    return Report(tokens=dict(zip(names, weights, strict=True)), headline=headline, parties=parties, named=named,
                  money=money, when=when, lang=lang, courts=courts, actors=actors, named_actors=named_actors,
                  countries=countries, roundup=bool(roundup), dates=dates, places=places)
