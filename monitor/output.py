"""Terminal output: tables, JSON and CSV for list commands, and progress that stays quiet off a TTY."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table


def console(quiet: bool = False) -> Console:
    return Console(quiet=quiet, soft_wrap=True)


@contextmanager
def progress_for(quiet: bool, total: int, label: str) -> Iterator[Callable[[], None]]:
    """A progress bar on a terminal; nothing when quiet or when stdout is not a TTY."""
    if quiet or not sys.stdout.isatty() or total <= 0:
        yield lambda: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task(label, total=total)
        yield lambda: progress.advance(task)


def print_rows(rows: Sequence[dict], fmt: str, columns: Sequence[str] | None = None) -> None:
    if fmt == "json":
        sys.stdout.write(json.dumps(list(rows), ensure_ascii=False, indent=2, default=str) + "\n")
        return
    columns = list(columns or (rows[0].keys() if rows else []))
    if fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in columns])
        return
    table = Table(*columns, show_lines=False, header_style="bold")
    for row in rows:
        table.add_row(*(_cell(row.get(c), width=70) for c in columns))
    Console(soft_wrap=False, width=200 if not sys.stdout.isatty() else None).print(table)
    if not rows:
        print("(none)")


def stream_rows(batches: Iterable[Sequence[dict[str, Any]]], fmt: str, columns: Sequence[str]) -> None:
    """JSON (one array, laid out as `print_rows` does) or CSV, written a batch at a time: memory
    holds one batch, whatever the number of rows."""
    out = sys.stdout
    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(columns)
        for batch in batches:
            writer.writerows([_cell(row.get(c)) for c in columns] for row in batch)
        return
    opening = "[\n  "
    for batch in batches:
        for row in batch:
            out.write(opening + json.dumps(row, ensure_ascii=False, indent=2, default=str).replace("\n", "\n  "))
            opening = ",\n  "
    out.write("[]\n" if opening.startswith("[") else "\n]\n")


def _cell(value: object, width: int | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = ", ".join(map(str, value))
    elif isinstance(value, dict):
        value = ", ".join(f"{k}={v}" for k, v in value.items())
    elif isinstance(value, float):
        value = f"{value:.2f}"
    text = str(value)
    return text if width is None or len(text) <= width else text[: width - 1] + "…"
