"""Untrusted feed HTML made safe: an allow-list sanitiser for what we show, plain text for the rest.

Feed content is hostile by default. nh3 (Ammonia) keeps only the tags and attributes
listed here, so `<script>`, `<iframe srcdoc>`, event handlers and `javascript:` URLs
never reach a page or a mail. Images are dropped on purpose: showing them would make
readers' browsers (or a proxy of ours) fetch arbitrary URLs.
"""

from __future__ import annotations

import html
import re
import unicodedata
from itertools import filterfalse

import nh3

from classifiers.text import INVISIBLE_IN_WORDS
from monitor.watch.urls import resolve_link

MAX_HTML_CHARS = 200_000
MAX_SUMMARY_CHARS = 2_000

_TAGS = {"a", "p", "br", "ul", "ol", "li", "b", "strong", "i", "em", "code", "pre",
         "blockquote", "h2", "h3", "h4", "table", "thead", "tbody", "tr", "th", "td", "del", "ins"}
_ATTRIBUTES = {"a": {"href", "title"}}
_BLOCK_END = re.compile(r"<(?:br|/?p|/?div|/?li|/?h[1-6]|/?tr|/?td|/?th|/?blockquote|/?ul|/?ol|/?pre)\b[^>]*>", re.I)


# Built once: nh3 converts the allow-lists on every call to `nh3.clean`, which more than
# doubles the cost per item (two calls per item, tens of thousands of items per run).
_SANITIZER = nh3.Cleaner(tags=_TAGS, attributes=_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                         link_rel="noopener noreferrer nofollow", strip_comments=True)
_TEXT_ONLY = nh3.Cleaner(tags=set(), clean_content_tags={"script", "style"})


def sanitize_html(raw: str | None) -> str:
    """Allow-listed HTML with links forced to open safely."""
    if not raw:
        return ""
    return _SANITIZER.clean(raw[:MAX_HTML_CHARS])


def html_to_text(raw: str | None, limit: int = MAX_SUMMARY_CHARS) -> str:
    """Readable plain text: tags gone (block ends become spaces), scripts and styles dropped with
    their content, entities resolved, whitespace folded, length bounded. nh3 does the parsing
    (ten times faster than BeautifulSoup, which matters at tens of thousands of items a run)."""
    if not raw:
        return ""
    raw = raw[:MAX_HTML_CHARS]
    if "<" in raw:
        raw = _TEXT_ONLY.clean(_BLOCK_END.sub(" ", raw))
    text = " ".join(_visible(html.unescape(raw)).split())
    if len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0] + "…"
    return text


# Invisible characters inside words: soft hyphens (German sites hyphenate long words with "&shy;"),
# zero-width spaces, word joiners, a stray byte-order mark. Stored as they come, "Reich&shy;weite" would
# not be found by a search for "Reichweite", nor matched to the same story told without them. (Zero-width
# joiners stay: emoji sequences need them; the tagger ignores them anyway.)
_INVISIBLE = re.compile("[" + "".join(INVISIBLE_IN_WORDS) + "]")


def _visible(text: str) -> str:
    return text if text.isascii() else _INVISIBLE.sub("", text)


def clean_title(raw: str | None) -> str:
    """A title given as HTML (or guessed to be): tags stripped, entities resolved."""
    return html_to_text(raw, limit=500)


def plain_text(raw: str | None, limit: int = MAX_SUMMARY_CHARS) -> str:
    """Text given as plain text stays text: "History of the <blink> tag" keeps its "<blink>"
    (every output escapes it). Only whitespace is folded and length bounded."""
    if not raw:
        return ""
    text = " ".join(_visible(raw[:MAX_HTML_CHARS]).split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def plain_title(raw: str | None) -> str:
    return plain_text(raw, limit=500)


_MARKUP = re.compile(r"</[A-Za-z][\w:-]*\s*>|<[A-Za-z][\w:-]*\s[^<>]*=|<[A-Za-z][\w:-]*\s*/>")


def looks_like_markup(text: str) -> bool:
    """A closing tag, a tag with attributes or a self-closing tag: HTML, even where a format
    says "text" (RSS titles are often HTML escaped once). "The <blink> tag" is not."""
    return "<" in text and _MARKUP.search(text) is not None


_HREF = re.compile(r'<a\b([^>]*?) href="([^"]*)"')


def absolute_links(clean: str, base: str | None) -> str:
    """Links in sanitised HTML made absolute against `base` (feedparser's own pass, which
    parses the HTML once more, is switched off for speed); links that do not resolve to a
    web address lose their href. `mailto:` links stay as they are."""
    if 'href="' not in clean:
        return clean

    def fix(m: re.Match) -> str:
        href = html.unescape(m.group(2))
        if href.startswith(("http://", "https://", "mailto:")):
            return m.group(0)
        url = resolve_link(href, base)
        return f'<a{m.group(1)} href="{html.escape(url)}"' if url else f"<a{m.group(1)}"
    return _HREF.sub(fix, clean)


_FOLD = (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("æ", "ae"), ("ø", "oe"), ("œ", "oe"))


def fold(text: str) -> str:
    """Lower case, umlauts spelled out ('Müller' -> 'mueller'), other accents dropped, spaces folded.

    Used wherever German text is matched (search index, story clusters), since neither
    SQLite nor PostgreSQL fold umlauts or 'ß' themselves. Runs on every new item, so the
    common cases stay in C: plain ASCII skips everything, umlauts are a few `replace`s
    (five times faster than `str.translate` with a mapping), and only other accents
    (é, ñ, ...) take the decomposition.
    """
    folded = text.casefold()
    if not folded.isascii():
        for char, spelled in _FOLD:
            if char in folded:
                folded = folded.replace(char, spelled)
        if not folded.isascii():
            folded = unicodedata.normalize("NFKD", folded)
            if not folded.isascii():
                folded = "".join(filterfalse(unicodedata.combining, folded))
    return " ".join(folded.split())
