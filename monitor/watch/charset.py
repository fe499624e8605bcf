"""A feed's bytes to text, read the way its author meant them.

Order, as XML 1.0 (appendix F) and RFC 7303 have it: a byte-order mark; UTF-16/32 or
EBCDIC recognised by their first bytes; the charset of the HTTP Content-Type; the
encoding of the XML declaration; UTF-8 when the bytes are UTF-8; else the best guess of
charset-normalizer (feeds that declare nothing are often Windows-1252, KOI8-R,
Shift_JIS ...). A declaration the bytes contradict is overruled and reported.

Decoding happens once, before anything looks at the text: the entity refusal and the
parser then see the same characters, whatever the encoding (a check on raw bytes
misses `<!ENTITY` written in UTF-16).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_BOMS = ((codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_BE, "utf-16-be"), (codecs.BOM_UTF16_LE, "utf-16-le"))
_EBCDIC_XML = b"\x4c\x6f\xa7\x94"            # "<?xm" in EBCDIC
_XML_ENCODING = re.compile(r"""^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._:\-]{1,40})["']""")
_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:\-]{1,40})""", re.IGNORECASE)
_LANGUAGE = re.compile(rb"""(?:<(?:dc:)?language>\s*|xml:lang\s*=\s*["'])([A-Za-z]{2})\b""")
_CHAOS_MARGIN = 0.1
# Code pages a language's legacy (undeclared) feeds are usually written in, most likely first.
_WESTERN = ("cp1252",)
_LEGACY = {**dict.fromkeys(("de", "en", "fr", "es", "it", "pt", "nl", "da", "sv", "no", "nb", "fi", "is", "ca",
                            "ga", "id", "ms", "sq", "af", "eu", "gl"), _WESTERN),
           **dict.fromkeys(("pl", "cs", "sk", "hu", "sl", "hr", "ro", "bs"), ("iso8859-2", "cp1250")),
           **dict.fromkeys(("ru", "uk", "bg", "be", "sr", "mk"), ("cp1251", "koi8-r", "koi8-u")),
           "el": ("cp1253", "iso8859-7"), "tr": ("cp1254", "iso8859-9"), "he": ("cp1255", "iso8859-8"),
           "ar": ("cp1256",), **dict.fromkeys(("lt", "lv", "et"), ("cp1257", "iso8859-13"))}
_UNICODE = {"utf-8", "utf-16", "utf-16-be", "utf-16-le", "utf-32", "utf-32-be", "utf-32-le"}


@dataclass
class Decoded:
    text: str
    encoding: str                 # the codec that read the bytes
    declared: str | None = None   # what the server or the feed said, when that was overruled

    @property
    def overruled(self) -> bool:
        return self.declared is not None


def decode(body: bytes, content_type: str | None = None, language: str | None = None) -> Decoded:
    """The text of `body` (never fails: undecodable bytes become U+FFFD at worst). `language`
    (the source's, from feeds.yaml) helps the guess when the feed names none itself."""
    sniffed = _sniff(body)
    if sniffed:
        try:
            return Decoded(_strip_bom(body.decode(sniffed)), sniffed)
        except UnicodeDecodeError:
            pass
    declared = _declared(body, content_type, sniffed)
    for _label, codec in declared:
        try:
            text = body.decode(codec)
        except UnicodeDecodeError:
            continue
        if codec not in _UNICODE and _is_utf8_beyond_ascii(body):
            continue       # "ISO-8859-1" on UTF-8 bytes: a server default, not the author's choice
        return Decoded(_strip_bom(text), codec)
    said = ", ".join(label for label, _ in declared) or None
    try:
        return Decoded(_strip_bom(body.decode("utf-8")), "utf-8", said)
    except UnicodeDecodeError:
        pass
    guess = _guess(body, _language(body) or language)
    if guess:
        return Decoded(_strip_bom(body.decode(guess, errors="replace")), guess, said)
    return Decoded(body.decode("cp1252", errors="replace"), "cp1252", said)


def _sniff(body: bytes) -> str | None:
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return codec
    head = body[:4]
    if len(head) < 4:
        return None
    if head[:3] == b"\0\0\0":
        return "utf-32-be"
    if head[1:] == b"\0\0\0":
        return "utf-32-le"
    if head[0] == 0 and head[1] != 0:
        return "utf-16-be"
    if head[0] != 0 and head[1] == 0:
        return "utf-16-le"
    if head == _EBCDIC_XML:
        return "cp037"
    return None


def _declared(body: bytes, content_type: str | None, sniffed: str | None) -> list[tuple[str, str]]:
    """(label as written, codec) of the HTTP charset and the XML declaration, known codecs only."""
    labels = []
    if content_type and (m := _CHARSET.search(content_type)):
        labels.append(m.group(1))
    head = body[:1024].decode(sniffed or "latin-1", errors="replace")
    if m := _XML_ENCODING.match(_strip_bom(head)):
        labels.append(m.group(1))
    out: list[tuple[str, str]] = []
    for label in labels:
        codec = _codec(label)
        if codec and codec not in (c for _, c in out):
            out.append((label, codec))
    return out


def _codec(label: str) -> str | None:
    """Python's codec for an encoding label; gb2312 read as its superset gb18030, as browsers do."""
    name = label.strip().lower()
    if name in ("gb2312", "gb_2312-80"):
        name = "gb18030"
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True):
        return None        # base64, zlib, rot13 ... are codecs, not character encodings
    return info.name


def _is_utf8_beyond_ascii(body: bytes) -> bool:
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _guess(body: bytes, language: str | None) -> str | None:
    """charset-normalizer's guess, imported only for the rare feed that needs it.

    It tells Cyrillic, Greek or Japanese apart well, but among the Latin code pages it
    often names Central or Baltic ones for French or Portuguese text. So where one of
    its plausible readings comes from the code page the language usually had (for
    Western languages, and without a language, Windows-1252, the web's most common
    undeclared encoding), that one wins.
    """
    from charset_normalizer import from_bytes
    matches = list(from_bytes(body[:200_000]))
    if not matches:
        return None
    best = min(m.chaos for m in matches)
    plausible = {_codec(name) for m in matches if m.chaos <= best + _CHAOS_MARGIN for name in m.could_be_from_charset}
    for codepage in _LEGACY.get(language or "", _WESTERN):
        if codepage in plausible:
            return codepage
    return _codec(matches[0].encoding)


def _language(body: bytes) -> str | None:
    """The feed's own language tag (RSS <language>, Dublin Core, xml:lang), when it has one."""
    m = _LANGUAGE.search(body[:8192])
    return m.group(1).decode("ascii").lower() if m else None


def _strip_bom(text: str) -> str:
    return text.removeprefix("\ufeff")
