"""What changed between two versions of a watched page, sentence by sentence.

Terms and policies change a clause at a time, so sentences are the unit a reader
cares about: difflib matches the two sentence lists, a rewritten sentence is shown
word by word, and unchanged text is cut down to one sentence of context around each
change. The HTML uses only <p>, <ins>, <del>, so the allow-list sanitiser keeps it.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from monitor.watch.text import MAX_SUMMARY_CHARS, sanitize_html

CONTEXT = 1             # unchanged sentences shown before and after each change
SIMILAR = 0.5           # a removed and an added sentence this alike are one rewritten sentence
QUOTED = 6              # sentences quoted per side in the summary
QUOTE_CHARS = 300

_END = re.compile(r"[.!?…]+[\"'”“»)\]]*\s+")
_ABBREVIATIONS = {"e.g", "i.e", "etc", "vs", "no", "nr", "mr", "mrs", "ms", "dr", "prof", "st", "inc", "ltd", "co",
                  "z.b", "bzw", "ca", "vgl", "u.a", "d.h", "ggf", "inkl", "zzgl", "abs", "art", "ziff", "bspw",
                  "usw", "sog", "evtl", "z", "s", "u", "d"}


@dataclass
class TextDiff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    html: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def sentences(text: str) -> list[str]:
    """Each line split into sentences; abbreviations, initials and ordinals ('12. März') do not end one."""
    out: list[str] = []
    for line in text.splitlines():
        start = 0
        for m in _END.finditer(line):
            before = line[start:m.start()].rsplit(" ", 1)[-1].lower()
            after = line[m.end():m.end() + 1]
            if before in _ABBREVIATIONS or (before.isdigit() and len(before) <= 2) or len(before) == 1 or not after \
                    or not (after.isupper() or after.isdigit() or after in "\"'„“«(["):
                continue
            out.append(line[start:m.end()].strip())
            start = m.end()
        if line[start:].strip():
            out.append(line[start:].strip())
    return out


def sentence_diff(old: str, new: str) -> TextDiff:
    a, b = sentences(old), sentences(new)
    ops = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    diff, parts = TextDiff(), []
    for n, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag == "equal":
            parts.extend(_context(a[i1:i2], first=n == 0, last=n == len(ops) - 1))
            continue
        diff.removed += a[i1:i2]
        diff.added += b[j1:j2]
        parts.extend(_changed(a[i1:i2], b[j1:j2]))
    diff.html = sanitize_html("".join(parts)) if diff.changed else ""
    return diff


def _context(same: list[str], first: bool, last: bool) -> list[str]:
    head = [] if first else same[:CONTEXT]
    tail = [] if last else same[-CONTEXT:]
    if len(same) <= len(head) + len(tail):
        shown = same if not (first and last) else []
        return [f"<p>{html.escape(s)}</p>" for s in shown]
    return ([f"<p>{html.escape(s)}</p>" for s in head] + ["<p>…</p>"]
            + [f"<p>{html.escape(s)}</p>" for s in tail])


def _changed(old: list[str], new: list[str]) -> list[str]:
    if len(old) == len(new) and all(SequenceMatcher(None, o, n).ratio() >= SIMILAR for o, n in zip(old, new)):
        return [f"<p>{_word_diff(o, n)}</p>" for o, n in zip(old, new)]
    return ([f"<p><del>{html.escape(s)}</del></p>" for s in old]
            + [f"<p><ins>{html.escape(s)}</ins></p>" for s in new])


def _word_diff(old: str, new: str) -> str:
    a, b = old.split(), new.split()
    out = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(html.escape(" ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(f"<del>{html.escape(' '.join(a[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{html.escape(' '.join(b[j1:j2]))}</ins>")
    return " ".join(out)


_LABELS = {
    "en": {"head": "Text changed: {added}, {removed} removed.", "one": "1 sentence added",
           "many": "{n} sentences added", "added": "Added:", "removed": "Removed:", "quote": "“{}”"},
    "de": {"head": "Text geändert: {added}, {removed} entfernt.", "one": "1 Satz hinzugefügt",
           "many": "{n} Sätze hinzugefügt", "added": "Neu:", "removed": "Entfernt:", "quote": "„{}“"},
}


def change_summary(diff: TextDiff, language: str = "en") -> str:
    """Plain text: how many sentences came and went, then the sentences themselves, quoted."""
    labels = _LABELS.get(language, _LABELS["en"])
    count = len(diff.added)
    added = labels["one"] if count == 1 else labels["many"].format(n=count)
    parts = [labels["head"].format(added=added, removed=len(diff.removed))]
    for key, group in (("added", diff.added), ("removed", diff.removed)):
        if group:
            quoted = " ".join(labels["quote"].format(_clip(s)) for s in group[:QUOTED])
            more = f" (+{len(group) - QUOTED})" if len(group) > QUOTED else ""
            parts.append(f"{labels[key]} {quoted}{more}")
    text = " ".join(parts)
    return text if len(text) <= MAX_SUMMARY_CHARS else text[:MAX_SUMMARY_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _clip(sentence: str) -> str:
    return sentence if len(sentence) <= QUOTE_CHARS else sentence[:QUOTE_CHARS - 1].rsplit(" ", 1)[0] + "…"


def text_hash(text: str) -> str:
    """Identity of a page version's text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
