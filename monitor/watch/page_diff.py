"""What changed between two versions of a watched page, sentence by sentence.

Terms and policies change a clause at a time, so sentences are the unit a reader
cares about: difflib matches the two sentence lists, a rewritten sentence is shown
word by word, and unchanged text is cut down to one sentence of context around each
change. The HTML uses only <p>, <ins>, <del>, so the allow-list sanitiser keeps it.
The plain-text summary quotes an edited sentence only around the edit
("… at least [16 → 18] years old …"), and a table row whole.
"""

from __future__ import annotations

import copy
import hashlib
import html
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from lxml import html as lxml_html

from monitor.watch.page_text import CELL
from monitor.watch.text import MAX_SUMMARY_CHARS, sanitize_html

CONTEXT = 1             # unchanged sentences shown before and after each change
SIMILAR = 0.5           # a removed and an added sentence this alike are one rewritten sentence
QUOTED = 6              # sentences quoted per side in the summary
QUOTE_CHARS = 300
CONTEXT_WORDS = 6       # words shown either side of an edit inside a sentence
MAX_PAIRING = 2_500     # removed x added sentences beyond which a block is paired position by position

_END = re.compile(r"[.!?…]+[\"'”“»)\]]*\s+")
_ABBREVIATIONS = {"e.g", "i.e", "etc", "vs", "no", "nr", "mr", "mrs", "ms", "dr", "prof", "st", "inc", "ltd", "co",
                  "z.b", "bzw", "ca", "vgl", "u.a", "d.h", "ggf", "inkl", "zzgl", "abs", "art", "ziff", "bspw",
                  "usw", "sog", "evtl", "z", "s", "u", "d"}


@dataclass
class TextDiff:
    added: list[str] = field(default_factory=list)       # sentences of the new text that the old lacks
    removed: list[str] = field(default_factory=list)     # sentences of the old text that the new lacks
    rewritten: list[tuple[str, str]] = field(default_factory=list)   # (old, new): one sentence edited
    html: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def sentences(text: str) -> list[str]:
    """Each line split into sentences; abbreviations, initials and ordinals ('12. März') do not end one.

    A table row (cells joined by " | ", see page_text) stays one unit."""
    out: list[str] = []
    for line in text.splitlines():
        if CELL in line:
            out.append(line.strip())
            continue
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
        for o, w in _pairs(a[i1:i2], b[j1:j2]):
            if o is not None and w is not None:
                diff.rewritten.append((o, w))
                parts.append(f"<p>{_word_diff(o, w)}</p>")
            elif o is not None:
                parts.append(f"<p><del>{html.escape(o)}</del></p>")
            elif w is not None:
                parts.append(f"<p><ins>{html.escape(w)}</ins></p>")
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


def _pairs(old: list[str], new: list[str]) -> list[tuple[str | None, str | None]]:
    """The block in reading order: each removed sentence paired with the added one it became, if any.

    Greedy and in order (a clause is edited where it stands); large blocks (a page
    rewritten) are paired only position by position, to stay fast."""
    out: list[tuple[str | None, str | None]] = []
    j = 0
    for o in old:
        window = range(j, len(new)) if len(old) * len(new) <= MAX_PAIRING else range(j, min(j + 1, len(new)))
        best, best_ratio = None, SIMILAR
        for k in window:
            ratio = _ratio(o, new[k], best_ratio)
            if ratio >= best_ratio:
                best, best_ratio = k, ratio
        if best is None:
            out.append((o, None))
            continue
        out += [(None, w) for w in new[j:best]] + [(o, new[best])]
        j = best + 1
    return out + [(None, w) for w in new[j:]]


def _ratio(a: str, b: str, floor: float) -> float:
    m = SequenceMatcher(None, a.split(), b.split(), autojunk=False)
    if m.real_quick_ratio() < floor or m.quick_ratio() < floor:
        return 0.0
    return m.ratio()


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


def edit_in_context(old: str, new: str, words: int = CONTEXT_WORDS) -> str:
    """A rewritten sentence as plain text: each edit marked, with a few words around it.

    'You must be at least 16 years old to create an account.' -> '… must be at least
    [16 → 18] years old to create …'. Edits closer than twice `words` share one snippet."""
    a, b = old.split(), new.split()
    ops = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    edits = [n for n, op in enumerate(ops) if op[0] != "equal"]
    if not edits:
        return _clip(new)
    groups: list[list[int]] = [[edits[0]]]
    for n in edits[1:]:
        gap = sum(ops[k][4] - ops[k][3] for k in range(groups[-1][-1] + 1, n))
        (groups[-1].append(n) if gap <= 2 * words else groups.append([n]))
    snippets = []
    for group in groups:
        first, last = ops[group[0]], ops[group[-1]]
        lead = b[max(first[3] - words, 0):first[3]]
        trail = b[last[4]:last[4] + words]
        body = []
        for n in range(group[0], group[-1] + 1):
            tag, i1, i2, j1, j2 = ops[n]
            body.append(" ".join(b[j1:j2]) if tag == "equal" else _mark(a[i1:i2], b[j1:j2]))
        text = " ".join(lead + body + trail)
        snippets.append(("… " if first[3] - words > 0 else "") + text
                        + (" …" if last[4] + words < len(b) else ""))
    return _clip(" ".join(snippets).replace("… …", "…"))


def _mark(old: list[str], new: list[str]) -> str:
    if old and new:
        return f"[{' '.join(old)} → {' '.join(new)}]"
    return f"[−{' '.join(old)}]" if old else f"[+{' '.join(new)}]"


_LABELS = {
    "en": {"sentence": "1 sentence", "sentences": "{n} sentences", "changed": "changed", "added": "added",
           "removed": "removed", "Changed": "Changed:", "Added": "Added:", "Removed": "Removed:", "quote": "“{}”"},
    "de": {"sentence": "1 Satz", "sentences": "{n} Sätze", "changed": "geändert", "added": "neu",
           "removed": "entfernt", "Changed": "Geändert:", "Added": "Neu:", "Removed": "Entfernt:", "quote": "„{}“"},
}


def change_summary(diff: TextDiff, language: str = "en") -> str:
    """Plain text: how many sentences changed, came and went, then the changed words in context
    (an edited sentence as a snippet around the edit), then added and removed sentences whole."""
    labels = _LABELS.get(language, _LABELS["en"])
    edited_new = {w for _, w in diff.rewritten}
    edited_old = {o for o, _ in diff.rewritten}
    groups = [("changed", [edit_in_context(o, w) for o, w in diff.rewritten]),
              ("added", [_clip(s) for s in diff.added if s not in edited_new]),
              ("removed", [_clip(s) for s in diff.removed if s not in edited_old])]
    counts = [(key, len(group)) for key, group in groups if group]
    head = ", ".join(f"{n} {labels[key]}" if i else
                     f"{labels['sentence'] if n == 1 else labels['sentences'].format(n=n)} {labels[key]}"
                     for i, (key, n) in enumerate(counts))
    parts = [head + "."]
    for key, group in groups:
        if group:
            quoted = " ".join(labels["quote"].format(s) for s in group[:QUOTED])
            more = f" (+{len(group) - QUOTED})" if len(group) > QUOTED else ""
            parts.append(f"{labels[key.capitalize()]} {quoted}{more}")
    text = " ".join(parts)
    return text if len(text) <= MAX_SUMMARY_CHARS else text[:MAX_SUMMARY_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _clip(sentence: str) -> str:
    return sentence if len(sentence) <= QUOTE_CHARS else sentence[:QUOTE_CHARS - 1].rsplit(" ", 1)[0] + "…"


def changed_sentences(content_html: str) -> list[str]:
    """The sentences a change is about, read back from its marked-up diff: each removed or
    added sentence, and both sides of an edited one. What the tagger reads of a change, so
    none of the words Lagebild wrote around them ('Changed:', 'Neu:', counts) reach it."""
    if not content_html.strip():
        return []
    out: list[str] = []
    for p in lxml_html.fragments_fromstring(content_html):
        if not isinstance(p, lxml_html.HtmlElement) or not p.xpath(".//ins | .//del"):
            continue
        for drop in ("del", "ins"):
            side = copy.deepcopy(p)
            for el in side.xpath(f".//{drop}"):
                el.drop_tree()
            text = " ".join(side.text_content().split())
            if text and text not in out:
                out.append(text)
    return out


def text_hash(text: str) -> str:
    """Identity of a page version's text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
