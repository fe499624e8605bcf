"""`monitor team ...`, `monitor user ...` and the `--team SLUG` option other commands take.

Registered on the `monitor` group by cli.py (`add_commands`), like monitor/work/command.py.
People and teams can also come from the config files (settings.web.users with a role, one
teams/<slug>.yaml per team, applied with `monitor config apply`); these commands are for
the administrator at a terminal, and for people who sign in without being in any file.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from monitor.output import print_rows

if TYPE_CHECKING:
    from monitor.cli import App

ROLE_CHOICE = click.Choice(["admin", "editor", "viewer"])

team_option = click.option(
    "--team", "team_slug", metavar="SLUG", envvar="MONITOR_TEAM",
    help="act for this team alone (default: $MONITOR_TEAM, else the team `default` of feeds.yaml)")
"""`@team_option` on a command gives it `team_slug: str | None`; `app.team(team_slug)` is the Team."""


def add_commands(group: click.Group, common: Callable) -> None:
    """Add the `team` and `user` groups to `group`."""

    @group.group(name="team")
    def team_group() -> None:
        """Teams: each has its own sources, people, alerts, digests and corrections."""

    @team_group.command(name="add")
    @click.argument("slug")
    @click.option("--name", help="the team's name as people read it (default: SLUG)")
    @click.option("--language", type=click.Choice(["de", "en"]))
    @click.option("--timezone", metavar="ZONE", help="e.g. Europe/Berlin")
    @common
    def team_add(app: App, slug: str, name: str | None, language: str | None, timezone: str | None) -> None:
        """Add a team (or change its name, language or time zone). Its sources come from teams/SLUG.yaml."""
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        from monitor.teams.config import SLUG
        if not SLUG.match(slug):
            _fail(f"{slug!r} cannot be a team's short name; use lowercase letters, digits, - and _ (at most 60)")
        if name is not None:
            from monitor.teams.names import NAME_CHARS, readable_name
            typed, name = name, readable_name(name)
            if name is None:
                _fail(f"{typed[:60]!r} cannot be a team's name: write one line of visible characters, "
                      f"at most {NAME_CHARS}")
        if timezone:
            try:
                ZoneInfo(timezone)
            except (ZoneInfoNotFoundError, ValueError):
                _fail(f"{timezone!r} is not a time zone; write e.g. Europe/Berlin")
        team = app.store.ensure_team(slug, name, language, timezone)
        click.echo(f"team {team.slug} ({team.name}) is there; give it sources in teams/{team.slug}.yaml "
                   "and run `monitor config apply`")

    @team_group.command(name="list")
    @click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
    @common
    def team_list(app: App, fmt: str) -> None:
        """Every team with its number of people and sources."""
        print_rows(app.store.team_summary(), fmt)

    @group.group(name="user")
    def user_group() -> None:
        """People who sign in to the archive, and their role in each team."""

    @user_group.command(name="add")
    @click.argument("name")
    @click.option("--team", "team_slug", required=True, metavar="SLUG", help="the team they join")
    @click.option("--role", type=ROLE_CHOICE, default="editor", show_default=True,
                  help="viewer reads; editor also corrects tags and marks; admin also manages people and teams")
    @click.option("--password-hash", metavar="HASH",
                  help="an argon2 hash (`monitor hash-password`) instead of a prompt")
    @click.option("--no-password", is_flag=True, help="keep the password they have (or none, for a new person)")
    @common
    def user_add(app: App, name: str, team_slug: str, role: str, password_hash: str | None, no_password: bool) -> None:
        """Add a person to a team with a role (or change their role there); asks for a password."""
        from monitor.teams.names import NAME_CHARS, readable_name
        typed, name = name, readable_name(name) or ""
        if not name:
            _fail(f"{typed[:60]!r} cannot be a person's name: write one line of visible characters, "
                  f"at most {NAME_CHARS}")
        app.team(team_slug)                                   # an unknown team is refused before the prompt
        if password_hash is None and not no_password:
            from argon2 import PasswordHasher
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
            password_hash = PasswordHasher().hash(password)
        if password_hash is not None and not password_hash.startswith("$argon2"):
            _fail("--password-hash takes an argon2 hash as `monitor hash-password` prints it")
        app.store.set_member(team_slug, name, role, password_hash)
        click.echo(f"{name} is {role} in team {team_slug}")

    @user_group.command(name="remove")
    @click.argument("name")
    @click.option("--team", "team_slug", required=True, metavar="SLUG")
    @common
    def user_remove(app: App, name: str, team_slug: str) -> None:
        """Take a person out of a team (they keep their other teams)."""
        app.team(team_slug)
        if not app.store.remove_member(team_slug, name):
            _fail(f"{name} is not in team {team_slug}")
        click.echo(f"{name} is no longer in team {team_slug}")

    @user_group.command(name="list")
    @team_option
    @click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
    @common
    def user_list(app: App, team_slug: str | None, fmt: str) -> None:
        """The people of a team and their roles."""
        team = app.team(team_slug)
        rows = [{"name": m.name, "role": m.role, "password": m.has_password} for m in app.store.members(team.slug)]
        print_rows(rows, fmt)


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)
