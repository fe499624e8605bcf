"""What the command line shows a person: tables and summaries in one language.

The words follow `settings.language` (German or English; English without a config
file), dates are in `settings.timezone` and short ('03.12. 09:14' / '2026-12-03 09:14'),
tags are shown as the digest and archive name them, and the ids `--tag` takes are
listed once below the table. Tables wrap their long columns so they read at 80
columns. JSON and CSV stay as the contract says (ISO dates, tag ids): they are for
machines, this module is for people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from classifiers.labels import TAGS, platform_label
from monitor.i18n import Translator
from monitor.watch.errors import explain, outage, outage_words, words

if TYPE_CHECKING:
    from monitor.config import Config
    from monitor.pipeline import RunReport


def translator_for(config: Config | None) -> Translator:
    """settings.language and settings.timezone; English and UTC without a config file."""
    if config is None:
        return Translator("en", "UTC")
    return Translator(config.settings.language, config.settings.timezone)


def when(t: Translator, value: datetime | str | None, now: datetime | None = None) -> str:
    """'03.12. 09:14' (German; the year only when it is not this year) or '2026-12-03 09:14'."""
    if value is None or value == "":
        return ""
    stamp = datetime.fromisoformat(value) if isinstance(value, str) else value
    local = stamp.astimezone(t.tz)
    if t.language != "de":
        return f"{local:%Y-%m-%d %H:%M}"
    this_year = (now or datetime.now(t.tz)).astimezone(t.tz).year
    return f"{local:%d.%m.} {local:%H:%M}" if local.year == this_year else f"{local:%d.%m.%Y %H:%M}"


def tag_name(t: Translator, tag: str) -> str:
    return t(f"common.tag.{tag}") if tag in TAGS else tag


WORD_MAX = 16      # longer words (addresses, handles) fold rather than widen a column


@dataclass
class Column:
    header: str
    wrap: bool = False          # long text: wraps inside its column instead of widening the table
    right: bool = False         # numbers
    max_width: int | None = None   # names and tags: the title gets the room


def print_table(rows: Sequence[Sequence[str | Text]], columns: Sequence[Column], *, empty: str,
                notes: Sequence[str] = ()) -> None:
    """A plain table (no vertical rules) that fits the terminal, or 80 columns off a terminal."""
    out = Console(highlight=False)
    if not rows:
        out.print(empty, markup=False)
        return
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False, show_edge=False,
                  expand=False)
    longest = [min(WORD_MAX, max(len(w) for w in [w for row in rows for w in str(row[i]).split()] + [col.header]))
               for i, col in enumerate(columns)]
    fixed = [max([len(col.header)] + [len(line) for row in rows for line in str(row[i]).splitlines()])
             if not col.wrap else longest[i] for i, col in enumerate(columns)]
    # Wrap between words, not inside them, where the table has room for the longest word of each
    # wrapping column; where it has not, rich drops the letters it cannot place ("127.0.0.1:8097:"
    # came out as "127.0.0.1:"), so the columns fold inside words instead.
    roomy = sum(min(w, c.max_width or w) for w, c in zip(fixed, columns)) + 3 * len(columns) <= out.width
    for i, col in enumerate(columns):
        table.add_column(col.header, justify="right" if col.right else "left", no_wrap=not col.wrap,
                         overflow="fold", min_width=longest[i] if col.wrap and roomy else None,
                         max_width=col.max_width)
    for row in rows:
        table.add_row(*row)
    out.print(table)
    for note in notes:
        out.print(note, markup=False)


# --------------------------------------------------------------------------- per command
TABLE_ITEMS = 200      # `monitor items` as a table: the newest this many unless --limit says otherwise


def print_items(rows: Sequence[dict[str, Any]], t: Translator, total: int | None = None) -> None:
    """`monitor items`: date, source, tags by name, title with its platforms; `total`: how many
    matched, when the table shows only the newest of them."""
    table: list[list[str | Text]] = []
    for it in rows:
        title = Text(str(it["title"]))
        if it.get("platforms"):
            title.append("\n" + ", ".join(platform_label(p) for p in it["platforms"]), style="dim")
        table.append([str(it["id"]), when(t, it.get("published") or it.get("fetched")), str(it["source"]),
                      ", ".join(tag_name(t, tag) for tag in it.get("tags", [])), title])
    columns = [Column(t("cli.items.id"), right=True), Column(t("cli.items.date")),
               Column(t("cli.items.source"), wrap=True, max_width=16),
               Column(t("cli.items.tags"), wrap=True, max_width=16), Column(t("cli.items.title"), wrap=True)]
    legend = ", ".join(f"{tag_name(t, tag)} = {tag}" for tag in TAGS)
    count = (t.plural("cli.items.count", len(rows), tz=t.tz.key) if total is None or total <= len(rows)
             else t("cli.items.newest", n=t.number(len(rows)), total=t.number(total), tz=t.tz.key))
    print_table(table, columns, empty=t("cli.items.none"), notes=[count, t("cli.items.legend", tags=legend)])


def print_sources(rows: Sequence[dict[str, Any]], t: Translator) -> None:
    """`monitor sources`: health in plain words (the JSON keeps the stored English sentence)."""
    table: list[list[str | Text]] = []
    for src in rows:
        problem = ""
        if src.get("status") == "failing" or src.get("last_error"):
            problem = words(t, src.get("last_error"), src.get("last_status"))
        status = t(f"common.status.{src['status']}")
        if src.get("consecutive_failures"):
            status += f" ({src['consecutive_failures']}×)"
        table.append([str(src["name"]), status, str(src.get("items", 0)), when(t, src.get("last_success")),
                      problem])
    columns = [Column(t("cli.sources.name"), wrap=True), Column(t("cli.sources.status")),
               Column(t("cli.sources.items"), right=True), Column(t("cli.sources.last_success")),
               Column(t("cli.sources.problem"), wrap=True)]
    print_table(table, columns, empty=t("cli.sources.none"))


def print_trends(rows: Sequence[dict[str, Any]], t: Translator) -> None:
    table: list[list[str | Text]] = [[str(r["term"]), t.number(r["score"]), str(r["sources"]), t.number(r["baseline"]),
              str(r.get("explanation") or "")] for r in rows]
    columns = [Column(t("cli.trends.term"), wrap=True), Column(t("cli.trends.score"), right=True),
               Column(t("cli.trends.sources"), right=True), Column(t("cli.trends.baseline"), right=True),
               Column(t("cli.trends.explanation"), wrap=True)]
    print_table(table, columns, empty=t("cli.trends.none"))


def print_outbox(rows: Sequence[dict[str, Any]], t: Translator) -> None:
    table: list[list[str | Text]] = [
        [t(f"cli.outbox.kind.{r['kind']}"), str(r["target"]), t(f"cli.outbox.status.{r['status']}"),
              str(r.get("messages", "")), str(r.get("attempts", "")), when(t, r.get("next_attempt")),
              str(r.get("last_error") or "")] for r in rows]
    columns = [Column(t("cli.outbox.kind")), Column(t("cli.outbox.target"), wrap=True),
               Column(t("cli.outbox.status")), Column(t("cli.outbox.messages"), right=True),
               Column(t("cli.outbox.attempts"), right=True), Column(t("cli.outbox.next")),
               Column(t("cli.outbox.error"), wrap=True)]
    print_table(table, columns, empty=t("cli.outbox.none"))


def run_summary(report: RunReport, t: Translator, config: Config | None = None) -> list[str]:
    """`monitor run`'s summary in the team's language (RunReport.lines() is the English log form)."""
    ok = report.fetched - len(report.failed)
    first = t("cli.run.sources", fetched=t.number(report.fetched), ok=t.number(ok),
              unchanged=t.number(report.unchanged), failing=t.number(len(report.failed)))
    if report.waiting:
        first += t("cli.run.waiting", n=t.number(len(report.waiting)))
    new = t("cli.run.new", n=t.number(report.new_count))
    if report.new_tags:
        new += " (" + ", ".join(f"{t.number(n)} {tag_name(t, tag)}" for tag, n in report.new_tags.most_common()) + ")"
    out = [first, new]
    problems = {name: explain(error) for name, error in report.failed.items()}
    down = outage(problems.values(), report.fetched)
    if down:
        out.append("  " + outage_words(t, down, report.fetched))
    for name, error in sorted(report.failed.items()):
        if not (down and problems[name].network):
            out.append(t("cli.run.failing", name=name, error=words(t, error)))
    for name, at in sorted(report.waiting.items()):
        out.append(t("cli.run.next_try", name=name, when=when(t, at)))
    if report.restored:
        out.append(t.plural("cli.run.restored", report.restored))
    out += report.delivery_lines
    if config is not None:
        from monitor.setup_checks import unset_digest_targets
        out += [t("cli.run.digest_unset", target=name) for name in unset_digest_targets(config)]
    return out
