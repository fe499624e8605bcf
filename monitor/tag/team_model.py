"""A team's own tagger: trained on the team's corrections (`monitor train --team SLUG`), kept in the
database under `model:<slug>` so that every process and machine acting for the team uses it.

The model travels as a zip of its saved directory (model file and its sidecar with the
checksum), and is unpacked once per checksum into the data directory; the tagger checks the
model file against its sidecar when it loads.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import uuid
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from classifiers.tagger import Tagger
    from monitor.store import Store


def model_key(slug: str) -> str:
    return f"model:{slug}"


def publish(store: Store, slug: str, directory: Path) -> str:
    """Store the saved model directory as the team's model; the checksum of what was stored."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for path in sorted(p for p in directory.iterdir() if p.is_file() and not p.name.endswith(".tmp")):
            archive.write(path, path.name)
    return store.put_shared(model_key(slug), buffer.getvalue())


def unpacked(store: Store, home: Path, slug: str) -> Path | None:
    """The team's model unpacked into the data directory (once per checksum); None when it has none."""
    key = model_key(slug)
    checksum = store.shared_checksum(key)
    if checksum is None:
        return None
    target = home / f"team-model-{slug}-{checksum[:16]}"
    if not (target / "tagger.json").exists():
        found = store.get_shared(key)
        if found is None:
            return None
        partial = home / f".team-model-{slug}-{uuid.uuid4().hex[:8]}.part"
        partial.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(io.BytesIO(found[0])) as archive:
            for name in archive.namelist():
                if Path(name).name == name:           # plain file names only: nothing lands elsewhere
                    (partial / name).write_bytes(archive.read(name))
        with contextlib.suppress(OSError):             # another process unpacked it first: use that
            partial.replace(target)
        shutil.rmtree(partial, ignore_errors=True)
    return target


def load(store: Store, home: Path, slug: str) -> Tagger | None:
    """The team's tagger, None when the team trained none."""
    directory = unpacked(store, home, slug)
    if directory is None:
        return None
    from classifiers import Tagger
    return Tagger.load(directory)
