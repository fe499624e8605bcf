"""Watched pages (kind: page): readable text, noise removed, versions kept, changes reported.

The spider (spiders/page.py) is stateless: it turns a page into one normalised text
and yields it as a `snapshot` Item (summary = the whole text). Here, in the parent
process, `apply_snapshots` compares that text with the page's latest stored version:
the first fetch stores a baseline and reports nothing; a different text is stored as a
new version and reported as one `change` Item whose summary names the added and
removed sentences and whose content_html is a readable <ins>/<del> diff.

Noise is removed before anything is compared: only text is compared (so attributes,
tracking markup, cache-busting query strings and hidden CSRF fields never count),
scripts, styles, navigation, headers, footers, cookie banners and form controls are
dropped, and so are "last updated/visited" stamps, lines that are only a date or time,
counter lines ("1.234 Aufrufe"), token-like strings and the source's own `ignore:`
regexes. Dates inside ordinary sentences stay: "applies from 1 March" is content.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from lxml import etree, html as lxml_html

from monitor.item import SNAPSHOT, Item  # noqa: F401 - SNAPSHOT is part of this module's interface
from monitor.pagediff import change_summary, sentence_diff, text_hash

MAX_TEXT_CHARS = 500_000
LEGAL_TAG = "legal_change"

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
                      r"people (?:online|viewing)|personen online|online)", re.I)
_TOKENS = [re.compile(p, re.I) for p in (
    r"\b(?:csrf|xsrf|token|nonce|session[_ -]?id|sid|request[_ -]?id|trace[_ -]?id|build)\s*[:=#]\s*\S+",
    r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{16,}\b")]
_WORDLIKE = re.compile(r"\b[\w-]{20,}\b")
_QUERY = re.compile(r"(https?://[^\s?#]+)\?[^\s#]*")
_SPACE = re.compile(r"\s+")


class SelectError(ValueError):
    """The configured `select:` matched nothing on the page."""


@dataclass
class PageText:
    title: str
    text: str


# --------------------------------------------------------------------------- extraction

def extract_page(raw_html: str, select: str | None = None, ignore: Sequence[str] = ()) -> PageText:
    """The page's title and its main text as normalised lines, noise removed."""
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
    lines: list[str] = []
    for root in _roots(doc, select):
        _drop_noise(root)
        lines.extend(_lines(root))
    return PageText(title[:500], clean_lines(lines, ignore))


def _roots(doc, select: str | None) -> list:
    if select:
        found = [el for el in _select(doc, select) if isinstance(el, etree._Element)]
        if not found:
            raise SelectError(f"select {select!r} matched nothing on the page; the layout may have changed")
        return _outermost(found)
    mains = _outermost(doc.xpath("//main | //*[@role='main']"))
    if mains:
        return [max(mains, key=lambda el: len(el.text_content()))]
    articles = _outermost(doc.xpath("//article"))
    if len(articles) == 1:
        return articles
    body = doc.find("body")
    return [body if body is not None else doc]


def _select(doc, expr: str) -> list:
    if expr.startswith(("xpath:", "/", "./", "(")):
        return doc.xpath(expr.removeprefix("xpath:").strip())
    return doc.cssselect(expr)


def _outermost(elements: list) -> list:
    chosen = set(elements)
    return [el for el in elements if not any(a in chosen for a in el.iterancestors())]


def _drop_noise(root) -> None:
    tags = " | ".join(f".//{t}" for t in _DROP)
    roles = " or ".join(f"@role='{r}'" for r in _NOISE_ROLES)
    doomed = root.xpath(f"{tags} | .//*[{roles}] | .//*[@hidden] | .//*[@aria-hidden='true']"
                        " | .//*[contains(translate(@style, ' ', ''), 'display:none')]"
                        " | .//header[not(ancestor::article)] | .//footer[not(ancestor::article)]")
    doomed += [el for el in root.xpath(".//*[@class or @id]")
               if any(_NOISE_CLASS.search(tok) for tok in f"{el.get('class', '')} {el.get('id', '')}".split())]
    for el in doomed:
        _drop(el)


def _drop(el) -> None:
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


def _lines(root) -> list[str]:
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.lower() in _BLOCKS:
            el.text = "\n" + (el.text or "")
            el.tail = "\n" + (el.tail or "")
    return [line for line in (_fold(t) for t in root.text_content().split("\n")) if line]


def _fold(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


# --------------------------------------------------------------------------- noise

def clean_lines(lines: Iterable[str], ignore: Sequence[str] = ()) -> str:
    """Lines without stamps, tokens, counters and the source's own `ignore` regexes."""
    patterns = [re.compile(p) for p in ignore]
    out: list[str] = []
    for line in lines:
        line = _WORDLIKE.sub(_drop_token, _QUERY.sub(r"\1", _STAMP_RE.sub(" ", line)))
        for pattern in _TOKENS + patterns:
            line = pattern.sub(" ", line)
        line = _fold(line)
        if line and not is_noise_line(line):
            out.append(line)
    return "\n".join(out)[:MAX_TEXT_CHARS]


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


# --------------------------------------------------------------------------- versions and changes

def apply_snapshots(store, items: Sequence[Item], now: datetime | None = None, *,
                    language: str = "en") -> list[Item]:
    """Items with every snapshot replaced by its change item, or dropped when nothing changed.

    Versions are stored here. A change whose item a crashed run never stored is
    reported again on the next fetch (same guid, so never twice).
    """
    now = now or datetime.now(timezone.utc)
    out: list[Item] = []
    for item in items:
        if item.kind != SNAPSHOT:
            out.append(item)
            continue
        try:
            change = _watch(store, item, now, language)
        except KeyError:        # a source no longer in the store: nothing to compare with
            continue
        if change is not None:
            out.append(change)
    return out


def _watch(store, snap: Item, now: datetime, language: str) -> Item | None:
    latest = store.latest_version(snap.source)
    if latest is None:
        store.add_version(snap.source, snap.summary, now)   # the baseline: nothing to report
        return None
    if latest.text_hash != text_hash(snap.summary):
        return change_item(snap, latest, store.add_version(snap.source, snap.summary, now), language)
    if latest.item_id is not None:
        return None
    previous = store.previous_version(snap.source, latest.id)
    if previous is None:
        return None
    stored = store.stored_item_id(snap.source, _fingerprint(snap, latest.id))
    if stored is not None:
        store.link_version(latest.id, stored)
        return None
    return change_item(snap, previous, latest, language)


def change_guid(url: str, version_id: int) -> str:
    return f"{url}#version-{version_id}"


def _fingerprint(snap: Item, version_id: int) -> str:
    return Item(source=snap.source, title="", url=snap.url, guid=change_guid(snap.url, version_id)).fingerprint


def change_item(snap: Item, old, new, language: str = "en") -> Item | None:
    """The change between two stored versions as an Item (None when no sentence differs)."""
    diff = sentence_diff(old.text, new.text)
    if not diff.changed:
        return None
    title = ("Geändert: " if language == "de" else "Changed: ") + (snap.title or snap.source)
    return Item(source=snap.source, title=title, url=snap.url, summary=change_summary(diff, language),
                content_html=diff.html, published=new.fetched, guid=change_guid(snap.url, new.id),
                lang=snap.lang, platforms=list(snap.platforms), kind="change",
                canonical_url=snap.canonical_url)


# --------------------------------------------------------------------------- config bridges

def spec_options(source) -> dict:
    """SourceSpec.options from a configured Source: plain data, picklable for the crawl process."""
    options: dict = {}
    if source.selectors is not None:
        options["selectors"] = source.selectors.model_dump(exclude_none=True)
    if source.select:
        options["select"] = source.select
    if source.ignore:
        options["ignore"] = list(source.ignore)
    if source.legal is not None:
        options["legal"] = source.legal
    return options


def legal_sources(sources) -> set[str]:
    """Names whose items are legal changes: `legal: true`, or pages in category legal unless `legal: false`."""
    return {s.name for s in sources
            if s.legal or (s.legal is None and s.kind == "page" and s.category == "legal")}


def force_legal(items: Sequence[Item], sources) -> None:
    """After tagging: terms and policy changes are legal changes whatever the model says."""
    names = legal_sources(sources)
    for item in items:
        if item.source in names:
            if LEGAL_TAG not in item.tags:
                item.tags.append(LEGAL_TAG)
            item.scores[LEGAL_TAG] = 1.0
