"""Text normalisation and tokenisation shared by the tagger, its cue features and
the keyword baseline.

Normalising before anything else lets German and English spellings meet: "Bußgeld"
and "Bussgeld", "Überblick" and "Ueberblick" become one token, and numbers, which
vary from item to item without changing what an item reports, collapse to "0".
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping
from itertools import filterfalse

from .furniture import strip_furniture

_FOLD = (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"), ("ẞ", "ss"))
# Links, and a site's address standing alone ("heise.de", "… via t3n.de"): neither says what an item
# reports, and as words they took weight from those that do (a short link after the summary cost the
# real set 0.010, an address 0.016).
_URL = re.compile(r"https?://\S+|www\.\S+")
_TLD = r"\.(?:com|de|net|org|io|co|at|ch|eu|info|uk|tv|app)\b"
_ADDRESS = re.compile(rf"(?<![\w@.-])[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*{_TLD}")
_MAY_HAVE_ADDRESS = re.compile(_TLD)   # searched first: it starts at a dot, so it costs a fifth
_MARKUP_TAG = re.compile(r"</?[A-Za-z][^<>]{0,300}>")
_DIGITS = re.compile(r"\d+")
_TOKEN = re.compile(r"[a-z0-9]+")
_ORIGINAL_TOKEN = re.compile(r"[^\W_]+")

# Sentences that feeds and pages append to every item: calls to subscribe or follow,
# "read more", "appeared first on", copyright lines. They name tips, interviews,
# privacy and new features, and would sway the tags of whatever item they end.
_BOILERPLATE = (
    r"subscribe to our|subscribe now|sign up for our|our newsletter|unseren newsletter|unserem newsletter"
    r"|follow us|folgen sie uns|folgt uns|abonnieren sie|abonniere|jetzt abonnieren|read more"
    r"|read the full|continue reading|weiterlesen|mehr lesen|den ganzen artikel|den vollständigen artikel"
    r"|appeared first on|erschien zuerst auf|all rights reserved|alle rechte vorbehalten"
    r"|cookie settings|cookie-einstellungen"
)
_BOILERPLATE_WORDS = tuple(_BOILERPLATE.split("|"))
_BOILERPLATE_PHRASE = re.compile(rf"\b(?:{_BOILERPLATE})\b", re.IGNORECASE)
# A link's words at the very end of a summary, where a feed puts them after an excerpt that has no stop
# ("… für alle Creator Weiterlesen »", "… rolling out today Read more"): only the link goes, the
# sentence before it stays (dropped with it, it cost the real set 0.080 in that form).
_TRAILING_LINK = re.compile(
    r"\s*\b(?:Read [Mm]ore|Weiterlesen|Continue [Rr]eading|Mehr lesen)\s*[»›→>…]*\s*$")
# Sentences end at a stop or a line break, and also at an ellipsis or a bracket: a feed's excerpt
# ends "… [&hellip;]" or "[...]" and the platform's footer follows in the same line ("Text […] The
# post … appeared first on …", "Text … Weiterlesen"), so the excerpt's last sentence would go with it.
_SENTENCE_MARKS = ".!?\n…]"
_SENTENCE_END = re.compile(f"[{re.escape(_SENTENCE_MARKS)}]")
_STOPS = re.compile(r"[.!?…\]]+")
# WordPress's footer repeats the item's title, which may have stops of its own: "The post Was ändert
# sich? Das neue Gesetz appeared first on …". The footer starts at "The post" / "Der Beitrag".
_FOOTER_START = re.compile(r"\b(?:The post|Der Beitrag)\s")
_FOOTER_PHRASES = ("appeared first on", "erschien zuerst auf")
# Navigation and footer menus: three or more short entries separated by | · or •.
_MENU = re.compile(r"(?:[^\W\d][\w&-]*(?: [\w&-]+){0,2}\s*[|·•]\s*){2,}[^\W\d][\w&-]*(?: [\w&-]+){0,2}")
_MENU_HINT = re.compile(r"[|·•]")

# Characters that are inside words but show nothing: the soft hyphen that German sites put in long
# words for line breaks ("Reich&shy;weite"), the zero-width space, the word joiner and a stray
# byte-order mark. Left in, they would split "Reichweite" into "reich" and "weite". The one list for
# the feed reader (`monitor.watch.text`), the page watcher and the tagger.
INVISIBLE_IN_WORDS = ("\u00ad", "\u200b", "\u2060", "\ufeff")
# Zero-width non-joiner and joiner: invisible too, but emoji sequences need them where text is shown.
JOINERS = ("\u200c", "\u200d")


def fold(text: str) -> str:
    """Lowercase, spell umlauts out, drop other accents ("é" -> "e") and invisible characters
    inside words (soft hyphens, zero-width spaces).

    Plain `replace`s and `isascii` checks keep the usual German and English text in C
    (`str.translate` with a mapping is five times slower); tagging calls this for
    every new item."""
    text = text.lower()
    if text.isascii():
        return text
    if not unicodedata.is_normalized("NFC", text):
        # Umlauts written as a letter and a combining mark ("u" + U+0308, as text copied from some
        # systems comes) are composed first, or "für" would fold to "fur" instead of "fuer"
        # (decomposed, the real set lost 0.015 macro-F1).
        text = unicodedata.normalize("NFC", text)
    for char, spelled in _FOLD:
        if char in text:
            text = text.replace(char, spelled)
    if text.isascii():
        return text
    for char in (*INVISIBLE_IN_WORDS, *JOINERS):
        if char in text:
            text = text.replace(char, "")
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed if decomposed.isascii() else "".join(filterfalse(unicodedata.combining, decomposed))


# One spelling for a shadowban (in folded text): "Shadow Ban", "shadow-banned", "stealth banning",
# "Schattenverbot" and "Schattenbann" are one thing, a matter of reach. Written apart, "ban" and
# "Verbot" read as a legal ban: a guide "TikTok-Schattenverbot: Was Sie wissen müssen" scored 0.83
# for legal_change, which sends an instant alert.
_SHADOWBAN = re.compile(r"\b(?:shadow|schatten|stealth)[ -]?(?:bann?|verbot)(ned|ning)?(?:s|e|en|es)?\b")


# One spelling for a platform's terms and its privacy policy (in folded text). The press writes
# "Nutzungsbestimmungen", "Nutzerbedingungen" or "Nutzungsregeln" where the training files and the
# platforms mostly say "Nutzungsbedingungen", and "Datenschutzbestimmungen" for "Datenschutzrichtlinie";
# unseen, "WhatsApp: neue Nutzungsbestimmungen gelten ab Samstag" scored 0.02 for legal_change.
_TERMS = re.compile(r"\bnutz(?:ungs|er)(?:bestimmung|bedingung|regel)(?:en|n)?\b")
_PRIVACY_POLICY = re.compile(r"\bdatenschutz(?:bestimmung|regel|richtlinie)(?:en|n)?\b")


def normalise(text: str) -> str:
    """Folded text without links or a site's address, digit runs as "0", one spelling of a shadowban,
    of a platform's terms and of its privacy policy."""
    text = _URL.sub(" ", text or "")
    if _MAY_HAVE_ADDRESS.search(text):
        text = _ADDRESS.sub(" ", text)
    text = fold(text)
    if "shadow" in text or "schatten" in text or "stealth" in text:
        text = _SHADOWBAN.sub(lambda m: "shadowban" + (m.group(1) or ""), text)
    if "nutz" in text:
        text = _TERMS.sub("nutzungsbedingungen", text)
    if "datenschutz" in text:
        text = _PRIVACY_POLICY.sub("datenschutzrichtlinie", text)
    return _DIGITS.sub("0", text)


def tokens(normalised: str) -> list[str]:
    """Words of an already normalised text (letters and digits, split elsewhere)."""
    return _TOKEN.findall(normalised)


def doc_fields(doc: Mapping) -> tuple[str, str]:
    """Title and summary of an item as strings, whatever is missing or None, with HTML entities
    resolved. The feed reader resolves them before anything is stored, but text handed to
    `monitor classify` or read from an API often still has them ("Facebook &amp; Instagram",
    "Earth&#8217;s"): left in, "amp" and "8217" became words and took weight from the real ones
    (on the real set, entities in titles and summaries cost 0.009 macro-F1)."""
    return _plain(str(doc.get("title") or "")), _plain(str(doc.get("summary") or ""))


def _plain(text: str) -> str:
    """Entities resolved and markup tags dropped: text from an API or a page's source may keep its
    tags ("<p><strong>…</strong></p>"), and "p", "strong" and "br" would be read as words."""
    if "&" in text:
        text = html.unescape(text)
    return _MARKUP_TAG.sub(" ", text) if "<" in text else text


def strip_boilerplate(text: str) -> str:
    """The text without subscribe/follow/read-more sentences, footer menus, photo credits, bylines,
    reading times, an agency's dateline and editors' marks."""
    text = strip_furniture(text)
    if text.rstrip().endswith(("more", "More", "lesen", "reading", "Reading", "»", "›", "→", ">", "…")):
        text = _TRAILING_LINK.sub(" ", text)
    lowered = text.lower()
    if any(words in lowered for words in _BOILERPLATE_WORDS):  # cheap test first: most items have none
        text = _drop_boilerplate_sentences(text)
    if _MENU_HINT.search(text):
        text = _MENU.sub(" ", text)
    return text


def _drop_boilerplate_sentences(text: str) -> str:
    """Each sentence naming a boilerplate phrase replaced by a space: the sentence runs from
    the last `.`, `!`, `?`, `…`, `]` or line break before the phrase (from "The post" or "Der
    Beitrag" for WordPress's footer) to the stops after it (or the end
    of the text); one ended by a line break inside the text stays.

    Found phrase first, sentence around it second: one pass over the text, where a single
    regular expression for the whole sentence (a run of any characters, then the phrase)
    backtracks at every position and costs the square of the sentence's length."""
    out: list[str] = []
    emitted = done = 0             # text[:emitted] is in `out`; text[:done] is decided
    for m in _BOILERPLATE_PHRASE.finditer(text):
        if m.start() < done:
            continue
        start = max(done, max(text.rfind(c, done, m.start()) for c in _SENTENCE_MARKS) + 1)
        if m.group().lower() in _FOOTER_PHRASES:
            footers = list(_FOOTER_START.finditer(text, max(done, m.start() - 300), m.start()))
            start = footers[-1].start() if footers else start
        end_mark = _SENTENCE_END.search(text, m.end())
        if end_mark is None:
            end = len(text)
        elif end_mark.group() != "\n":
            end = _STOPS.match(text, end_mark.start()).end()  # type: ignore[union-attr]  # a stop is there
        elif end_mark.start() == len(text) - 1:
            end = end_mark.start()     # a final line break: the sentence ends before it
        else:
            done = end_mark.start()    # ended by a line break inside the text: kept
            continue
        out += (text[emitted:start], " ")
        emitted = done = end
    return "".join(out) + text[emitted:] if out else text


# What the tagger reads of a summary. Its examples and the real items it is judged on are teasers:
# a few sentences (333 characters at most in the training files, 324 in the real set). Where a feed
# carries the whole article, the summary is the article's first 2,000 characters (38 % of the items
# of 41 real feeds in `../shared/fixtures/real-feeds/` run past 600), and read whole, the background
# gets tagged: on 201 real articles the tagger gave 177 tags where their labels have 143 (macro-F1
# 0.826). Read to 600 characters it gives 144 (0.840); shorter cuts lose news that blogs put after an
# introduction (300: 0.791). classifiers/README.md, "seventeenth round".
LEDE_CHARS = 600
# A sentence ends at a stop followed by a space (feed text has its whitespace folded) or at a line
# break (a watched page's changed sentences, one per line).
_LEDE_ENDS = (". ", "! ", "? ", "… ", ".\n", "\n")


def lede(summary: str, limit: int | None = None) -> str:
    """The start of a summary that says what the item is: whole up to `limit` characters (the
    tagger reads `LEDE_CHARS`, platforms fewer); longer, its sentences up to that length (cut
    after the last sentence that ends there, or at a word when the first sentences run on past
    40 % of it). Searched backwards with `str.rfind`: a regular expression over every sentence
    cost a fifth of tagging a long item."""
    limit = LEDE_CHARS if limit is None else limit
    if len(summary) <= limit:
        return summary
    head = summary[: limit + 1]
    end = max(head.rfind(mark) for mark in _LEDE_ENDS) + 1
    if end >= 0.4 * limit:
        return head[:end].rstrip()
    return head.rsplit(None, 1)[0] if " " in head else head[:limit]


def doc_text(doc: Mapping) -> str:
    """Title and summary as one plain text, e.g. for language detection."""
    title, summary = doc_fields(doc)
    return f"{title}. {summary}" if summary else title


def surface_forms(text: str) -> dict[str, str]:
    """Map each normalised token to the word as the text spells it ("bussgeld" ->
    "bußgeld"), so explanations show words a reader recognises."""
    forms: dict[str, str] = {}
    for word in _ORIGINAL_TOKEN.findall(_URL.sub(" ", text.lower())):
        for token in tokens(normalise(word)):
            forms.setdefault(token, word if len(tokens(normalise(word))) == 1 else token)
    return forms
