"""A team's own tagger: trained on the team's corrections (`monitor train --team SLUG`), kept in the
database under `model:<slug>` so that every process and machine acting for the team uses it.

The model travels as a zip of its saved directory (model file and its sidecar with the
checksum), and is unpacked once per checksum into the data directory; the tagger checks the
model file against its sidecar when it loads.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from monitor.work.shared import publish_model, shared_model_dir

if TYPE_CHECKING:
    from classifiers.tagger import Tagger
    from monitor.store import Store


def model_key(slug: str) -> str:
    return f"model:{slug}"


def publish(store: Store, slug: str, directory: Path) -> str:
    """Store the saved model directory as the team's model; the checksum of what was stored."""
    return publish_model(store, directory, model_key(slug))


def unpacked(store: Store, home: Path, slug: str) -> Path | None:
    """The team's model unpacked into the data directory (once per checksum); None when it has none."""
    return shared_model_dir(store, home, model_key(slug), f"team-model-{slug}")


def load(store: Store, home: Path, slug: str) -> Tagger | None:
    """The team's tagger, None when the team trained none."""
    directory = unpacked(store, home, slug)
    if directory is None:
        return None
    from monitor.tag.tagging import load_model
    return load_model(directory)
