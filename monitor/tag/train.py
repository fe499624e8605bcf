"""`monitor train`: the shipped examples plus the team's corrections, corrections weighted higher."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from classifiers import default_training_files, load_examples, train_tagger
from classifiers.examples import offtopic_examples
from classifiers.training import Example
from monitor.store import Store
from monitor.tag.tagging import item_doc, user_model_dir

if TYPE_CHECKING:
    from classifiers.tagger import Tagger

CORRECTION_WEIGHT = 3.0


def correction_examples(store: Store, team_id: int | None = None) -> list[Example]:
    """The archive's corrections (of the team; None: the default team's); train_tagger weighs them
    CORRECTION_WEIGHT times a shipped example."""
    docs = [(item_doc(item), tags) for item, tags, _user, _when in store.corrections(team_id)]
    return [Example(title=doc["title"], summary=doc["summary"], lang=doc["lang"] or "", tags=list(tags))
            for doc, tags in docs]


def retrain(store: Store, home: Path) -> Iterator[str]:
    shipped = load_examples(*default_training_files())
    corrections = correction_examples(store)
    yield f"Training on {len(shipped)} shipped examples and {len(corrections)} corrections from the archive …"
    tagger = train_tagger(shipped, extra=corrections, extra_weight=CORRECTION_WEIGHT,
                          offtopic=offtopic_examples())
    target = user_model_dir(home)
    tagger.save(target)
    yield f"Saved the model to {target}; `monitor run` and `monitor classify` use it from now on."
    if store.dialect == "postgresql":     # several machines: the workers take it from the database
        from monitor.work.shared import publish_model
        yield f"Stored it in the database too (sha256 {publish_model(store, target)[:12]}): every worker uses it."
    yield "Items already stored keep their tags; `monitor retag` tags them again with this model."
    yield from threshold_lines(tagger)


def retrain_team(store: Store, home: Path, team_id: int, slug: str) -> Iterator[str]:
    """`monitor train --team SLUG`: the shipped examples plus that team's corrections, stored in the
    database as the team's model (`model:<slug>`); the other teams' models stay as they are."""
    from monitor.tag import team_model

    shipped = load_examples(*default_training_files())
    corrections = correction_examples(store, team_id)
    yield (f"Training the model of team {slug} on {len(shipped)} shipped examples and {len(corrections)} "
           f"corrections made by the team …")
    tagger = train_tagger(shipped, extra=corrections, extra_weight=CORRECTION_WEIGHT,
                          offtopic=offtopic_examples())
    target = home / f"team-model-{slug}.new"
    tagger.save(target)
    checksum = team_model.publish(store, slug, target)
    shutil.rmtree(target, ignore_errors=True)
    yield f"Stored it in the database as {team_model.model_key(slug)} (sha256 {checksum[:12]}): the team's runs use it."
    from monitor.teams.tags import RECENT, retag_recent
    written = retag_recent(store, tagger, team_id)      # what the team reads now shows the new model's tags
    yield (f"Tagged the team's {written} items of the last {RECENT.days} days with it; its new items get its "
           "tags as they are stored.")
    yield from threshold_lines(tagger)


def team_tagger(store: Store, home: Path, slug: str) -> Tagger | None:
    """The team's own model (`monitor train --team`), None when it has none."""
    from monitor.tag import team_model
    return team_model.load(store, home, slug)


def threshold_lines(tagger: Tagger) -> Iterator[str]:
    """Each tag's threshold, and the thresholds of languages that have their own."""
    for tag, threshold in sorted(tagger.thresholds.items()):
        own = "".join(f", {lang} {values[tag]:.2f}" for lang, values in sorted(tagger.language_thresholds.items()))
        yield f"  {tag}: threshold {threshold:.2f}{own}"
