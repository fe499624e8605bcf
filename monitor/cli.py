"""The `monitor` command: builds settings, store, tagger and sender, and passes them down.

Nothing happens at import time; each command wires what it needs (urlwatch's
`cli.main()` habit). Config errors end the command before any work with exit 2.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from classifiers.labels import TAGS
from monitor.cli_teams import acting, team_configs
from monitor.errors import ConfigError, DatabaseError, ModelError
from monitor.locations import Locations, ensure_home, locate
from monitor.output import print_rows, progress_for, stream_rows
from monitor.teams.command import team_option

if TYPE_CHECKING:
    from classifiers.tagger import Tagger



class DurationType(click.ParamType):
    """A window on the command line (`24h`, `7d`, `1h30m`): a value that is none ends the command
    with click's usage error naming the option, where `parse_duration`'s ValueError was a traceback."""
    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> timedelta:
        if isinstance(value, timedelta):
            return value
        from monitor.durations import parse_duration
        try:
            return parse_duration(value)
        except ValueError as e:
            self.fail(str(e), param, ctx)


DURATION = DurationType()
PORT = click.IntRange(1, 65535)


if TYPE_CHECKING:   # config (pydantic) and store (SQLAlchemy) are imported when a command needs them
    from monitor.config import Config
    from monitor.store import Store
    from monitor.teams.model import Team


@dataclass
class App:
    """What a command needs, built lazily from the command-line options."""
    config_opt: str | None
    db_opt: str | None
    quiet: bool = False
    _config: Config | None = field(default=None, init=False)
    _store: Store | None = field(default=None, init=False)

    @functools.cached_property
    def locations(self) -> Locations:
        return locate(self.config_opt)

    @property
    def home(self) -> Path:
        return ensure_home(self.locations.home)

    @property
    def config(self) -> Config:
        if self._config is None:
            from monitor.config import load_config
            from spiders import KINDS
            self._config = load_config(self.locations.config, known_kinds=set(KINDS))
        return self._config

    def optional_config(self) -> Config | None:
        """For commands that work without a config file (classify, eval, items on a bare db)."""
        if not self.locations.config.exists():
            return None
        return self.config

    @property
    def db_url(self) -> str:
        config = self.optional_config()
        return self.locations.database(self.db_opt, config.settings.database if config else None)

    @property
    def store(self) -> Store:
        if self._store is None:
            from monitor.store import Store
            self.home  # noqa: B018 - create the data directory for the default SQLite file
            self._store = Store.open(self.db_url)
        return self._store

    def team(self, slug: str | None) -> Team:
        """The team `--team SLUG` names; without one the team `default` (feeds.yaml's). An unknown
        slug is a config error naming the known teams."""
        from monitor.teams.model import DEFAULT_SLUG, UnknownTeam
        try:
            return self.store.team(slug or DEFAULT_SLUG)
        except UnknownTeam as e:
            raise ConfigError(f"{e}; add it with `monitor team add {slug}` or a teams/{slug}.yaml") from None


def common(command: Callable) -> Callable:
    """--config, --db and --quiet on every command (the contract: every command takes them)."""
    @click.option("--config", "config_opt", metavar="PATH", help="feeds.yaml (default: $MONITOR_CONFIG, ./feeds.yaml)")
    @click.option("--db", "db_opt", metavar="URL", help="SQLAlchemy URL (default: $MONITOR_DB, settings.database, "
                                                        "sqlite in the data directory)")
    @click.option("--quiet", "-q", is_flag=True, help="no progress, only errors and results")
    @functools.wraps(command)
    def wrapper(config_opt: str | None, db_opt: str | None, quiet: bool, **kwargs: Any) -> Any:
        parent = click.get_current_context().find_object(App)
        app = App(config_opt or (parent.config_opt if parent else None),
                  db_opt or (parent.db_opt if parent else None), quiet or bool(parent and parent.quiet))
        try:
            return command(app, **kwargs)
        except ConfigError as e:
            click.echo(f"config error: {e}", err=True)
            sys.exit(2)
        except DatabaseError as e:
            click.echo(f"database error: {e}", err=True)
            sys.exit(1)
        except ModelError as e:
            click.echo(f"model error: {e}", err=True)
            sys.exit(1)
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", "config_opt", metavar="PATH", help="feeds.yaml (also accepted after the command)")
@click.option("--db", "db_opt", metavar="URL", help="database URL (also accepted after the command)")
@click.option("--quiet", "-q", is_flag=True,
              help="no progress, only errors and results (also accepted after the command)")
@click.version_option(package_name="lagebild")
@click.pass_context
def cli(ctx: click.Context, config_opt: str | None, db_opt: str | None, quiet: bool) -> None:
    """Lagebild: watches platform newsrooms, changelogs, blogs and legal sources for social media teams.

    Commands: run, digest, serve, daemon, demo, classify, items, sources, train, retag, eval, trends,
    outbox, notify-test, hash-password, sources-export, sources-import, team, user.
    """
    ctx.obj = App(config_opt, db_opt, quiet)


# --------------------------------------------------------------------------- watch
@cli.command()
@click.option("--retry-now", is_flag=True, help="also fetch sources waiting out a backoff after failures")
@common
def run(app: App, retry_now: bool) -> None:
    """One cycle: fetch every source, store new items, classify, send alerts; print a summary."""
    from monitor.gc_tuning import tune_garbage_collection
    from spiders.crawl import CrawlProcess, processes
    crawl = CrawlProcess(processes())   # first: their imports (Scrapy, Twisted) overlap ours and the config

    from monitor.pipeline import run_cycle
    from monitor.teams.plan import teams_plan
    from monitor.tell.deliver import Sender
    from spiders import KINDS
    from spiders.new_sources import model_choice

    config = app.config
    from monitor.setup_checks import check_notify_urls
    check_notify_urls(config)          # alerts go out during the run: a URL no service takes stops it first
    store = app.store
    store.for_writing()
    plan = teams_plan(store, app.locations.config, set(KINDS))     # teams/ beside feeds.yaml: every team's sources
    fetched = plan.config if plan else config
    routes = _team_routes(app) if plan else _own_model_routes(app, config)
    tune_garbage_collection()
    due = sum(1 for s in fetched.sources if s.enabled)
    with progress_for(app.quiet, due, "Fetching sources") as advance:
        report = run_cycle(fetched, store, _tagger_loader(app.home), Sender(), on_result=lambda _r: advance(),
                           crawl=crawl, retry_now=retry_now, windows=plan.windows if plan else None,
                           sync=plan is None and routes is None, routes=routes,
                           crawl_tagger=model_choice(app.home))
    from monitor.cli_views import run_summary, translator_for
    t = translator_for(config)
    for line in run_summary(report, t, config):
        click.echo(line)
    if not fetched.sources:         # an empty or comment-only feeds.yaml: say what to do, not just "0"
        click.echo(t("cli.run.no_sources", path=app.locations.config))


def _own_model_routes(app: App, config: Config) -> list | None:
    """A plain feeds.yaml whose team trained its own model (`monitor train --team default`): its new
    items get that model's tags too, as with teams; None otherwise (the run is exactly as before)."""
    from monitor.tag.team_model import model_key
    if app.store.shared_checksum(model_key("default")) is None:
        return None
    from monitor.tell.team_alerts import team_routes
    app.store.sync_sources(config.sources)        # first: the routes know every source of the file
    return team_routes(app.store, [("default", config)], app.home)


def _team_routes(app: App) -> list:
    """Every team's alert rules over its own sources (teams/ beside feeds.yaml), for `monitor run`."""
    from monitor.teams.config import load_teams
    from monitor.tell.team_alerts import team_routes
    from spiders import KINDS
    teams = load_teams(app.locations.config, set(KINDS))
    return team_routes(app.store, [(t.slug, t.config) for t in teams], app.home)


@cli.command()
@click.option("--since", type=DURATION, metavar="DURATION", help="only items first seen within this window, e.g. 24h")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="write the HTML here; send nothing")
@click.option("--dry-run", is_flag=True, help="print the digest; send and mark nothing")
@team_option
@common
def digest(app: App, since: timedelta | None, output: Path | None, dry_run: bool, team_slug: str | None) -> None:
    """Send the digest of every item not yet in a sent digest (with --team: that team's digest)."""
    from monitor.tell.deliver import Sender
    from monitor.tell.digest import send_digest

    who = acting(app, team_slug)
    config = who.config or app.config
    if output is None and not dry_run:
        from monitor.setup_checks import check_digest_targets, check_notify_urls
        check_digest_targets(config)       # a digest that goes nowhere must not end with exit 0
        check_notify_urls(config)
    report = send_digest(app.store, config, Sender(), since=since, output=output, dry_run=dry_run,
                         base_url=config.settings.web.base_url, team_id=who.id)
    for line in report.lines:
        click.echo(line)
    sys.exit(report.exit_code)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=PORT)
@common
def serve(app: App, host: str, port: int) -> None:
    """The web archive."""
    from monitor.web import create_app
    from monitor.web import serve as serve_app

    _check_port(host, port)
    web = create_app(app.config, app.store, home=app.home, password=os.environ.get("MONITOR_WEB_PASSWORD"),
                     tagger_loader=_tagger_loader(app.home, required=False), team_configs=team_configs(app))
    from monitor.cli_views import translator_for
    click.echo(translator_for(app.config)("cli.demo.archive", url=f"http://{host}:{port}/"), err=True)
    unguarded = _unguarded_teams(app)
    if unguarded:
        click.echo(f"note: the database role {unguarded!r} bypasses row-level security, so the second guard between "
                   "teams is off (the queries' own filter still holds); connect as a role that is neither "
                   "superuser nor BYPASSRLS (README: Teams)", err=True)
    serve_app(web, host, port)


def _unguarded_teams(app: App) -> str | None:
    """The role's name when several teams share a PostgreSQL database under a role that row-level
    security does not hold."""
    from monitor.teams.scope import unguarded_role
    if len(app.store.list_teams()) < 2:
        return None
    with app.store.session() as s:
        return unguarded_role(s)


def _check_port(host: str, port: int) -> None:
    """Before any work: a busy port ends the command with the option to use (exit 2)."""
    from monitor.setup_checks import port_problem
    problem = port_problem(host, port)
    if problem:
        click.echo(f"error: {problem}", err=True)
        sys.exit(2)


def _tagger_loader(home: Path, required: bool = True) -> Callable:
    """Load the tagger on first use, once (its libraries take seconds to import)."""
    @functools.lru_cache(maxsize=1)
    def load() -> Tagger | None:
        from monitor.tag.tagging import load_tagger
        if required:
            return load_tagger(home)
        try:
            return load_tagger(home)
        except Exception:  # noqa: BLE001 - the archive works without explanations
            return None
    return load


@cli.command()
@common
def daemon(app: App) -> None:
    """Run `run` every settings.fetch.interval and `digest` at settings.digest.at, until stopped
    (with teams/ beside feeds.yaml: each team's digest at its own time and time zone)."""
    from monitor.daemon import run_daemon
    from monitor.setup_checks import check_digest_targets, check_notify_urls
    from monitor.teams.schedule import daemon_digests, digest_times
    from spiders import KINDS

    teams = daemon_digests(app.locations.config, set(KINDS))
    for checked in [app.config] + [team.config for team in teams or []]:
        check_notify_urls(checked)     # found at start, not at the first alert or 07:30
    if teams is None:
        check_digest_targets(app.config, "monitor daemon")   # found at start, not at 07:30
        digests = None
    else:                      # every team that names digest targets must be able to reach them
        for team in teams:
            if team.config.settings.digest.notify:
                check_digest_targets(team.config, "monitor daemon")
        digests = digest_times(teams)
        if not digests:
            check_digest_targets(app.config, "monitor daemon")   # no team sends one: say how to add it
    argv = [sys.executable, "-m", "monitor", "--config", str(app.locations.config.resolve())]
    if app.db_opt:
        argv += ["--db", app.db_opt]
    from monitor.teams.plan import daemon_config
    def reload() -> list:
        """The teams' digest times as the files say them now (the daemon asks at every cycle)."""
        from monitor.teams.config import load_teams
        return digest_times(load_teams(app.locations.config, set(KINDS)))
    sys.exit(run_daemon(argv, daemon_config(app.config, app.locations.config, set(KINDS)), digests=digests,
                        reload=reload if teams is not None else None))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=PORT)
@click.option("--dir", "workdir", type=click.Path(file_okay=False, path_type=Path),
              help="where the demo keeps its files (default: a new temporary folder)")
@click.option("--no-serve", is_flag=True, help="stop after the digest instead of serving the archive")
@common
def demo(app: App, host: str, port: int, workdir: Path | None, no_serve: bool) -> None:
    """The whole pipeline offline on bundled sample sources, then the archive."""
    from monitor.demo import run_demo

    if not no_serve:
        _check_port(host, port)
    sys.exit(run_demo(host=host, port=port, workdir=workdir, serve_archive=not no_serve, quiet=app.quiet))


# --------------------------------------------------------------------------- tag
@cli.command()
@click.argument("source", default="-", metavar="[FILE|-]",
                type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--explain", is_flag=True, help="add the terms that drove each assigned tag (and why_not)")
@click.option("--text", "as_text", is_flag=True, help="a readable block per item instead of JSON lines")
@common
def classify(app: App, source: str, explain: bool, as_text: bool) -> None:
    """Tag JSON lines (title, optional summary, lang); one line out per line in."""
    from monitor.tag.classify import classify_lines
    from monitor.tag.tagging import load_tagger

    stream = sys.stdin.buffer if source == "-" else open(source, "rb")  # noqa: SIM115 - bytes: decoded per line
    with stream:
        classify_lines(load_tagger(app.locations.home if app.locations.home.exists() else None),
                       stream, sys.stdout, explain=explain, text=as_text)


@cli.command()
@team_option
@common
def train(app: App, team_slug: str | None) -> None:
    """Retrain the tagger from classifiers/ data plus corrections made in the archive (with --team: that
    team's corrections, into that team's model in the database)."""
    from monitor.tag.train import retrain, retrain_team
    if team_slug:
        who = acting(app, team_slug, need_config=False)
        lines = retrain_team(app.store, app.home, who.id, who.slug) if who.id is not None else iter(())
    else:
        lines = retrain(app.store, app.home)
    for line in lines:
        click.echo(line)


@cli.command()
@click.option("--since", type=DURATION, metavar="DURATION",
              help="only items stored or published within this window, e.g. 30d (default: the whole archive)")
@click.option("--dry-run", is_flag=True, help="count what would change; write nothing")
@common
def retag(app: App, since: timedelta | None, dry_run: bool) -> None:
    """Tag stored items again with today's model (after an upgrade or `monitor train`); corrections stay,
    nothing is sent."""
    from monitor.clock import utcnow
    from monitor.tag.retag import report_lines, retag_archive
    from monitor.work.shared import applied_config, installation_tagger
    from spiders import KINDS

    start = utcnow() - since if since is not None else None
    config = applied_config(app.store, app.home, set(KINDS)) or app.optional_config()   # workers': the applied one
    ids = app.store.item_ids_since(start)
    with progress_for(app.quiet, len(ids), "Tagging stored items") as advance:
        report = retag_archive(app.store, installation_tagger(app.store, app.home), config, ids=ids,
                               write=not dry_run, on_item=advance)
    for line in report_lines(report, written=not dry_run):
        click.echo(line)


@cli.command(name="eval")
@click.argument("files", nargs=-1, required=True, metavar="FILE...",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--against", metavar="DIR|shipped",
              help="also score another model (a directory holding tagger.json and tagger.npz, or 'shipped' "
                   "for the packaged one) on the same items, with an interval of the difference")
@team_option
@common
def eval_(app: App, files: tuple[Path, ...], against: str | None, team_slug: str | None) -> None:
    """Precision, recall and F1 per tag on labelled JSON-lines files (`tags` field), each
    file also by language, by title kind (`title_kind`) and for platforms (`platforms`), with
    a 95 % interval of the macro-F1. With --team: that team's model (`monitor train --team`);
    with --against: that model and another side by side."""
    from classifiers import cv_report, evaluate_breakdown, load_examples
    from monitor.tag.tagging import load_tagger

    home = app.locations.home if app.locations.home.exists() else None
    if team_slug:
        from monitor.tag.train import team_tagger
        who = acting(app, team_slug, need_config=False)
        tagger = team_tagger(app.store, app.home, who.slug) or load_tagger(home)
    else:
        tagger = load_tagger(home)
    other = _other_model(against) if against else None
    names = ("in use", against or "")
    try:        # every file read before any figure: a bad line says where it is, not a traceback
        labelled = [load_examples(file) for file in files]
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    for number, (file, examples) in enumerate(zip(files, labelled)):
        click.echo(("\n" if number else "") + f"{file}:")
        click.echo(evaluate_breakdown(tagger, examples, file.name, other, names).format())
    cv = cv_report(tagger.meta)
    if cv is not None:
        click.echo("\nCross-validation on the training data (from the model's training run):")
        click.echo(cv.format())


def _other_model(against: str) -> Tagger:
    """The model `monitor eval --against` names: 'shipped' (the packaged model) or a directory a
    model was saved to; a clear error, not a traceback, where there is none."""
    import classifiers

    try:
        return classifiers.Tagger.load(None if against == "shipped" else Path(against))
    except classifiers.ModelFileError as exc:
        raise click.ClickException(f"--against {against}: {exc}") from None


# --------------------------------------------------------------------------- keep
@cli.command()
@click.option("--tag", "tags", multiple=True, type=click.Choice(TAGS))
@click.option("--platform", "platforms", multiple=True)
@click.option("--source", "sources", multiple=True, metavar="NAME")
@click.option("--category", "categories", multiple=True)
@click.option("--lang")
@click.option("--since", type=DURATION, metavar="DURATION", help="e.g. 7d, 24h")
@click.option("--query", "query", metavar="TEXT", help="full-text search (-q is --quiet)")
@click.option("--limit", type=click.IntRange(min=1))
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@team_option
@common
def items(app: App, tags: tuple[str, ...], platforms: tuple[str, ...], sources: tuple[str, ...],
          categories: tuple[str, ...], lang: str | None, since: timedelta | None, query: str | None, limit: int | None,
          fmt: str, team_slug: str | None) -> None:
    """The archive from the command line, newest first (with --team: the team's items alone)."""
    from monitor.clock import utcnow
    from monitor.store import ItemQuery, item_json

    who = acting(app, team_slug, need_config=False)
    q = ItemQuery(tags=list(tags), platforms=[p.lower() for p in platforms], sources=list(sources),
                  categories=list(categories), lang=lang, q=query, limit=limit,
                  since=utcnow() - since if since is not None else None, team_id=who.id)
    columns = ["id", "published", "source", "tags", "platforms", "title"]
    if fmt == "table":
        from dataclasses import replace

        from monitor.cli_views import TABLE_ITEMS, print_items, translator_for
        # A table is read by a person: the newest TABLE_ITEMS unless --limit says otherwise (the whole
        # archive took 6 minutes and 3 GB to lay out at 150,000 items); json and csv stream everything.
        shown = app.store.query_items(q if limit is not None else replace(q, limit=TABLE_ITEMS))
        total = app.store.count_items(q) if limit is None and len(shown) == TABLE_ITEMS else len(shown)
        print_items([item_json(it) for it in shown], translator_for(app.optional_config()), total=total)
        return
    stream_rows(([item_json(it) for it in batch] for batch in app.store.walk_items(q)), fmt, columns)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@team_option
@common
def sources(app: App, fmt: str, team_slug: str | None) -> None:
    """Every source with its health (with --team: that team's, under its own names)."""
    from monitor.cli_views import print_sources, translator_for
    from monitor.teams.config import apply_teams, load_teams, team_files
    from spiders import KINDS

    if team_files(app.locations.config):
        apply_teams(app.store, load_teams(app.locations.config, set(KINDS)))
    else:
        app.store.sync_sources(app.config.sources)
    rows = app.store.list_sources(team_id=app.team(team_slug).id if team_slug else None)
    if fmt == "table":
        print_sources(rows, translator_for(app.config))
        return
    print_rows(rows, fmt)


@cli.command(name="sources-export")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="write the OPML here (default: standard output)")
@common
def sources_export(app: App, output: Path | None) -> None:
    """Every source as OPML 2.0, for feed readers or another Lagebild."""
    from monitor.opml import export_opml

    document = export_opml(app.config)
    if output is None:
        click.echo(document, nl=False)
        return
    try:        # as `digest --output`: a folder that is not there yet is made
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(document, encoding="utf-8")
    except OSError as e:
        raise click.ClickException(f"cannot write {output}: {e.strerror}") from None
    from monitor.cli_views import translator_for
    click.echo(translator_for(app.config)("cli.export.written", n=len(app.config.sources), path=output), err=True)


@cli.command(name="sources-import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@common
def sources_import(app: App, file: Path) -> None:
    """Add an OPML file's feeds to feeds.yaml (comments kept, known URLs skipped)."""
    from monitor.opml import OpmlError, import_opml

    try:
        report = import_opml(file, app.locations.config)
    except OpmlError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(1)
    for line in report.lines():
        click.echo(line)


@cli.command()
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 3650))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@team_option
@common
def trends(app: App, days: int, fmt: str, team_slug: str | None) -> None:
    """Terms and platforms rising across sources (with --team: across the team's sources)."""
    from monitor.trends.rising import compute_trends, trend_json

    who = acting(app, team_slug)
    settings = (who.config or app.config).settings
    rows = [trend_json(t) for t in compute_trends(app.store, days=days, language=settings.language,
                                                  timezone=settings.timezone, team_id=who.id)]
    if fmt == "table":
        from monitor.cli_views import print_trends, translator_for
        print_trends(rows, translator_for(app.config))
        return
    print_rows(rows, fmt)


# --------------------------------------------------------------------------- tell
@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--retry", is_flag=True, help="send every waiting alert and digest now, ignoring their backoff; "
                                            "exit 1 when a target still fails")
@common
def outbox(app: App, fmt: str, retry: bool) -> None:
    """Alerts and digests waiting for, or failing at, their targets, and why."""
    from monitor.tell.outbox_report import outbox_rows, retry_waiting
    sent = None
    if retry:
        from monitor.tell.deliver import Sender
        sent = retry_waiting(app.store, app.config, Sender())
        for line in sent.lines:
            click.echo(line, err=fmt == "json")    # JSON output stays one parsable array
    rows = outbox_rows(app.store, app.config)
    if fmt == "table":
        from monitor.cli_views import print_outbox, translator_for
        print_outbox(rows, translator_for(app.config))
    else:
        print_rows(rows, fmt)
    if sent is not None and not sent.ok:
        sys.exit(1)


@cli.command(name="notify-test")
@click.argument("target")
@common
def notify_test(app: App, target: str) -> None:
    """Send a test message to one named target from `notify:`."""
    from monitor.cli_views import translator_for
    from monitor.tell.deliver import Sender
    from monitor.tell.outbox_report import notify_test as send_test
    result = send_test(app.config, target, Sender())
    t = translator_for(app.config)
    click.echo(t("cli.notify_test.accepted", target=target) if result.ok
               else t("cli.notify_test.failed", target=target, error=result.error))
    sys.exit(0 if result.ok else 1)


@cli.command(name="hash-password")
@click.password_option()
def hash_password(password: str) -> None:
    """Print an argon2 hash for settings.web.users."""
    from argon2 import PasswordHasher
    click.echo(PasswordHasher().hash(password))


def _add_work_commands() -> None:
    from monitor.work.command import add_commands
    add_commands(cli, common)     # `worker`, `config apply`: an installation on several machines


_add_work_commands()


def _add_team_commands() -> None:
    from monitor.teams.command import add_commands
    add_commands(cli, common)     # `team add|list`, `user add|remove|list` (issue 17)


_add_team_commands()


def main() -> None:
    cli(prog_name="monitor")


if __name__ == "__main__":
    main()


