"""Watched pages: what sits inside a page's main area without being the document.

Terms pages carry boilerplate inside `<main>`: a language picker, rows of footer-like
links, a table of contents of in-page anchors. None of it is the document, and all of
it changes on its own (a language added, a link renamed, headings renumbered), which
made Facebook's pages the source of most false alarms. It is recognised by shape, not
by class names, so it works on pages nobody configured:

- a language picker: a list or group of three or more entries that are language names
  or links with `hreflang`/`lang`;
- a link list: a list (or a group of three or more links) whose entries are nothing
  but short links (punctuation and numbering aside), or in-page anchors of any length
  (a table of contents).

An entry with words of its own next to the link ("Cookie Policy: how we use cookies")
is content and stays.

Hidden text is dropped as noise, except when it is most of the page: a cookie dialog
that marks everything else `aria-hidden` must not leave Lagebild with nothing to read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from lxml import etree

if TYPE_CHECKING:
    from lxml.html import HtmlElement

Drop = Callable[["HtmlElement"], None]

SHORT_LINK = 60           # characters: a link label longer than this is a sentence, not a menu entry
MIN_GROUP_LINKS = 3       # bare links in a row (outside a list) that make a link group
LANGUAGE_SHARE = 0.6      # share of entries that must be language names for a language picker
READ_HIDDEN_BELOW = 0.3   # when visible text is less than this share of all text, hidden text is read too
BIG_HIDDEN = 0.1          # ... that is, the hidden parts holding at least this share of it

_HIDDEN = (".//*[@hidden] | .//*[@aria-hidden='true']"
           " | .//*[contains(translate(@style, ' ', ''), 'display:none')]"
           " | .//*[contains(translate(@style, ' ', ''), 'visibility:hidden')]")
_LISTS = ".//ul | .//ol | .//*[@role='list'] | .//dl"
_GROUPS = ".//div | .//p | .//span | .//section"
_ONLY_MARKS = re.compile(r"^[\W\d_]*$")        # bullets, separators, numbering
_SPACE = re.compile(r"\s+")
_PAREN = re.compile(r"\s*[\(\[].*?[\)\]]\s*")

# Endonyms and English/German names of languages, as pickers write them.
LANGUAGES = frozenset(name.strip() for name in """
english|deutsch|français|francais|español|espanol|italiano|português|portugues|nederlands|polski|svenska|
dansk|norsk|norsk bokmål|suomi|čeština|cestina|magyar|română|romana|ελληνικά|русский|українська|türkçe|
turkce|العربية|עברית|हिन्दी|বাংলা|日本語|한국어|中文|简体中文|繁體中文|ไทย|català|catala|hrvatski|slovenčina|
slovenščina|български|српски|srpski|eesti|latviešu|lietuvių|íslenska|gaeilge|euskara|galego|shqip|
bosanski|македонски|қазақ тілі|azərbaycan|o'zbek|tagalog|filipino|kiswahili|afrikaans|malti|
bahasa indonesia|bahasa melayu|tiếng việt|
german|french|spanish|italian|portuguese|dutch|polish|swedish|danish|norwegian|finnish|czech|hungarian|
romanian|greek|russian|ukrainian|turkish|arabic|hebrew|hindi|japanese|korean|chinese|thai|vietnamese|
indonesian|malay|catalan|croatian|slovak|slovenian|bulgarian|serbian|estonian|latvian|lithuanian|
englisch|französisch|spanisch|italienisch|portugiesisch|niederländisch|polnisch|schwedisch|dänisch|
norwegisch|finnisch|tschechisch|ungarisch|rumänisch|griechisch|russisch|ukrainisch|türkisch|arabisch|
chinesisch|japanisch|koreanisch""".replace("\n", "").split("|"))


def drop_boilerplate(root: HtmlElement, drop: Drop) -> None:
    """Remove language pickers, link lists and tables of contents below `root` (with `drop`)."""
    doomed = [el for el in root.xpath(_LISTS) if _is_boilerplate_list(el)]
    doomed += [el for el in root.xpath(_GROUPS) if _is_link_group(el) or _is_language_picker(el, _children(el))]
    for el in _outermost(doomed):
        drop(el)


def drop_hidden(root: HtmlElement, drop: Drop) -> None:
    """Remove hidden elements below `root`, unless they hold most of its text.

    Then the big hidden parts are the document (a dialog hid them), read with the same
    rule inside them, and only the small hidden bits beside them are dropped."""
    hidden = _outermost(root.xpath(_HIDDEN))
    if not hidden:
        return
    total = _length(root)
    sizes = [_length(el) for el in hidden]
    if total and total - sum(sizes) < READ_HIDDEN_BELOW * total:
        for el, size in zip(hidden, sizes):
            if size >= BIG_HIDDEN * total:
                drop_hidden(el, drop)
            else:
                drop(el)
        return
    for el in hidden:
        drop(el)


def _is_boilerplate_list(el: HtmlElement) -> bool:
    entries = _entries(el)
    if len(entries) < 2:
        return False
    return _is_language_picker(el, entries) or all(_is_link_entry(e) for e in entries)


def _entries(el: HtmlElement) -> list[HtmlElement]:
    tag = el.tag.lower() if isinstance(el.tag, str) else ""
    if tag in ("ul", "ol"):
        return [c for c in el if isinstance(c.tag, str) and c.tag.lower() == "li"]
    if tag == "dl":
        return [c for c in el if isinstance(c.tag, str) and c.tag.lower() in ("dt", "dd")]
    return [c for c in el if isinstance(c.tag, str) and c.get("role") == "listitem"] or \
        [c for c in el if isinstance(c.tag, str)]


def _is_link_entry(entry: HtmlElement) -> bool:
    links = entry.xpath(".//a[@href]")
    if not links or not _ONLY_MARKS.match(_outside_links(entry)):
        return False
    return all(_is_anchor(a) or len(_fold(a.text_content())) <= SHORT_LINK for a in links)


def _is_link_group(el: HtmlElement) -> bool:
    """A div/p/span whose children are only links (three or more), with nothing but separators between."""
    children = _children(el)
    if len(children) < MIN_GROUP_LINKS or any(c.tag.lower() != "a" or c.get("href") is None for c in children):
        return False
    return _is_link_entry(el)


def _children(el: HtmlElement) -> list[HtmlElement]:
    return [c for c in el if isinstance(c.tag, str)]


def _is_language_picker(el: HtmlElement, entries: list[HtmlElement]) -> bool:
    """Three or more entries, most of them a short language name or a link marked with its language."""
    if len(entries) < MIN_GROUP_LINKS:
        return False
    languages = sum(_is_language_entry(e) for e in entries)
    return languages >= LANGUAGE_SHARE * len(entries)


def _is_language_entry(entry: HtmlElement) -> bool:
    label = _fold(entry.text_content())
    if len(label) > SHORT_LINK // 2:
        return False
    tagged = entry.get("hreflang") is not None or bool(entry.xpath(".//*[@hreflang] | .//a[@lang]")) \
        or (entry.tag == "a" and entry.get("lang") is not None)
    return tagged or _is_language_name(label)


def _is_language_name(label: str) -> bool:
    low = label.lower().strip(" ·|•-–")
    return bool(low) and (low in LANGUAGES or _PAREN.sub("", low).strip() in LANGUAGES)


def _is_anchor(link: HtmlElement) -> bool:
    return (link.get("href") or "").startswith("#")


def _outside_links(el: HtmlElement) -> str:
    return "".join(el.xpath(".//text()[not(ancestor::a)]")) if el.tag != "a" else ""


def _outermost(elements: list[HtmlElement]) -> list[HtmlElement]:
    chosen = set(elements)
    return [el for el in elements if not any(a in chosen for a in el.iterancestors())]


def _length(el: HtmlElement) -> int:
    return len(_SPACE.sub("", el.text_content())) if isinstance(el, etree._Element) else 0


def _fold(text: str) -> str:
    return _SPACE.sub(" ", text).strip()
