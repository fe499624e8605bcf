"""What pages and feeds put around a teaser that says nothing about it: photo credits, bylines,
reading times, an agency's dateline, the source line, editors' marks in brackets.

Why a module of its own: every word added to a short teaser takes a share of its words' weight in
the tagger (rows are scaled to unit length), so furniture pulls scores under the thresholds; on the
real set each kind cost 0.013-0.024 macro-F1 when added to every item (classifiers/README.md,
"twentieth round"). `text.strip_boilerplate` calls `strip_furniture` on every summary;
`features.parse` strips editors' marks from titles too. Each pattern runs only where a plain
substring test finds its letters, so reading a summary costs what it did.
"""

from __future__ import annotations

import re

# What news text carries around its teaser: a photo credit ("(Foto: dpa)", "Bild: Shutterstock",
# "Image credit: Getty Images", "(Symbolbild)") and an agency's dateline before the first sentence
# ("BERLIN (dpa) - ", "NEW YORK (Reuters) — ", "LONDON — "; a capitalised word before a hyphen is not
# one: "DSGVO - Bußgeld gegen …"). They say nothing about a change, and every
# word added to a short teaser takes a share of its words' weight: on the real set, a credit after
# each summary cost 0.013 macro-F1 (reach 0.879 -> 0.839), an agency's dateline before it 0.013.
_CREDIT_WORDS = (r"Fotos?|Bild(?:er)?|Symbolbild|Symbolfoto|Archivbild|Archivfoto|Titelbild|Beitragsbild|Bildquelle"
                 r"|Fotoquelle|Photos?|Images?|Pictures?|Image credit|Photo credit|Credit|Illustration")
_STOCK_SITES = (r"Unsplash|Pexels|Pixabay|Shutterstock(?:\.com)?|Canva|Freepik|Adobe ?Stock|stock\.adobe\.com"
                r"|iStock(?:photo)?|Getty Images|Depositphotos|depositphotos\.com")
_CREDIT = re.compile(
    rf"\((?:{_CREDIT_WORDS})(?:\s*:\s*[^()\n]{{1,60}})?\)"      # "(Foto: dpa)", "(Symbolbild)"
    rf"|(?:(?<=[.!?…\]])|^)\s*(?:{_CREDIT_WORDS})\s*:\s*[^.!?\n]{{1,60}}$"   # "Bild: Shutterstock" at the end
    r"|©\s*[^.!?()\n]{1,60}$"
    # a stock photo's credit anywhere: "Photo by Jane Doe on Unsplash", "© x | depositphotos.com"
    rf"|(?:Photo|Foto|Bild|Image|Picture)\s+(?:by|von)\s+[^\n.]{{1,50}}?\s+(?:on|auf|via|bei|from)\s+(?:{_STOCK_SITES})\b\.?"
    rf"|(?:(?:{_CREDIT_WORDS})\s*:\s*|©\s*)[^\n()]{{0,50}}?(?:{_STOCK_SITES})\b"
    # a credit on a line of its own before the text (where line breaks are kept: `monitor classify`)
    rf"|^\s*(?:(?:{_CREDIT_WORDS})\s*:|©|Courtesy of\b)[^\n]{{1,80}}\n")


def _may_have_credit(text: str) -> bool:
    """Letters every credit has: plain substring tests before the patterns (a search for the
    alternatives took 4 µs a summary, and `any` over a tuple 1.8 µs: reading a summary costs 5)."""
    return ("oto" in text or "ild" in text or "mage" in text or "icture" in text or "redit" in text
            or "llustration" in text or "©" in text or "ourtesy" in text)

# More of a page's furniture: a reading time ("Lesezeit: 3 Min.", "5 min read"), a byline with its
# date ("By Jane Doe | Brand Notes | Aug 2, 2021", "Von Anna Berger, 16. September 2022"), the source
# after the last sentence ("Quelle: …", "Source: …"), an autoblog's ad placeholder ("[ad_1]"). Each
# cost the real set 0.016-0.024 added to every item.
_MONTH_DATE = r"(?:\d{1,2}\.\s*[A-ZÄÖÜ][a-zäöü]{2,8}\.?\s*\d{4}|[A-Z][a-z]{2,8}\.?\s+\d{1,2},\s*\d{4})"
_FURNITURE = re.compile(
    r"\b(?:Lesezeit|Lesedauer|Reading time)\s*:?\s*(?:ca\.\s*)?\d+\s*(?:Minuten|Min\.?|minutes?|mins?\.?)"
    r"|\b\d+[ -]?min(?:ute)?s?\.? read\b"
    r"|\[ad_\d+\]"
    r"|(?:(?<=[.!?…\]])|^)\s*(?:Source|Quelle|Via)\s*:\s*[^.!?\n]{1,60}$"
    # the name holds no separator and only pipes part the rest, so a hostile "By a, a, a, …" backtracks little
    rf"|^\s*(?:Von|By)\s+[^|.,\n]{{2,40}}(?:\|[^|\n]{{1,40}}){{0,2}}[|,]\s*{_MONTH_DATE}\s*")


def _may_have_furniture(text: str) -> bool:
    """Letters every piece of `_FURNITURE` has (see `_may_have_credit`)."""
    return ("Lese" in text or "Reading" in text or " read" in text or "[ad_" in text or "Source" in text
            or "Quelle" in text or "Via" in text or text.startswith(("Von ", "By ")))

_AGENCIES = r"dpa|dpa-AFX|AFP|AP|Reuters|KNA|epd|SID|dts|APA|sda|Keystone-SDA|Bloomberg|ots|Xinhua|ANSA|EFE"
_DATELINE = re.compile(
    rf"^\s*[A-ZÄÖÜ][\w./ -]{{0,40}}?\s*\((?:{_AGENCIES})(?:[/,][^)]{{0,30}})?\)\s*[-–—:]\s*"  # "BERLIN (dpa) - "
    r"|^\s*[A-ZÄÖÜ]{3,}(?:[ -][A-ZÄÖÜ]{2,})*(?:,\s*[A-Z][\w.]+)?\s*—\s+")   # "LONDON — ", "NEW YORK, N.Y. — "

# An editor's mark in brackets, in a title or a summary: "[Update]", "[UPDATE – 01. März 2018]", "(Video)",
# "[Infografik]", "[Podcast]". It tells how the page is made, not what it reports, but "update" and
# "video" weigh in every tag's model: one such mark before or after every real item's title cost
# macro-F1 0.015-0.019. Marks that say what kind of text follows ("[Anzeige]", "[Kommentar]") stay.
_EDITOR_MARK = re.compile(
    r"[\[(]\s*(?:updated?|aktualisiert|aktualisierung|video|videos|podcast|audio|infografik|infographic"
    r"|bildergalerie|galerie|gallery|fotos|photos|liveblog|live|exklusiv|exclusive)\b[^\])\n]{0,40}[\])]",
    re.IGNORECASE)


def strip_editor_marks(text: str) -> str:
    """The text without editors' marks in brackets (`_EDITOR_MARK`)."""
    return _EDITOR_MARK.sub(" ", text) if ("[" in text or "(" in text) else text


def strip_furniture(text: str) -> str:
    """The text without photo credits, bylines, reading times, the source line, an agency's
    dateline and editors' marks."""
    if _may_have_credit(text):
        text = _CREDIT.sub(" ", text)
    if _may_have_furniture(text):
        text = _FURNITURE.sub(" ", text)
    if text[:1].isupper() and ("(" in text[:60] or "—" in text[:60]):
        text = _DATELINE.sub("", text, count=1)
    return strip_editor_marks(text)
