"""Docs that cannot drift: every command and every feeds.yaml key is in the README."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from monitor.cli import cli
from monitor.config import Config

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


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
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text()
    assert commands[1] in ci
