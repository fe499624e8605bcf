"""`monitor train`: the shipped examples plus the team's corrections, corrections weighted higher."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from classifiers import default_training_files, load_examples, train_tagger
from classifiers.training import Example
from monitor.store import Store
from monitor.tag.tagging import item_doc, user_model_dir

CORRECTION_WEIGHT = 3.0


def correction_examples(store: Store) -> list[Example]:
    """The archive's corrections; train_tagger weighs them CORRECTION_WEIGHT times a shipped example."""
    docs = [(item_doc(item), tags) for item, tags, _user, _when in store.corrections()]
    return [Example(title=doc["title"], summary=doc["summary"], lang=doc["lang"] or "", tags=list(tags))
            for doc, tags in docs]


def retrain(store: Store, home: Path) -> Iterator[str]:
    shipped = load_examples(*default_training_files())
    corrections = correction_examples(store)
    yield f"Training on {len(shipped)} shipped examples and {len(corrections)} corrections from the archive …"
    tagger = train_tagger(shipped, extra=corrections, extra_weight=CORRECTION_WEIGHT)
    target = user_model_dir(home)
    tagger.save(target)
    yield f"Saved the model to {target}; `monitor run` and `monitor classify` use it from now on."
    if store.dialect == "postgresql":     # several machines: the workers take it from the database
        from monitor.work.shared import publish_model
        yield f"Stored it in the database too (sha256 {publish_model(store, target)[:12]}): every worker uses it."
    for tag, threshold in sorted(tagger.thresholds.items()):
        yield f"  {tag}: threshold {threshold:.2f}"
