"""An entry's own categories or keywords, as its feed gives them.

RSS `<category>`, Atom `<category term=… label=…>` and `<dc:subject>` reach us through
feedparser as `entry.tags` (dicts with `term`, `label`, `scheme`); JSON Feed has `tags`, a
list of strings. Publishers file items under words like "Recht", "Algorithmus" or
"Produkt-News"; `monitor.tag.hints` lets them nudge the tags. Feed content is untrusted:
only short strings count, markup and control characters are dropped, and a feed that
stuffs hundreds of keywords into one entry is cut to the first few.
"""

from __future__ import annotations

import re

MAX_CATEGORIES = 12
MAX_LENGTH = 60
_NOT_TEXT = re.compile(r"<[^>]*>|[\x00-\x1f\x7f]")
_SPACE = re.compile(r"\s+")


def feed_categories(tags: object) -> list[str]:
    """Cleaned category words of one entry, in feed order, without repeats.

    `tags` is feedparser's `entry.tags` or JSON Feed's `tags`; anything else gives []."""
    if not isinstance(tags, list):
        return []
    found: list[str] = []
    seen: set[str] = set()
    for tag in tags:
        value = (tag.get("label") or tag.get("term")) if isinstance(tag, dict) else tag
        if not isinstance(value, str):
            continue
        for part in value.split(",") if "," in value and len(value) > MAX_LENGTH else (value,):
            word = _SPACE.sub(" ", _NOT_TEXT.sub(" ", part)).strip()
            if word and len(word) <= MAX_LENGTH and word.lower() not in seen:
                seen.add(word.lower())
                found.append(word)
            if len(found) >= MAX_CATEGORIES:
                return found
    return found
