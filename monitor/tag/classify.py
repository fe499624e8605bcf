"""`monitor classify`: JSON lines in, the same lines out with tags, scores and platforms added.

Lines are read and tagged in batches (the model is fastest vectorised), and written
in input order, one output line per input line; a line that is not a JSON object
comes back as an object with an `error` field so the line count still matches.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, TextIO

from classifiers import detect_language
from classifiers.examples import decoded_line
from classifiers.platforms import platforms_of_item
from classifiers.tagger import TOPIC_FLOOR
from monitor.watch.text import MAX_SUMMARY_CHARS, html_to_text, looks_like_markup, plain_text

if TYPE_CHECKING:
    from classifiers.tagger import Tagger

BATCH = 2000


def classify_lines(tagger: Tagger, lines: Iterable[str | bytes], out: TextIO, explain: bool = False,
                   text: bool = False) -> None:
    """JSON lines out (or, with `text`, a readable block per item for people at a terminal). Lines
    may come as bytes (a file, standard input): each is decoded on its own, so one line that is
    not UTF-8 is answered with an error and the rest are tagged."""
    batch: list[dict] = []
    for number, line in enumerate(lines, 1):
        batch.append(_parse(_decoded(line, first=number == 1)))
        if len(batch) >= BATCH:
            _flush(tagger, batch, out, explain, text)
            batch = []
    _flush(tagger, batch, out, explain, text)


def _decoded(line: str | bytes, first: bool) -> str | None:
    """The line as text (`decoded_line`); None when its bytes are not UTF-8."""
    return line if isinstance(line, str) else decoded_line(line, first)


def _parse(line: str | None) -> dict:
    if line is None:
        return {"error": "not UTF-8 text; save the input as UTF-8", "_skip": True}
    try:
        data = json.loads(line)
    except ValueError as e:
        return {"error": f"not JSON: {e}", "_skip": True}
    if not isinstance(data, dict):
        return {"error": "not a JSON object", "_skip": True}
    wrong = [key for key in ("title", "summary", "lang")
             if data.get(key) is not None and not isinstance(data[key], str)]
    if wrong:       # a list or a number would be tagged as its printed form ("['a']"), silently
        return {**data, "error": f"'{wrong[0]}' must be text", "_skip": True}
    return data


def as_text(value: object, limit: int = MAX_SUMMARY_CHARS) -> str:
    """A title or summary as the pipeline would tag it: markup (a feed's HTML description pasted as
    it came) read as HTML, tags gone and entities resolved; plain text only folded and bounded. Tags
    such as "<p>" or "&amp;" would otherwise become words that decide nothing but dilute the rest."""
    raw = str(value or "")
    return html_to_text(raw, limit) if looks_like_markup(raw) or "&" in raw else plain_text(raw, limit)


def _flush(tagger: Tagger, batch: list[dict], out: TextIO, explain: bool, text: bool = False) -> None:
    docs = [d for d in batch if not d.get("_skip")]
    prepared = []
    for d in docs:
        title, summary = as_text(d.get("title"), limit=500), as_text(d.get("summary"))
        prepared.append({"title": title, "summary": summary,
                         "lang": d.get("lang") or detect_language(f"{title} {summary}")})
    # a newsroom or a link's slug names the platform where the text does not
    links = [d.get("url") or d.get("link") for d in docs]
    platforms = [platforms_of_item(prep["title"], prep["summary"], link if isinstance(link, str) else None)
                 for prep, link in zip(prepared, links)]
    predictions = iter(tagger.predict(prepared, platforms)) if prepared else iter(())
    on_topic = iter(tagger.on_topic(prepared).tolist()) if explain and prepared else iter(())
    for doc, prep, named in zip(docs, prepared, platforms):
        pred = next(predictions)
        doc["tags"], doc["scores"], doc["platforms"] = list(pred.tags), dict(pred.scores), named
        if explain:
            # how surely it is about what Lagebild watches (the topic gate): under 0.5 every score was lowered
            doc["on_topic"] = round(next(on_topic, 1.0), 4)
            reasons = tagger.reasons(prep, why_not=True, platforms=named)
            doc["explain"] = {tag: [[term, round(w, 4)] for term, w in terms] for tag, terms in reasons["tags"].items()}
            doc["why_not"] = {tag: [[term, round(w, 4)] for term, w in terms]
                              for tag, terms in reasons["why_not"].items()}
    for d in batch:
        d.pop("_skip", None)
        out.write(_printable(_as_text(d) if text else json.dumps(d, ensure_ascii=False) + "\n"))
    out.flush()


def _printable(text: str) -> str:
    """`text` as UTF-8 can carry it: a lone surrogate ("\\ud800" in the input's JSON) becomes "?",
    where it failed the whole output after the lines already tagged."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def _as_text(doc: dict) -> str:
    """One item for a person: its title, each tag with its score and the words behind it."""
    if "error" in doc:
        return f"! {doc['error']}\n\n"
    lines = [str(doc.get("title") or "")]
    scores = doc.get("scores") or {}
    for tag in doc.get("tags") or []:
        words = ", ".join(term for term, _ in (doc.get("explain") or {}).get(tag, []))
        lines.append(f"  {tag} {scores.get(tag, 0):.2f}" + (f": {words}" if words else ""))
    for tag, terms in (doc.get("why_not") or {}).items():
        words = ", ".join(term for term, _ in terms)
        lines.append(f"  (not {tag}, {scores.get(tag, 0):.2f}" + (f": {words})" if words else ")"))
    if not doc.get("tags"):
        lines.append("  no tag")
    if doc.get("on_topic", 1.0) < TOPIC_FLOOR:
        lines.append(f"  off topic ({doc['on_topic']:.2f}): every score lowered")
    if doc.get("platforms"):
        lines.append("  platforms: " + ", ".join(doc["platforms"]))
    return "\n".join(lines) + "\n\n"
