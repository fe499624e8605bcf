"""What a watched page is called in a change's title: the platform and the document.

"Facebook: Nutzungsbedingungen geändert", "Meta: Community Standards (Hate Speech)
changed". Titles name the document because stories are clustered by title (and by
words of the title): when every change of a platform was called "Geändert: Facebook",
Facebook's terms, its privacy policy and Instagram's privacy policy became one story.

The document type is read from the source's name, else its URL, else the page title,
in English and German. The owner is what the source name says before the document
("Meta Privacy Policy" -> Meta), else the source's first platform, else the host; what
the name says after it is a qualifier ("(EEA)", "Hate Speech"). English titles keep the
name's own wording ("User Agreement"); German ones use the German name of the type.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from classifiers.labels import platform_label


@dataclass(frozen=True)
class DocumentType:
    key: str
    en: str
    de: str
    pattern: re.Pattern


def _type(key: str, en: str, de: str, pattern: str) -> DocumentType:
    return DocumentType(key, en, de, re.compile(pattern, re.I))


# Most specific first: "community standards" before "terms", "cookie policy" before "privacy".
DOCUMENT_TYPES: tuple[DocumentType, ...] = (
    _type("community_standards", "Community Standards", "Gemeinschaftsstandards",
          r"\bcommunity standards?\b|\bgemeinschaftsstandards\b"),
    _type("community_guidelines", "Community Guidelines", "Gemeinschaftsrichtlinien",
          r"\b(?:professional )?community (?:guidelines|rules|policies|principles)\b|\bgemeinschaftsrichtlinien\b"
          r"|\bcommunity[- ]richtlinien\b|\b(?:x|twitter) rules\b"),
    _type("cookies", "Cookie Policy", "Cookie-Richtlinie",
          r"\bcookies? (?:policy|policies|notice|statement)\b|\bcookie[- ]richtlinien?\b|\bcookies?\b"),
    _type("advertising", "Advertising Policies", "Werberichtlinien",
          r"\b(?:ad|ads|advertising) (?:policies|policy|standards|guidelines)\b|\bwerberichtlinien\b"),
    _type("commercial", "Commercial Terms", "Geschäftsbedingungen für Unternehmen", r"\bcommercial terms\b"),
    _type("developer", "Developer Terms", "Entwicklerbedingungen",
          r"\b(?:developers?|api) (?:terms(?: of use)?|policies|policy|agreement)\b|\bentwickler\w*"),
    _type("law_enforcement", "Law Enforcement Guidelines", "Richtlinien für Strafverfolgungsbehörden",
          r"\blaw enforcement(?: guidelines)?\b"),
    _type("copyright", "Copyright Policy", "Urheberrechtsrichtlinie", r"\bcopyright(?: policy)?\b"),
    _type("monetisation", "Monetisation Policies", "Monetarisierungsrichtlinien",
          r"\bmoneti[sz]ation(?: policies| policy| standards)?\b|\bmonetarisierung\w*"),
    _type("privacy", "Privacy Policy", "Datenschutzrichtlinie",
          r"\bprivacy (?:policy|notice|statement)\b|\bdata policy\b|\bprivacy\b"
          r"|\bdatenschutz(?:richtlinie|erklärung|hinweise|bestimmungen)?\b"),
    _type("terms", "Terms of Service", "Nutzungsbedingungen",
          r"\bterms of (?:service|use)\b|\bterms and conditions\b|\buser agreement\b|\bconditions of use\b"
          r"|\bnutzungsbedingungen\b|\ballgemeine geschäftsbedingungen\b|\bagb\b|\bterms\b|\btos\b"),
    _type("imprint", "Imprint", "Impressum", r"\bimprint\b|\bimpressum\b|\blegal notice\b"),
)

CHANGED = {"de": "geändert", "en": "changed"}
_SEPARATORS = " \t-–—:|,/"


@dataclass(frozen=True)
class DocumentName:
    owner: str                    # "Facebook"
    document: str                 # "Nutzungsbedingungen" / "User Agreement", or the source name when unknown
    qualifier: str = ""           # "EEA", "Hate Speech"
    known: bool = True


def document_name(source: str, url: str = "", page_title: str = "", platforms: Sequence[str] = (),
                  language: str = "en") -> DocumentName:
    """Owner, document and qualifier of a watched page, for titles in `language` (de | en)."""
    owner = platform_label(platforms[0]) if platforms else _host(url)
    for kind in DOCUMENT_TYPES:
        m = kind.pattern.search(source)
        if m:
            return DocumentName(source[:m.start()].strip(_SEPARATORS) or owner, _label(kind, m.group(0), language),
                                source[m.end():].strip(_SEPARATORS))
    for text in (_url_words(url), page_title):
        found = _first_type(text)
        if found:
            return DocumentName(owner, found.de if language == "de" else found.en)
    return DocumentName(owner, source, known=False)


def change_title(source: str, url: str = "", page_title: str = "", platforms: Sequence[str] = (),
                 language: str = "en") -> str:
    """'Facebook: Nutzungsbedingungen geändert' / 'Facebook: Terms of Service changed'."""
    name = document_name(source, url, page_title, platforms, language)
    changed = CHANGED.get(language, CHANGED["en"])
    if not name.known:
        return f"{name.document} {changed}"
    qualifier = f" ({name.qualifier.strip('()')})" if name.qualifier else ""
    return f"{name.owner}: {name.document}{qualifier} {changed}" if name.owner else \
        f"{name.document}{qualifier} {changed}"


def _label(kind: DocumentType, written: str, language: str) -> str:
    """German: the type's German name. English: the source's own words when they are a name
    ("User Agreement", "Terms of Use"), else the type's name ("Terms" -> "Terms of Service")."""
    if language == "de":
        return kind.de
    return _title_case(written) if len(written.split()) >= 2 else kind.en


def _first_type(text: str) -> DocumentType | None:
    return next((kind for kind in DOCUMENT_TYPES if text and kind.pattern.search(text)), None)


def _url_words(url: str) -> str:
    parts = urlsplit(url)
    return re.sub(r"[-_/.?=&+%]+", " ", f"{parts.path} {parts.query}").strip()


def _host(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def _title_case(phrase: str) -> str:
    small = {"of", "and", "for", "to"}
    words = phrase.split()
    if any(w[:1].isupper() for w in words):
        return phrase
    return " ".join(w if w in small and i else w.capitalize() for i, w in enumerate(words))
