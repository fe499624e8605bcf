"""A saved model file changed on purpose, for tests that check what loading refuses."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from classifiers import storage


def rewritten(saved: Path, target: Path, edit: Callable[[dict], None]) -> Path:
    """`saved` (a model directory) written again to `target` after `edit` changed its arrays, with a
    valid checksum: what loading then refuses, it refuses for the arrays, not for the file."""
    state, sidecar = storage.load(saved)
    edit(state)
    storage.save(target, state, {key: sidecar[key] for key in ("thresholds", "meta", "language_thresholds")})
    return target
