"""Configuration every worker reads from the database (`monitor config apply`).

On several machines no single feeds.yaml is the truth: `monitor config apply` validates
the file and stores its text in the database, and every worker loads what was applied
(with its own environment for `${VAR}` secrets). The file is kept as written, comments
and all, so what a worker reads is what a person wrote. Applying is also the one place
where the stored sources follow the config (added, changed, deactivated), instead of
every run syncing from whatever file it happened to find.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from monitor.config import Config, load_config

if TYPE_CHECKING:
    from monitor.store import Store

CONFIG_KEY = "config:feeds.yaml"


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
        home.mkdir(parents=True, exist_ok=True)
        partial = copy.with_suffix(".part")
        partial.write_bytes(text)
        partial.replace(copy)
    return load_config(copy, known_kinds=known_kinds)
