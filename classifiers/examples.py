"""Labelled examples: the shipped JSON-lines files and corrections from the archive."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"


@dataclass
class Example:
    """One labelled item; `weight` lets a person's correction count more than a
    shipped example."""

    title: str
    summary: str = ""
    lang: str | None = None
    tags: list[str] = field(default_factory=list)
    weight: float = 1.0
    title_kind: str | None = None          # "headline", or "lead" when a first sentence stands in
    platforms: list[str] | None = None     # labelled platforms, where a file has them
    style: str | None = None               # the written style it belongs to: held out whole in cross-validation
    url: str | None = None                 # the item's link, where a file has it (real items)

    def as_doc(self) -> dict:
        return {"title": self.title, "summary": self.summary, "lang": self.lang}


def load_examples(*paths: str | Path) -> list[Example]:
    """Examples from JSON-lines files (`title`, optional `summary`, `lang`, `tags`,
    `weight`); blank lines are skipped, a broken line names its file and line."""
    from .labels import TAGS

    examples = []
    for path in paths:
        with open(path, "rb") as handle:
            for number, raw in enumerate(handle, 1):
                line = decoded_line(raw, first=number == 1)
                if line is None:
                    raise ValueError(f"{path}:{number}: not UTF-8 text; save the file as UTF-8")
                if line.strip():
                    examples.append(_parse_line(line, f"{path}:{number}", TAGS))
    return examples


def decoded_line(raw: bytes, first: bool) -> str | None:
    """One line of a JSON-lines file as text, None when it is not UTF-8. A byte-order mark opening
    the file (Windows editors write one) is no part of its first line."""
    try:
        return raw.decode("utf-8-sig" if first else "utf-8")
    except UnicodeDecodeError:
        return None


def default_training_files() -> list[Path]:
    return sorted(DATA_DIR.glob("train_*.jsonl"))


def default_dev_files() -> list[Path]:
    return sorted(DATA_DIR.glob("dev_*.jsonl"))


def default_offtopic_files() -> list[Path]:
    """Items about anything but what Lagebild watches, all untagged: they train the topic gate alone
    (`tagger.TOPIC_FLOOR`), never the tags."""
    return sorted((DATA_DIR / "offtopic").glob("train_*.jsonl"))


def offtopic_examples() -> list[Example]:
    """The shipped off-topic examples (`default_offtopic_files`), for every training run."""
    return load_examples(*default_offtopic_files())


def offtopic_check_files() -> list[Path]:
    """Off-topic items in other topics and wording, never trained on: how well the gate carries over."""
    return sorted((DATA_DIR / "offtopic").glob("check_*.jsonl"))


def data_sha256(examples: Iterable[Example]) -> str:
    """A fingerprint of the training data, to tell which data a model was trained on."""
    digest = hashlib.sha256()
    for ex in examples:
        record = [ex.title, ex.summary, ex.lang, sorted(ex.tags), ex.weight]
        digest.update(json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n")
    return digest.hexdigest()


def _parse_line(line: str, where: str, known_tags: tuple[str, ...]) -> Example:
    try:
        record = json.loads(line)
    except ValueError as exc:
        raise ValueError(f"{where}: not valid JSON ({exc})") from None
    if not isinstance(record, dict) or not isinstance(record.get("title"), str):
        raise ValueError(f"{where}: each line needs a JSON object with a string 'title'")
    tags = record.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ValueError(f"{where}: 'tags' must be a list of tag names, e.g. [\"legal_change\"]")
    unknown = sorted(set(tags) - set(known_tags))
    if unknown:
        raise ValueError(f"{where}: unknown tags {unknown}; known: {list(known_tags)}")
    for key in ("summary", "lang", "title_kind"):
        if record.get(key) is not None and not isinstance(record[key], str):
            raise ValueError(f"{where}: '{key}' must be text")
    if not isinstance(record.get("weight", 1.0), (int, float)):
        raise ValueError(f"{where}: 'weight' must be a number")
    return Example(
        title=record["title"],
        summary=record.get("summary") or "",
        lang=record.get("lang") or None,
        tags=[t for t in known_tags if t in tags],
        weight=float(record.get("weight", 1.0)),
        title_kind=record.get("title_kind") or None,
        platforms=list(record["platforms"]) if isinstance(record.get("platforms"), list) else None,
        style=str(record["style"]) if record.get("style") else None,
        url=str(record["url"]) if isinstance(record.get("url"), str) else None,
    )
