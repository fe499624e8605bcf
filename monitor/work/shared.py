"""Configuration and the retrained model, which every worker reads from the database.

On several machines no single feeds.yaml is the truth: `monitor config apply` validates
the file and stores its text in the database, and every worker loads what was applied
(with its own environment for `${VAR}` secrets). The file is kept as written, comments
and all, so what a worker reads is what a person wrote. Applying is also the one place
where the stored sources follow the config (added, changed, deactivated), instead of
every run syncing from whatever file it happened to find.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import uuid
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.config import Config, load_config
from monitor.locations import write_copy

if TYPE_CHECKING:
    from classifiers.tagger import Tagger
    from monitor.store import Store

CONFIG_KEY = "config:feeds.yaml"
MODEL_KEY = "model:tagger"


def apply_config(store: Store, path: Path, known_kinds: set[str] | None = None) -> tuple[Config, str]:
    """Validate `path` (a ConfigError stops before anything is written), store it and its sources."""
    config = load_config(path, known_kinds=known_kinds)
    checksum = store.put_shared(CONFIG_KEY, path.read_bytes())
    store.sync_sources(config.sources)
    return config, checksum


def applied_config(store: Store, home: Path, known_kinds: set[str] | None = None) -> Config | None:
    """The configuration last applied, None when nothing was; read through a file in the data
    directory, named by its checksum, so errors name a file a person can open."""
    found = store.get_shared(CONFIG_KEY)
    if found is None:
        return None
    text, checksum = found
    copy = home / f"applied-{checksum[:12]}.yaml"
    if not copy.exists():
        write_copy(copy, text)
    return load_config(copy, known_kinds=known_kinds)


def applied_plan(store: Store, home: Path, known_kinds: set[str] | None = None
                 ) -> tuple[Config, dict[str, timedelta] | None] | None:
    """What the workers crawl: feeds.yaml as applied, or with applied teams/*.yaml their fetch plan
    (every subscribed source once) and each source's window (monitor.teams.plan); None: nothing applied."""
    config = applied_config(store, home, known_kinds)
    if config is None:
        return None
    from monitor.teams.config import applied_teams
    from monitor.teams.plan import build_plan
    teams = applied_teams(store, home, config, known_kinds)
    if len(teams) == 1:
        return config, None
    plan = build_plan(teams, store.names_by_key())
    return plan.config, plan.windows


def publish_model(store: Store, directory: Path, key: str = MODEL_KEY) -> str:
    """Store a saved model directory (model file and its sidecar with the model's checksum)
    in the database under `key` (a team's model has its own), so every worker tags with it;
    the checksum of what was stored."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for path in sorted(p for p in directory.iterdir() if p.is_file() and not p.name.endswith(".tmp")):
            archive.write(path, path.name)
    return store.put_shared(key, buffer.getvalue())


def shared_model_dir(store: Store, home: Path, key: str = MODEL_KEY, prefix: str = "model") -> Path | None:
    """The model last published to the database under `key`, unpacked once into the data directory
    (`prefix` and its checksum name the folder; the tagger checks the model file against its
    sidecar when it loads); None when nothing was published."""
    checksum = store.shared_checksum(key)
    if checksum is None:
        return None
    target = home / f"{prefix}-{checksum[:16]}"
    if not (target / "tagger.json").exists():
        found = store.get_shared(key)
        if found is None:
            return None
        partial = home / f".{prefix}-{checksum[:16]}-{uuid.uuid4().hex[:8]}.part"
        partial.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(io.BytesIO(found[0])) as archive:
            for name in archive.namelist():
                if Path(name).name == name:           # plain file names only: nothing lands elsewhere
                    (partial / name).write_bytes(archive.read(name))
        with contextlib.suppress(OSError):             # another process unpacked it first: use that
            partial.replace(target)
        shutil.rmtree(partial, ignore_errors=True)
    return target


def installation_tagger(store: Store, home: Path) -> Tagger:
    """The model every worker tags with: the one published to the database (`monitor train` on
    PostgreSQL), else the data directory's retrained one, else the packaged one."""
    from monitor.tag.tagging import load_model, load_tagger

    directory = shared_model_dir(store, home) if store.shared_checksum(MODEL_KEY) else None
    return load_model(directory) if directory else load_tagger(home)
