"""Watched pages (kind: page), first half: a page's readable text, with noise removed.

Runs in the crawl process (spiders/page.py): the spider is stateless and only turns a
page into normalised text; comparing versions happens in the parent
(monitor/watch/page_changes.py). Noise is what changes without the document changing:
scripts, navigation, dates and "last updated" stamps, tokens, counters, footers, and
the boilerplate lists and hidden parts of monitor/watch/page_boilerplate.py.

Per source, `remove:` cuts parts out before reading, `select:` narrows the reading to
the document (falling back to the whole page, with a warning, when it no longer
matches), and `variant:` names the version a page serves (EU or US terms, an A/B
test) on a first line ⟦variant NAME⟧ that the parent reads back with split_variant.
A table row is one line, cells joined by " | ", so a row is quoted whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lxml import etree
from lxml import html as lxml_html

from classifiers.text import INVISIBLE_IN_WORDS, JOINERS
from monitor.item import SNAPSHOT, Item  # noqa: F401 - SNAPSHOT is part of this module's interface
from monitor.watch.errors import describe
from monitor.watch.page_boilerplate import drop_boilerplate, drop_hidden

if TYPE_CHECKING:
    from lxml.html import HtmlElement

MAX_TEXT_CHARS = 500_000
MAX_ROW_CHARS = 2_000     # a longer "row" is a layout table holding the page, not a row of a table
CELL = " | "              # between the cells of a table row (page_diff keeps such lines whole)
_VARIANT_OPEN, _VARIANT_CLOSE = "\u27e6variant ", "\u27e7"    # ⟦variant eu⟧: first line of a variant's text


_DROP = ("script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed", "button",
         "input", "select", "textarea", "option", "label", "nav", "aside", "dialog", "menu")


_NOISE_ROLES = ("navigation", "banner", "contentinfo", "search", "complementary", "dialog", "alertdialog",
                "alert", "menu", "menubar", "toolbar", "status")


_NOISE_CLASS = re.compile(   # whole class/id tokens only: "social-media-policy" may well be the content
    r"^(?:sr-only|visually-hidden\S*|screen-reader-text|skip-?links?|skip-to-\S+|breadcrumbs?|share|sharing|"
    r"social-share|share-buttons?|social-links|newsletter(?:-\S+)?|advert(?:isement)?|ads?|promo)$"
    r"|cookie-?(?:banner|notice|consent|bar|popup|modal|dialog|layer|hint|wall)|consent-?(?:banner|manager|layer|"
    r"dialog|popup)|onetrust|cookiebot|usercentrics|didomi", re.I)


_BLOCKS = {"p", "div", "section", "article", "main", "header", "footer", "li", "ul", "ol", "dl", "dt", "dd",
           "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "td", "th", "blockquote",
           "pre", "figure", "figcaption", "address", "details", "summary", "form", "fieldset", "hr", "br"}


_MONTH = (r"(?:jan(?:uary|uar)?|feb(?:ruary|ruar)?|m(?:ar(?:ch)?|ärz|rz)|apr(?:il)?|ma[iy]|jun[ei]?|jul[iy]?|"
          r"aug(?:ust)?|sep(?:t(?:ember)?)?|o[ck]t(?:ober)?|nov(?:ember)?|de[cz](?:ember)?)\.?")


_DATE = (rf"(?:\d{{4}}-\d{{2}}-\d{{2}}(?:[T ]\d{{2}}:\d{{2}}(?::\d{{2}}(?:\.\d+)?)?(?:Z|[+-]\d{{2}}:?\d{{2}})?)?"
         rf"|\d{{1,2}}[./]\d{{1,2}}[./]\d{{2,4}}|\d{{1,2}}\.?\s+{_MONTH}\s+\d{{4}}"
         rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|{_MONTH}\s+\d{{4}}"
         r"|\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?|uhr)?"
         r"|\d+\s+(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|sekunden|minuten|stunden|tag(?:en)?|"
         r"wochen|monat(?:en)?|jahr(?:en)?)\s+ago|vor\s+\d+\s+\w+)")


_DATE_RE = re.compile(_DATE, re.I)


_FILLER = re.compile(r"\b(?:mon|tue|wed|thu|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
                     r"montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|mo|di|mi|do|fr|sa|so|am|at|on|"
                     r"um|uhr|utc|gmt|cet|cest|mez|mesz|den|the|of)\b|[\W_]+", re.I)


_STAMP = (r"(?:last\s+(?:updated|modified|revised|reviewed|visited|accessed|changed|checked|fetched|crawled)|"
          r"(?:updated|generated|fetched|retrieved)\s+(?:on|at)|date\s+of\s+last\s+revision|stand(?=\s*:)|"
          r"zuletzt\s+(?:aktualisiert|geändert|besucht|abgerufen|überarbeitet)|letzte\s+(?:aktualisierung|"
          r"änderung|überarbeitung)|aktualisiert\s+am|geändert\s+am|abgerufen\s+am|seite\s+erstellt|page\s+generated)")


_STAMP_RE = re.compile(rf"\b{_STAMP}\s*(?:[:,-]\s*)?(?:on\s+|am\s+|at\s+|um\s+)?(?:{_DATE}[\s,]*)+", re.I)


_COPYRIGHT = re.compile(r"^\W*(?:©|\(c\)|copyright\b)", re.I)


_COUNTER = re.compile(r"[\d.,'\u202f\u00a0]+\s*(?:k|m|tsd\.?|mio\.?)?\s*(?:views?|likes?|comments?|shares?|followers?|"
                      r"visitors?|reads?|readers?|reactions?|votes?|replies|answers?|downloads?|subscribers?|clicks?|"
                      r"hits?|aufrufe|kommentare?|antworten|besucher|leser|abonnenten|follower|gefällt|mal geteilt|"
                      r"people (?:online|viewing)|personen online|online|"
                      r"(?:people |persons )?found this (?:helpful|useful)|(?:personen |leute )?fanden (?:das|dies) "
                      r"hilfreich)", re.I)


_TOKENS = [re.compile(p, re.I) for p in (
    r"\b(?:csrf|xsrf|token|nonce|session[_ -]?id|sid|request[_ -]?id|trace[_ -]?id|build)\s*[:=#]\s*\S+",
    r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{16,}\b",
    # help-centre feedback widgets: "Was this helpful? Yes No", "War dieser Artikel hilfreich?"
    r"\b(?:was this (?:page |article |answer )?(?:helpful|useful)|war (?:das|dies|dieser artikel|diese seite) "
    r"hilfreich)\s*\??(?:\s*(?:yes|no|ja|nein)\b)*")]


_WORDLIKE = re.compile(r"\b[\w-]{20,}\b")


_QUERY = re.compile(r"(https?://[^\s?#]+)\?[^\s#]*")


_SPACE = re.compile(r"\s+")


# Typography a site's template changes without the text changing: curly and straight quotes,
# soft hyphens, zero-width characters, non-breaking hyphens.
_TYPOGRAPHY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                             "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"',
                             "\u00bb": '"', "\u2010": "-", "\u2011": "-",
                             **dict.fromkeys((*INVISIBLE_IN_WORDS, *JOINERS))})


class SelectError(ValueError):
    """The configured `select:` matched nothing on the page (kept for callers; the page is read whole instead)."""


@dataclass
class PageText:
    title: str
    text: str
    warning: str | None = None     # for the source's health: e.g. a `select:` that no longer matches


def extract_page(raw_html: str, select: str | None = None, ignore: Sequence[str] = (), remove: Sequence[str] = (),
                 variants: Mapping[str, str] | None = None) -> PageText:
    """The page's title and its main text as normalised lines, noise removed.

    `remove` selectors are cut out before anything is read. A `select` that matches
    nothing (or only noise) after a redesign does not silence the page: the whole page
    is read as without `select`, and the warning says so.
    """
    raw_html = re.sub(r"^\s*<\?xml[^>]*>", "", raw_html or "")
    if not raw_html.strip():
        return PageText("", "")
    try:
        doc = lxml_html.document_fromstring(raw_html)
    except (etree.ParserError, ValueError):
        return PageText("", "")
    for el in doc.xpath("//script | //style | //noscript | //template | //comment() | //processing-instruction()"):
        _drop(el)
    title = _fold(" ".join(doc.xpath("//title//text()"))) or _fold(" ".join(doc.xpath("(//h1)[1]//text()")))
    for el in doc.xpath("//head"):      # the title is read: what is left of the head is no page text
        _drop(el)
    for expr in remove:
        for el in _outermost([el for el in _select(doc, expr) if isinstance(el, etree._Element)]):
            _drop(el)
    warning = None
    text, cut = _cleaned(_read(_selected(doc, select)), ignore) if select else ("", False)
    if select and not text:
        warning = describe("select_missed", select=repr(select))
    if not text:
        text, cut = _cleaned(_read(_default_roots(doc)), ignore)
    if cut and warning is None:
        warning = describe("long_page", limit=f"{MAX_TEXT_CHARS:,}")
    return PageText(title[:500], mark_variant(text, variants) if text and variants else text, warning)


# A site that turns a fetch away often still answers 200, with a page of its own: stored as the
# terms' new text it was a "change" of every sentence (a false legal alert), and the real page
# coming back was none. Such a page is short and says what it is.
BLOCK_PAGE_CHARS = 1_500
COOKIE_WALL_CHARS = 800       # a wall is a few sentences; a short cookie notice being watched is longer
_BLOCK_WORDS = re.compile(
    r"access denied|permission denied|you don.t have permission to access|request (?:was )?blocked|403 forbidden|"
    r"are you a (?:robot|human)|verify (?:that )?you are (?:a )?human|captcha|checking your browser|just a moment|"
    r"attention required|enable javascript|javascript is (?:disabled|required)|too many requests|"
    r"under maintenance|scheduled maintenance|down for maintenance|temporarily unavailable|service unavailable|"
    r"zugriff verweigert|zugang verweigert|(?:sie haben|du hast) keine berechtigung|wartungsarbeiten|"
    r"vorübergehend nicht (?:verfügbar|erreichbar)|"
    r"aktivieren sie javascript|javascript aktivieren|bist du ein mensch|sind sie ein mensch", re.IGNORECASE)
_COOKIE_WALL = re.compile(r"cookie", re.IGNORECASE)
_CONSENT = re.compile(r"\b(?:accept|agree|consent|akzeptier|zustimm|einwillig|einverstanden|bevor sie fortfahren|"
                      r"before you continue)|(?:wir verwenden|we use|(?:seite|website|site) (?:verwendet|uses)) "
                      r"cookies", re.IGNORECASE)


def looks_blocked(title: str, text: str) -> bool:
    """Whether a short page is a block, bot check, maintenance or cookie-wall page rather than the
    page watched (a real terms or cookie policy is far longer than `BLOCK_PAGE_CHARS`)."""
    if len(text) > BLOCK_PAGE_CHARS:
        return False
    both = f"{title}\n{text}"
    wall = len(text) <= COOKIE_WALL_CHARS and _COOKIE_WALL.search(both) and _CONSENT.search(both)
    return bool(_BLOCK_WORDS.search(both) or wall)


def _read(roots: list[HtmlElement]) -> list[str]:
    lines: list[str] = []
    for root in roots:
        _drop_noise(root)
        lines.extend(_lines(root))
    return lines


def _selected(doc: HtmlElement, select: str) -> list[HtmlElement]:
    return _outermost([el for el in _select(doc, select) if isinstance(el, etree._Element)])


def _default_roots(doc: HtmlElement) -> list[HtmlElement]:
    mains = _outermost(doc.xpath("//main | //*[@role='main']"))
    if mains:
        return [max(mains, key=lambda el: len(el.text_content()))]
    articles = _outermost(doc.xpath("//article"))
    if len(articles) == 1:
        return articles
    body = doc.find("body")
    return [body if body is not None else doc]


def _select(doc: HtmlElement, expr: str) -> list:
    if expr.startswith(("xpath:", "/", "./", "(")):
        return doc.xpath(expr.removeprefix("xpath:").strip())
    return doc.cssselect(expr)


def _outermost(elements: list[HtmlElement]) -> list[HtmlElement]:
    chosen = set(elements)
    return [el for el in elements if not any(a in chosen for a in el.iterancestors())]


def _drop_noise(root: HtmlElement) -> None:
    tags = " | ".join(f".//{t}" for t in _DROP)
    roles = " or ".join(f"@role='{r}'" for r in _NOISE_ROLES)
    doomed = root.xpath(f"{tags} | .//*[{roles}]"
                        " | .//header[not(ancestor::article)] | .//footer[not(ancestor::article)]")
    doomed += [el for el in root.xpath(".//*[@class or @id]")
               if any(_NOISE_CLASS.search(tok) for tok in f"{el.get('class', '')} {el.get('id', '')}".split())]
    for el in doomed:
        _drop(el)
    drop_boilerplate(root, _drop)
    drop_hidden(root, _drop)


def _drop(el: HtmlElement) -> None:
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:   # keep the text that follows the element
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _lines(root: HtmlElement) -> list[str]:
    _flatten_rows(root)
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.lower() in _BLOCKS:
            el.text = "\n" + (el.text or "")
            el.tail = "\n" + (el.tail or "")
    return [line for line in (_fold(t) for t in root.text_content().split("\n")) if line]


def _flatten_rows(root: HtmlElement) -> None:
    """A table row is one line, its cells joined by CELL: a rule and its exception stay together.

    Rows of layout tables (headings, nested tables or very long cells inside) are left alone."""
    for row in root.xpath(".//tr[not(.//tr)]"):
        cells = row.xpath("./td | ./th")
        if not cells or row.xpath(".//h1 | .//h2 | .//h3 | .//h4 | .//table"):
            continue
        text = CELL.join(t for t in (_inline(cell) for cell in cells) if t)
        if len(text) > MAX_ROW_CHARS:
            continue
        for child in list(row):
            row.remove(child)
        row.text = text


def _inline(cell: HtmlElement) -> str:
    for el in cell.iter():
        if isinstance(el.tag, str) and el.tag.lower() in _BLOCKS:
            el.text, el.tail = " " + (el.text or ""), " " + (el.tail or "")
    return _fold(cell.text_content().replace(CELL.strip(), "/"))


def mark_variant(text: str, variants: Mapping[str, str]) -> str:
    """The text with a first line naming its variant, when one of the `variant:` patterns matches it."""
    for name, pattern in variants.items():
        if re.search(pattern, text):
            return f"{_VARIANT_OPEN}{name}{_VARIANT_CLOSE}\n{text}"
    return text


def split_variant(text: str) -> tuple[str | None, str]:
    """(variant name or None, the text without its variant line)."""
    if text.startswith(_VARIANT_OPEN):
        first, _, rest = text.partition("\n")
        if first.endswith(_VARIANT_CLOSE):
            return first[len(_VARIANT_OPEN):-len(_VARIANT_CLOSE)], rest
    return None, text


def _fold(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def clean_lines(lines: Iterable[str], ignore: Sequence[str] = ()) -> str:
    """Lines without stamps, tokens, counters and the source's own `ignore` regexes."""
    return _cleaned(lines, ignore)[0]


def _cleaned(lines: Iterable[str], ignore: Sequence[str] = ()) -> tuple[str, bool]:
    """`clean_lines`, and whether the text was cut at `MAX_TEXT_CHARS`: whole lines only, as a cut
    inside one moved with every edit above it and showed as a change of its own."""
    patterns = [re.compile(p) for p in ignore]
    out: list[str] = []
    size = 0
    for line in lines:
        line = line.translate(_TYPOGRAPHY)
        line = _WORDLIKE.sub(_drop_token, _QUERY.sub(r"\1", _STAMP_RE.sub(" ", line)))
        for pattern in _TOKENS + patterns:
            line = pattern.sub(" ", line)
        line = _fold(line)
        if line and not is_noise_line(line):
            size += len(line) + 1
            if size > MAX_TEXT_CHARS:       # a page of one endless line keeps its beginning
                return "\n".join(out or [line[:MAX_TEXT_CHARS]]), True
            out.append(line)
    return "\n".join(out), False


def _drop_token(m: re.Match) -> str:
    """Random-looking strings (letters and at least three runs of digits) are session or cache tokens."""
    word = m.group(0)
    return " " if len(re.findall(r"\d+", word)) >= 3 and re.search(r"[^\W\d_]", word) else word


def is_noise_line(line: str) -> bool:
    """Only a date/time, only counters, a copyright line, or nothing but punctuation."""
    if not re.search(r"\w", line):
        return True
    if _COPYRIGHT.match(line) and len(line) < 160:
        return True
    if not _FILLER.sub("", _DATE_RE.sub("", line)):
        return True
    return bool(re.search(r"\d", line)) and not _FILLER.sub("", _COUNTER.sub("", line))
