"""Jinja2 set-up for the archive: autoescaping on, German/English words and dates from the Translator."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from babel.dates import format_timedelta
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse

from classifiers.labels import CATEGORIES, PLATFORMS, TAGS, platform_label
from monitor.clock import utcnow
from monitor.i18n import Translator
from monitor.watch.urls import safe_url
from monitor.web.security import CSRF_FIELD, csrf_token

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
platform_name = platform_label   # the templates' filter name


def make_env(t: Translator) -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    now = utcnow

    def ago(value: datetime | None) -> str:
        if value is None:
            return ""
        return format_timedelta(value - now(), add_direction=True, locale=t.locale, threshold=1.5)

    env.globals.update(t=t, TAGS=TAGS, PLATFORMS=PLATFORMS, CATEGORIES=CATEGORIES, csrf_field=CSRF_FIELD)
    env.filters.update(
        date=t.date, datetime=t.datetime, number=t.number, ago=ago, platform_name=platform_name,
        tag_name=lambda tag: t(f"common.tag.{tag}"),
        category_name=lambda c: t(f"common.category.{c}") if c else "",
        iso=lambda d: d.isoformat() if d else "",
        isodate=date.fromisoformat,
        percent=lambda x: t.number(round(float(x) * 100)) + " %" if x is not None else "–",
        safe_url=safe_url,      # links not built from an Item (which checks its own) pass here
    )
    return env


def render(request: Request, template: str, *, status: int = 200, headers: dict | None = None,
           **context: Any) -> HTMLResponse:
    """A page with what every page needs: words, user, CSRF token, a one-time notice."""
    from monitor.web import teams

    web = request.app.state.web
    try:
        mine = teams.memberships(request)
        team = teams.current(request) if mine else None
    except HTTPException:
        mine, team = [], None
    base = {
        "team": team, "my_teams": mine, "role": team.role if team else None,
        # The admin page is offered once teams are in use (people in the database): a plain
        # feeds.yaml installation looks as before.
        "team_admin_page": web.auth.has_people,
        "request": request, "lang": web.t.language, "user": request.session.get("user"),
        "auth_enabled": web.auth.enabled, "login_mode": web.auth.mode, "csrf_token": csrf_token(request),
        "flash": request.session.pop("flash", None), "section": "",
    }
    env = web.env_for(team.id if team else None)
    base["lang"] = env.globals["t"].language
    html = env.get_template(template).render({**base, **context})
    return HTMLResponse(html, status_code=status, headers=headers)
