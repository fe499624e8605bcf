"""The team a request acts for, the person's role in it, and switching between teams.

A signed-in person belongs to one or more teams (`team_members`, plus the default team
for the users and the shared password of feeds.yaml, as before teams existed); the
session names the current one. Every read of items goes through that team
(`Membership.id` into the store's queries), every change checks its role:

- viewer: reads;
- editor: also corrects tags and marks items as seen;
- admin: also adds people and teams (monitor/web/admin.py).

Without login the archive is open as before: the default team, with an editor's rights
(anyone could correct tags), and no admin page (an admin is a signed-in person).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from monitor.teams.model import DEFAULT_SLUG
from monitor.web.security import Endpoint, csrf_protected, safe_next

ROLES = ("viewer", "editor", "admin")    # lowest first: `Membership.may` compares places
TEAM_KEY = "team"                # session key: the slug of the current team
OPEN_ROLE = "editor"             # everyone's role when login is off
SHARED_ROLE = "editor"           # people signed in with the shared password
CONFIG_USER_ROLE = "admin"       # a feeds.yaml user without `role:` (they edit the config anyway)


@dataclass(frozen=True)
class Membership:
    """One team a person may act for, and their role in it."""
    id: int
    slug: str
    name: str
    role: str

    def may(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)


def memberships(request: Request) -> list[Membership]:
    """The teams the signed-in person (or, without login, everybody) may act for, default team first."""
    cached = getattr(request.state, "memberships", None)
    if cached is not None:
        return list(cached)
    web = request.app.state.web
    user = request.session.get("user")
    found: dict[str, Membership] = {}
    default = web.store.team_by_slug(DEFAULT_SLUG)
    if not web.auth.enabled:
        if default is not None:
            found[default.slug] = Membership(default.id, default.slug, default.name, OPEN_ROLE)
    elif not user and request.url.path == "/feed.xml":
        # A feed reader with the token of feeds.yaml (the default team) or of a team's file.
        token = request.query_params.get("token")
        for team in [default] if web.auth.feed_token_ok(token) else web.teams_with_token(token):
            if team is not None:
                found[team.slug] = Membership(team.id, team.slug, team.name, "viewer")
    elif user:
        role = web.auth.config_role(user, request.session.get("via"))
        if role is not None and default is not None:
            found[default.slug] = Membership(default.id, default.slug, default.name, role)
        # The shared password opens feeds.yaml's team alone, whatever name was typed with it (a person
        # of another team who has no password of their own signs in that way too).
        for team, role in [] if request.session.get("via") == "shared" else web.store.memberships(user):
            known = found.get(team.slug)
            if known is None or ROLES.index(role) > ROLES.index(known.role):
                found[team.slug] = Membership(team.id, team.slug, team.name, role)
    out = sorted(found.values(), key=lambda m: (m.slug != DEFAULT_SLUG, m.name.lower(), m.slug))
    request.state.memberships = out
    return list(out)


def current(request: Request) -> Membership:
    """The team this request acts for: the session's choice when the person is still in it, else
    their first team. 403 for a signed-in person who is in no team (any more)."""
    cached = getattr(request.state, "team", None)
    if cached is not None:
        return cached
    teams = memberships(request)
    if not teams:
        raise HTTPException(403, "no team")
    wanted = request.session.get(TEAM_KEY)
    chosen = next((m for m in teams if m.slug == wanted), teams[0])
    request.state.team = chosen
    return chosen


def team_id(request: Request) -> int:
    """The id to scope the store's reads with."""
    return current(request).id


def requires(role: str) -> Callable[[Endpoint], Endpoint]:
    """Decorate an endpoint: it runs only for a person with at least `role` in the current team."""
    def wrap(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            member = await run_in_threadpool(current, request)
            if not member.may(role):
                # Without personal accounts (the archive open, or one shared password) there is no
                # admin to ask: the page says how to make the first one.
                raise HTTPException(403, "role" if role != "admin" or _personal(request) else "accounts")
            return await endpoint(request)
        return guarded
    return wrap


def _personal(request: Request) -> bool:
    """Signed in with a name and a password of one's own (not the shared password, not an open archive)."""
    auth = request.app.state.web.auth
    user, via = request.session.get("user"), request.session.get("via")
    if not (auth.enabled and user):
        return False
    return user in auth.users if via is None else via != "shared"     # None: signed in before teams existed


@csrf_protected
async def switch_team(request: Request) -> Response:
    """`POST /team` with `team` (a slug the person belongs to): later pages act for that team."""
    form = await request.form()
    slug = str(form.get("team") or "")
    teams = await run_in_threadpool(memberships, request)
    if slug not in {m.slug for m in teams}:
        raise HTTPException(403, "role")
    request.session[TEAM_KEY] = slug
    target = safe_next(str(form.get("next") or "/"))
    # A filtered view of one team (a source, a page) may not exist in the next: start at the archive.
    return RedirectResponse(target if target.startswith(("/trends", "/sources", "/admin")) else "/", 303)


ROUTES = [Route("/team", switch_team, methods=["POST"])]
