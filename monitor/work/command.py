"""`monitor worker` and `monitor config apply`: the commands of an installation on several machines.

Registered on the `monitor` group by cli.py (`add_commands`), so the group's own module
stays as it is and these commands keep what they need to themselves.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from classifiers.tagger import Tagger
    from monitor.cli import App
    from monitor.work.jobs import WorkContext


WORKER_NICENESS = 5     # the crawl process it starts adds its own 5 (spiders/crawl.py CRAWL_NICENESS)


def yield_to_the_archive() -> None:
    """A worker is batch work: where it shares a machine with the archive's web process, the
    web process gets a core first, and people reading the archive do not wait for a crawl
    (benchmarks/bench_web_under_crawl.py; README, "Several workers"). A worker that finds
    the machine idle runs as fast as before: niceness only orders who waits."""
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)


def add_commands(group: click.Group, common: Callable) -> None:
    """Add `worker`, the `config` group (`config apply`) and `migrate-db` to `group`."""

    @group.command()
    @click.option("--once", is_flag=True, help="work until nothing is due, then exit 0")
    @common
    def worker(app: App, once: bool) -> None:
        """A worker of a PostgreSQL installation: crawl shards, deliveries, digests, until stopped."""
        from monitor.work.engine import conninfo, run

        try:
            conninfo(app.db_url)
        except ValueError as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(2)
        from monitor.gc_tuning import tune_garbage_collection

        yield_to_the_archive()
        tune_garbage_collection()
        run(app.db_url, _context(app), once)

    @group.group(name="config")
    def config_group() -> None:
        """The configuration every worker uses, kept in the database."""

    @config_group.command(name="apply")
    @click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @common
    def apply(app: App, files: tuple[Path, ...]) -> None:
        """Write feeds.yaml and teams/*.yaml beside it (default: --config and its teams/) into the
        database; workers then use what was applied. Every file is checked before any is written."""
        from monitor.teams.config import apply_files, load_files
        from spiders import KINDS

        teams = load_files(app.locations.config, files, known_kinds=set(KINDS))
        from monitor.setup_checks import check_notify_urls
        for team in teams:      # workers send with these: a URL no service takes is found now
            check_notify_urls(team.config)
        for line in apply_files(app.store, teams, complete=not files):
            click.echo(line)

    _add_migrate(group, common)


def _add_migrate(group: click.Group, common: Callable) -> None:
    @group.command(name="migrate-db")
    @click.option("--to", "target", required=True, metavar="URL", help="the database to copy into (empty)")
    @common
    def migrate_db(app: App, target: str) -> None:
        """Copy the archive of --db (e.g. SQLite) into another database and verify the counts."""
        from monitor.store import Store
        from monitor.store.copy import CopyError, copy_archive

        destination = Store.open(target)
        try:
            counts = copy_archive(app.store, destination)
        except CopyError as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(1)
        finally:
            destination.close()
        for name, (before, after) in counts.items():
            click.echo(f"{name:>15}: {before:>9} → {after:>9}")
        click.echo(f"copied into {destination.engine.url.render_as_string()}; every count matches")


def _context(app: App) -> WorkContext:
    from monitor.tell.deliver import Sender
    from monitor.work.jobs import WorkContext
    from spiders import KINDS

    loaded: dict[str | None, Tagger] = {}

    def tagger() -> Tagger:
        """The model published to the database (`monitor train`), reloaded when a newer one is;
        else the data directory's or the packaged one."""
        from monitor.work.shared import MODEL_KEY, installation_tagger

        checksum = app.store.shared_checksum(MODEL_KEY)
        if checksum not in loaded:
            loaded.clear()
            loaded[checksum] = installation_tagger(app.store, app.home)
        return loaded[checksum]

    return WorkContext(store=app.store, home=app.home, sender=Sender(), tagger=tagger,
                       fallback=lambda: app.config, known_kinds=set(KINDS))
