"""Docs that cannot drift: every command, feeds.yaml key and source kind is in the README,
and the maps where people extend Lagebild name files that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from monitor.cli import cli
from monitor.config import Config
from spiders import KINDS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
MAPS = [ROOT / "spiders" / "README.md", ROOT / "classifiers" / "README.md", ROOT / "benchmarks" / "README.md"]


def test_every_command_is_documented():
    missing = [name for name in cli.commands if f"monitor {name}" not in README]
    assert not missing, f"commands missing from README.md: {missing}"


def _keys(model: type[BaseModel]):
    for name, field in model.model_fields.items():
        if name == "path":
            continue
        yield name
        for inner in _models(field.annotation):
            yield from _keys(inner)


def _models(annotation):
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in getattr(annotation, "__args__", ()):
        yield from _models(arg)


def test_every_config_key_is_documented():
    missing = sorted({k for k in _keys(Config) if not re.search(rf"^\s*-?\s*{k}:", README, re.M)})
    assert not missing, f"feeds.yaml keys missing from README.md: {missing}"


def test_quick_start_has_exactly_two_commands_and_ci_runs_the_second():
    block = README.split("## Quick start", 1)[1].split("```", 2)[1]
    commands = [line for line in block.splitlines()[1:] if line.strip() and not line.startswith("#")]
    assert len(commands) == 2
    ci = (ROOT / ".ci" / "run").read_text()
    assert commands[1] in ci


def test_every_source_kind_is_documented():
    missing = [kind for kind in KINDS if not re.search(rf"\bkind: {re.escape(kind)}\b", README)]
    assert not missing, f"source kinds missing from README.md (write `kind: NAME` where it is explained): {missing}"


def _named_files(text: str):
    """Paths in `backticks` that end like a file (placeholders such as <kind> and files outside the repo left out)."""
    for path in re.findall(r"`([\w./*-]+\.(?:py|md|jsonl|json|html|yaml|css|npz))`", text):
        if not path.startswith("../"):
            yield path


@pytest.mark.parametrize("doc", MAPS, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_maps_name_files_that_exist(doc):
    missing = [path for path in _named_files(doc.read_text(encoding="utf-8"))
               if not any(ROOT.glob(path)) and not any(doc.parent.glob(path))]
    assert not missing, f"{doc.relative_to(ROOT)} names files that do not exist: {missing}"


def test_the_readme_feeds_yaml_example_validates(tmp_path):
    """The annotated feeds.yaml in the README is loaded as a user would load it."""
    from monitor.config import load_config
    block = README.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "feeds.yaml"
    path.write_text(block, encoding="utf-8")
    config = load_config(path, known_kinds=set(KINDS), environ={"MONITOR_EMAIL_URL": "mailto://127.0.0.1:2525"})
    assert {s.kind for s in config.sources} >= {"feed", "listpage", "page"}
