"""`/admin`: an admin of the current team adds people to it (with a role) and adds teams.

People are kept in the database (`people`, `team_members`), with argon2 hashes; a person
who exists already (in another team) is added with their own password unchanged. A new
team starts with its creator as admin; its sources come from `teams/<slug>.yaml` and
`monitor config apply` (or the CLI), since subscriptions are configuration.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from monitor.teams.config import SLUG  # one rule for a team's short name: files, CLI and this form
from monitor.teams.names import NAME_CHARS, readable_name
from monitor.web import teams
from monitor.web.render import render
from monitor.web.security import csrf_protected

MIN_PASSWORD = 10


@teams.requires("admin")
async def admin_page(request: Request) -> Response:
    return await _page(request)


async def _page(request: Request, *, status: int = 200, error: str | None = None,
                form: dict[str, str] | None = None) -> Response:
    web = request.app.state.web
    member = teams.current(request)
    people = await run_in_threadpool(web.store.team_members, member.id)
    founder = await run_in_threadpool(may_add_teams, request)
    # An agency's clients are teams of one installation: a client's admin sees their own teams only.
    shown = (await run_in_threadpool(web.store.list_teams) if founder
             else await run_in_threadpool(teams.memberships, request))
    return render(request, "web/admin.html", status=status, section="admin", members=people, teams_list=shown,
                  may_add_teams=founder, roles=teams.ROLES, error=error, form=form or {})


def may_add_teams(request: Request) -> bool:
    """New teams are made by the admins of feeds.yaml's team (the installation's own). A client team's
    admin who could make one could also make the team a later `teams/<slug>.yaml` is applied to, and
    be its admin before its people arrive."""
    return any(m.slug == teams.DEFAULT_SLUG and m.may("admin") for m in teams.memberships(request))


@csrf_protected
@teams.requires("admin")
async def add_person(request: Request) -> Response:
    web = request.app.state.web
    t = web.t
    form = await request.form()
    typed = str(form.get("name") or "")
    name = readable_name(typed)
    role = str(form.get("role") or "viewer")
    password = str(form.get("password") or "")
    echo = {"name": " ".join(typed.split())[:NAME_CHARS], "role": role}
    if name is None:
        return await _page(request, status=400, error=t("web.admin.bad_name"), form=echo)
    if role not in teams.ROLES:
        return await _page(request, status=400, error=t("web.admin.bad_role"), form=echo)
    exists = await run_in_threadpool(web.store.person_exists, name)
    if not exists and len(password) < MIN_PASSWORD:
        return await _page(request, status=400, error=t("web.admin.bad_password"), form=echo)
    hashed = None if exists else await run_in_threadpool(PasswordHasher().hash, password)
    member = teams.current(request)
    await run_in_threadpool(web.store.add_member, member.id, name, role, hashed)
    request.session["flash"] = t("web.admin.added_person", name=name, role=t(f"web.admin.role.{role}"))
    return RedirectResponse("/admin", 303)


@csrf_protected
@teams.requires("admin")
async def add_team(request: Request) -> Response:
    web = request.app.state.web
    t = web.t
    if not await run_in_threadpool(may_add_teams, request):
        raise HTTPException(403, "role")
    form = await request.form()
    slug = str(form.get("slug") or "").strip()
    typed = str(form.get("name") or "")
    name = readable_name(typed) if typed.strip() else slug
    echo = {"slug": slug[:60], "team_name": " ".join(typed.split())[:NAME_CHARS]}
    if not SLUG.match(slug):
        return await _page(request, status=400, error=t("web.admin.bad_slug"), form=echo)
    if name is None:
        return await _page(request, status=400, error=t("web.admin.bad_name"), form=echo)
    user = request.session.get("user")
    created = await run_in_threadpool(web.store.add_team, slug, name, user)
    if not created:
        return await _page(request, status=409, error=t("web.admin.slug_taken"), form=echo)
    request.session["flash"] = t("web.admin.added_team", name=name, slug=slug)
    return RedirectResponse("/admin", 303)


ROUTES = [
    Route("/admin", admin_page, methods=["GET"]),
    Route("/admin/people", add_person, methods=["POST"]),
    Route("/admin/teams", add_team, methods=["POST"]),
]
