"""The archive as one Starlette app, built by `create_app` from what the CLI passes in.

Nothing lives at module level: config, store, translator, templates, login state and
the (lazily loaded) tagger hang off `app.state.web`, so two apps in one process (as in
the tests) never share anything.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from jinja2 import Environment
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from monitor.config import Config
from monitor.i18n import Translator
from monitor.store import Store
from monitor.teams.model import DEFAULT_TEAM_ID, Team
from monitor.web import admin, api, archive, auth, feed, items, seen, sources, teams, trends
from monitor.web.auth import MACHINE_PREFIXES, SESSION_DAYS, Auth, LoginThrottle, RequireLogin, same_secret
from monitor.web.counts import Counts
from monitor.web.render import make_env, render
from monitor.web.security import SecureCookiesOnHttps, SecurityHeaders, session_secret
from monitor.web.views import VISIT_GAP, Visits

T = TypeVar("T")

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent.parent / "static"
SESSION_COOKIE = "lagebild_session"


class LazyTagger:
    """Loads the tagger on first use (it takes a moment) and remembers it, or that there is none."""

    def __init__(self, loader: Callable[[], Any] | None):
        self.loader = loader
        self._lock = threading.Lock()
        self._done = False
        self._tagger: Any = None

    def __call__(self) -> Any:
        if self.loader is None:
            return None
        with self._lock:
            if not self._done:
                try:
                    self._tagger = self.loader()
                except Exception:  # noqa: BLE001 - the page works without explanations
                    log.warning("the tagger could not be loaded; item pages show no explanations", exc_info=True)
                    self._tagger = None
                self._done = True
        return self._tagger


@dataclass
class Web:
    """Everything a handler needs, reachable as `request.app.state.web`."""
    config: Config
    store: Store
    t: Translator
    tz: ZoneInfo
    env: Environment
    auth: Auth
    throttle: LoginThrottle
    tagger: LazyTagger
    memo: dict = field(default_factory=dict)              # results kept between requests (see `remembered`)
    memo_lock: threading.Lock = field(default_factory=threading.Lock)
    clock: Callable[[], float] = time.monotonic           # seconds, for how long results are kept
    counts: Counts = field(default_factory=Counts)        # the archive's counts per filter (see counts.py)
    visits: Visits = field(default_factory=Visits)       # readers' visits (see views.py)
    visit_gap: timedelta = VISIT_GAP                      # a pause this long begins a new visit
    teams: dict[int, Config] = field(default_factory=dict)   # team id -> its configuration (teams/<slug>.yaml)

    def remembered(self, key: Hashable, version: object, make: Callable[[], T], fresh: float, busy: float = 0) -> T:
        """`make()`, kept under `key` between requests: reused while `version` (what the result depends
        on, e.g. the newest item id) is what it was when made, for at most `fresh` seconds; and for
        `busy` seconds whatever `version` says, for a result that every stored item would otherwise
        make again while a crawl stores. Two requests at once may both make it; the later one is kept."""
        with self.memo_lock:
            cached = self.memo.get(key)
        if cached is not None:
            seen, made, value = cached
            age = self.clock() - made
            if age < busy or (seen == version and age < fresh):
                return value
        value = make()
        with self.memo_lock:
            self.memo[key] = (version, self.clock(), value)
        return value

    def teams_with_token(self, token: str | None) -> list[Team]:
        """The teams whose file's `settings.web.rss_token` is `token` (feed readers of that team)."""
        if not token:
            return []
        ids = [tid for tid, cfg in self.teams.items()
               if cfg.settings.web.rss_token and same_secret(token, cfg.settings.web.rss_token)]
        return [t for t in self.store.list_teams() if t.id in ids]

    def env_for(self, team_id: int | None) -> Environment:
        """The templates in the team's language (its file's `settings.language`), feeds.yaml's by default."""
        language = self.team_config(team_id).settings.language
        if language == self.t.language:
            return self.env
        with self.memo_lock:
            key = ("env", language)
            if key not in self.memo:
                self.memo[key] = make_env(Translator(language, self.config.settings.timezone))
            return self.memo[key]

    def own_config(self, team_id: int | None) -> Config | None:
        """The team's own configuration, or None for a team whose file this process was not given:
        unlike `team_config`, never feeds.yaml's in its place, for what must not pass between teams
        (feed tokens, source addresses)."""
        if team_id is None or team_id == DEFAULT_TEAM_ID:
            return self.config
        return self.teams.get(team_id)

    def team_config(self, team_id: int | None) -> Config:
        """The team's configuration (its digest targets, platforms); feeds.yaml's for the default team
        and for a team whose file this process was not given."""
        return self.teams.get(team_id, self.config) if team_id is not None else self.config


def create_app(config: Config, store: Store, *, home: Path, password: str | None = None,
               tagger_loader: Callable[[], Any] | None = None,
               team_configs: dict[str, Config] | None = None) -> Starlette:
    """The archive app. `team_configs`: slug -> configuration of the teams besides feeds.yaml's (teams/*.yaml)."""
    settings = config.settings
    t = Translator(settings.language, settings.timezone)
    login = Auth(password=password or None, users={u.name: u.password_hash for u in settings.web.users},
                 rss_token=settings.web.rss_token or None,
                 roles={u.name: role for u in settings.web.users if (role := getattr(u, "role", None))},
                 people=store.person_hash, has_people=store.has_people())
    web = Web(config=config, store=store, t=t, tz=settings.tz, env=make_env(t), auth=login,
              throttle=LoginThrottle(), tagger=LazyTagger(tagger_loader),
              teams={found.id: cfg for slug, cfg in (team_configs or {}).items()
                     if (found := store.team_by_slug(slug)) is not None})
    middleware = [
        Middleware(SecurityHeaders, private=login.enabled),
        Middleware(SecureCookiesOnHttps),
        Middleware(SessionMiddleware, secret_key=session_secret(Path(home), salt=login.fingerprint,
                                                                shared=store.shared_web_secret),
                   session_cookie=SESSION_COOKIE, max_age=SESSION_DAYS * 86400, same_site="lax"),
        Middleware(RequireLogin, auth=login, team_token=web.teams_with_token,
                   live=lambda token: store.session_person(token, timedelta(days=SESSION_DAYS))),
    ]
    routes = [*archive.ROUTES, *items.ROUTES, *seen.ROUTES, *sources.ROUTES, *trends.ROUTES, *api.ROUTES,
              *feed.ROUTES, *auth.ROUTES, *teams.ROUTES, *admin.ROUTES, Route("/favicon.ico", favicon),
              Mount("/static", StaticFiles(directory=STATIC), name="static")]
    app = Starlette(routes=routes, middleware=middleware, exception_handlers={HTTPException: http_error})
    app.state.web = web
    return app


async def favicon(request: Request) -> Response:
    return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")


async def http_error(request: Request, exc: Exception) -> Response:
    """Errors as a page for people and as JSON for machines."""
    if not isinstance(exc, HTTPException):   # registered for HTTPException only
        raise exc
    headers = dict(exc.headers or {})
    if request.url.path.startswith(MACHINE_PREFIXES):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=headers)
    key = exc.status_code if exc.status_code in (400, 403, 404, 405) else "other"
    if exc.status_code == 403 and exc.detail in ("role", "no team"):
        key = "role"               # not a stale form: the person's role (or team) does not allow it
    elif exc.status_code == 403 and exc.detail == "accounts":
        key = "accounts"           # an admin's page with no personal accounts yet (monitor/web/teams.py)
    return render(request, "web/error.html", status=exc.status_code, headers=headers, code=exc.status_code,
                  message_key=f"web.error.{key}")


def serve(app: Starlette, host: str = "127.0.0.1", port: int = 8080) -> None:
    """Run the archive until interrupted (proxy headers trusted from FORWARDED_ALLOW_IPS, default 127.0.0.1)."""
    import uvicorn

    from monitor.gc_tuning import tune_garbage_collection

    tune_garbage_collection()       # the app is built: its templates, routes and imports stay
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=True, server_header=False)
