"""Bridge between the pipeline and the tagger in classifiers/.

Tags come from the model; platforms from the name/alias dictionary plus the source's
hint; the language from the source, else detected. A model the team trained with
`monitor train` (in the data directory) wins over the packaged one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

from classifiers import ModelFileError, Tagger
from classifiers.tagger import PACKAGED_MODEL
from monitor.errors import ModelError
from monitor.item import Item
from monitor.locations import retrained_model, user_model_dir  # noqa: F401 - user_model_dir re-exported (monitor.tag.train)
from monitor.tag.hints import apply_shifts, shifts
from monitor.watch.annotate import annotate
from monitor.watch.page_diff import changed_sentences

log = logging.getLogger(__name__)


def load_tagger(home: Path | None = None) -> Tagger:
    """The team's retrained model if there is one, else the packaged model; one that cannot be
    used is a `ModelError` saying how to get a working one back. A retrained model older than the
    packaged one is used as before, with a warning (`older_than_packaged`)."""
    directory = retrained_model(home)
    tagger = load_model(directory)
    note = older_than_packaged(directory) if directory is not None else None
    if note and note not in _warned:
        _warned.add(note)
        log.warning(note)
    return tagger


_warned: set[str] = set()       # each note once per process, however often a model is loaded


def older_than_packaged(directory: Path) -> str | None:
    """What to say when the model retrained in `directory` predates the packaged model of this
    version: it was trained on the older version's examples, and an upgrade that ships better
    training data changes nothing until `monitor train` runs again (a team upgrading kept tagging
    with a model 0.05 macro-F1 worse on German and was not told)."""
    mine, packaged = _trained_at(directory), _trained_at(PACKAGED_MODEL)
    if not mine or not packaged or mine >= packaged:
        return None
    return (f"note: the model in {directory} was trained on {mine[:10]}, before this version's packaged model "
            f"({packaged[:10]}), so it lacks this version's training examples; run `monitor train` again (it keeps "
            f"your corrections), or remove {directory} to tag with the packaged model")


def _trained_at(directory: Path) -> str | None:
    try:
        meta = json.loads((directory / "tagger.json").read_text(encoding="utf-8")).get("meta") or {}
    except (OSError, ValueError, AttributeError):
        return None
    found = meta.get("trained_at") if isinstance(meta, dict) else None
    return found if isinstance(found, str) else None


def load_model(directory: Path | None) -> Tagger:
    """The model saved in `directory` (None: the packaged one), or a `ModelError` in plain words."""
    try:
        return Tagger.load(directory) if directory is not None else Tagger.load()
    except ModelFileError as e:
        fix = (f"retrain with `monitor train`, or remove {directory} to tag with the packaged model"
               if directory is not None else "the packaged model is damaged: reinstall Lagebild")
        raise ModelError(f"{e}; {fix}") from None


def item_doc(item: Item) -> dict:
    """What the model reads of an item. A watched page's change is read from its changed
    sentences alone: the title and summary Lagebild wrote around them ("geändert",
    "Neu:", "1 sentence added") would teach every change the same tags."""
    if item.kind == "change" and item.content_html:
        changed = changed_sentences(item.content_html)
        if changed:
            return {"title": "", "summary": "\n".join(changed), "lang": item.lang}
    return {"title": item.title, "summary": item.summary, "lang": item.lang}


def tag_items(tagger: Tagger, items: Sequence[Item], source_categories: Mapping[str, str] | None = None) -> None:
    """Set tags and scores on each item, in one batch through the model; lang and
    platforms too where the crawl has not set them already. With `source_categories`
    (source name -> category), the feed's own categories of each entry and its source's
    category nudge the tags (`monitor.tag.hints`); without, the text alone decides."""
    if not items:
        return
    annotate(items)
    known = source_categories or {}
    predictions = tagger.predict([item_doc(i) for i in items], [i.platforms for i in items])
    for item, prediction in zip(items, predictions):
        item.tags, item.scores = list(prediction.tags), dict(prediction.scores)
        moved = shifts(item.categories, known.get(item.source)) if (item.categories or known) else {}
        if moved:
            item.tags, item.scores = apply_shifts(item.scores, tagger.thresholds_for(item.lang, item.platforms), moved)


def explain_item(tagger: Tagger, item: Item, top: int = 6) -> dict[str, list[tuple[str, float]]]:
    """The terms behind each tag the item carries, plus ("why not") tags that scored at least
    half their threshold without being assigned; other tags are left out, since words that
    pushed a rejected tag a little explain nothing a reader asked about."""
    explained = tagger.explain(item_doc(item), top=top)
    thresholds = tagger.thresholds_for(item.lang, item.platforms)
    return {tag: terms for tag, terms in explained.items()
            if tag in item.tags or item.scores.get(tag, 0.0) >= 0.5 * thresholds.get(tag, 2.0)}
