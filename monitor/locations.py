"""Where config, data and database are, by the contract's precedence rules.

config file:    --config PATH, env MONITOR_CONFIG, ./feeds.yaml
data directory: env MONITOR_HOME, default ./.monitor/ next to the config (created when missing)
database:       --db URL, env MONITOR_DB, settings.database, default sqlite:/// file in the data directory
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

DB_FILE = "monitor.db"


@dataclass(frozen=True)
class Locations:
    config: Path
    home: Path

    def database(self, cli_db: str | None, configured: str | None) -> str:
        url = cli_db or os.environ.get("MONITOR_DB") or configured
        return url or f"sqlite:///{(self.home / DB_FILE).resolve()}"


def locate(cli_config: str | None) -> Locations:
    config = Path(cli_config or os.environ.get("MONITOR_CONFIG") or "feeds.yaml").expanduser()
    home_env = os.environ.get("MONITOR_HOME")
    home = Path(home_env).expanduser() if home_env else config.resolve().parent / ".monitor"
    return Locations(config=config, home=home)


def ensure_home(home: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    return home


USER_MODEL_DIR = "model"       # `monitor train` writes the retrained model here, in the data directory


def user_model_dir(home: Path) -> Path:
    return home / USER_MODEL_DIR


def retrained_model(home: Path | None) -> Path | None:
    """The retrained model's directory when the data directory has one, else None (the packaged
    model). Here, not beside the tagger: the crawl asks too, without importing NumPy and SciPy."""
    if home is None:
        return None
    directory = user_model_dir(home)
    # either file is enough: a model missing its other half must fail in words, not give way to the packaged one
    return directory if (directory / "tagger.json").exists() or (directory / "tagger.npz").exists() else None


def write_copy(path: Path, data: bytes) -> None:
    """Write `path` whole or not at all, also when several processes write the same file at once
    (workers reading one applied configuration): each writes its own partial file and renames
    it into place. One shared partial name let one process's rename take the other's file away
    (FileNotFoundError, seen with two workers at digest time)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")
    partial.write_bytes(data)
    partial.replace(path)
