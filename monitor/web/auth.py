"""Login: a shared password (MONITOR_WEB_PASSWORD), named users with argon2 hashes in feeds.yaml,
and the people of the teams (`people`, added by an admin or `monitor user add`).

The first two sign in to the default team as before teams existed; people sign in to
their teams (monitor/web/teams.py says which and with what role).

When either is set, every page, the API, the feed and the exports need a signed-in
session; pages send the browser to /login, machine routes answer 401. The feed can
also be opened with `?token=` (settings.web.rss_token) so feed readers can subscribe.
Failed logins are throttled per client address with growing waits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import parse_qs, quote

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from monitor.teams.names import NAME_CHARS
from monitor.web.render import render
from monitor.web.security import csrf_protected, safe_next
from monitor.web.views import FRESH_KEY

SESSION_DAYS = 14                # a sign-in lasts this long (the cookie's age and its row's)
SESSION_KEY = "sid"              # session key: the token of the session's row (store/web_sessions.py)
PUBLIC_PATHS = ("/login", "/favicon.ico")
MACHINE_PREFIXES = ("/api/", "/feed.xml", "/export.")
SHARED_USER = "team"


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of a token or password with the expected one."""
    return hmac.compare_digest(_digest(given), _digest(expected))


@dataclass
class Auth:
    password: str | None = None
    users: dict[str, str] = field(default_factory=dict)      # name -> argon2 hash
    rss_token: str | None = None
    roles: dict[str, str] = field(default_factory=dict)       # name -> role of a feeds.yaml user who has one
    people: Callable[[str], str | None] | None = None         # a person's argon2 hash from the database
    has_people: bool = False                                  # people exist: login is on even without the above

    def __post_init__(self) -> None:
        self._hasher = PasswordHasher()
        self._dummy: str | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.password or self.users or self.has_people)

    @property
    def mode(self) -> str:
        """users | shared | both: which login the form explains."""
        named = self.users or self.has_people
        return "both" if named and self.password else "users" if named else "shared"

    @property
    def fingerprint(self) -> str:
        """Changes whenever a password changes, so old sessions stop working."""
        parts = [self.password or ""] + [f"{n}:{h}" for n, h in sorted(self.users.items())]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    def verify(self, name: str, password: str) -> str | None:
        """The signed-in user's name, or None. Slow on purpose (argon2) and constant-time."""
        found = self.sign_in(name, password)
        return found[0] if found else None

    def sign_in(self, name: str, password: str) -> tuple[str, str] | None:
        """(name, how: config | people | shared) of a good login, else None. Slow on purpose (argon2)."""
        name = " ".join(name.split())[:NAME_CHARS]      # as long as a name may be (teams.names)
        # A feeds.yaml user may also be a person of other teams (teams/*.yaml): a wrong config
        # password still gets its try against the person's own.
        if name in self.users and self._argon2_ok(self.users[name], password):
            return name, "config"
        person = self.people(name) if self.people is not None and name else None
        if person is not None:
            return (name, "people") if self._argon2_ok(person, password) else None
        if self.users or self.has_people:
            self._argon2_ok(self._dummy_hash(), password)   # same cost for unknown names
        if name not in self.users and self.password and hmac.compare_digest(_digest(password),
                                                                            _digest(self.password)):
            return name or SHARED_USER, "shared"
        return None

    def config_role(self, name: str, via: str | None) -> str | None:
        """The role in the default team of a feeds.yaml user or a shared-password login; None for others.
        A person of the database who signed in with their own password (`via` "people") gets nothing
        here even when a feeds.yaml user has the same name: a team admin may have created that person."""
        if name in self.users and via in ("config", None):
            return self.roles.get(name, "admin")
        if via in ("shared", None) and self.password:     # None: signed in before teams existed
            return "editor"
        return None

    def feed_token_ok(self, token: str | None) -> bool:
        if not (self.rss_token and token):
            return False
        return hmac.compare_digest(_digest(token), _digest(self.rss_token))

    def _argon2_ok(self, hashed: str, password: str) -> bool:
        try:
            return self._hasher.verify(hashed, password)
        except (VerificationError, InvalidHashError):
            return False

    def _dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = self._hasher.hash(secrets.token_hex(8))
        return self._dummy


class LoginThrottle:
    """After FREE failures from one address, each further try must wait 2, 4, 8 ... seconds (at most 15 min)."""
    FREE = 5
    MAX_WAIT = 900
    FORGET = 3600
    MAX_ADDRESSES = 10_000

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._failures: dict[str, tuple[int, float]] = {}

    def wait(self, address: str) -> int:
        """Seconds until `address` may try again; 0 when it may try now."""
        count, last = self._failures.get(address, (0, 0.0))
        if count < self.FREE:
            return 0
        remaining = last + min(2 ** (count - self.FREE + 1), self.MAX_WAIT) - self.clock()
        return max(0, int(remaining + 0.999))

    def failed(self, address: str) -> None:
        now = self.clock()
        if len(self._failures) >= self.MAX_ADDRESSES:
            self._failures = {a: v for a, v in self._failures.items() if now - v[1] < self.FORGET}
        count, last = self._failures.get(address, (0, now))
        if now - last > self.FORGET:
            count = 0
        self._failures[address] = (count + 1, now)

    def succeeded(self, address: str) -> None:
        self._failures.pop(address, None)


class RequireLogin:
    """ASGI middleware (inside the session middleware): nothing but /login and /static without a session."""

    def __init__(self, app: ASGIApp, auth: Auth, team_token: Callable[[str | None], object] | None = None,
                 live: Callable[[str | None], str | None] | None = None):
        """`live`: whose live session a token is (`Store.session_person`), None for an ended one."""
        self.app, self.auth, self.team_token, self.live = app, auth, team_token, live

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.auth.enabled and self.live is not None \
                and not scope["path"].startswith("/static/"):      # a page's assets: no read per file
            session = HTTPConnection(scope).session
            if session.get("user") and await run_in_threadpool(self.live, session.get(SESSION_KEY)) != session["user"]:
                session.clear()        # signed out elsewhere, a new password, or a copy of an old cookie
        if scope["type"] != "http" or self._allowed(scope):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path.startswith(MACHINE_PREFIXES):
            response: Response = JSONResponse({"error": "login required"}, 401,
                                              headers={"WWW-Authenticate": 'Cookie realm="Lagebild"'})
        else:
            query = scope.get("query_string", b"").decode("latin-1")
            target = path + ("?" + query if query else "") if scope["method"] in ("GET", "HEAD") else "/"
            response = RedirectResponse("/login?next=" + quote(target, safe=""), 303)
        await response(scope, receive, send)

    def _allowed(self, scope: Scope) -> bool:
        path = scope["path"]
        if not self.auth.enabled or path in PUBLIC_PATHS or path.startswith("/static/"):
            return True
        if HTTPConnection(scope).session.get("user"):
            return True
        if path == "/feed.xml":
            token = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [None])[0]
            return self.auth.feed_token_ok(token) or bool(self.team_token and self.team_token(token))
        return False


# ---------------------------------------------------------------------- routes

def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def login_page(request: Request) -> Response:
    web = request.app.state.web
    target = safe_next(request.query_params.get("next"))
    if not web.auth.enabled or request.session.get("user"):
        return RedirectResponse(target, 303)
    return render(request, "web/login.html", next=target, error=None, name="")


@csrf_protected
async def login(request: Request) -> Response:
    web = request.app.state.web
    form = await request.form()
    target, name = safe_next(str(form.get("next") or "")), str(form.get("name") or "")
    if not web.auth.enabled:
        return RedirectResponse(target, 303)
    address = _client(request)
    wait = web.throttle.wait(address)
    if wait:
        error = web.t.plural("web.login.throttled", wait)
        return render(request, "web/login.html", status=429, next=target, error=error, name=name,
                      headers={"Retry-After": str(wait)})
    found = await run_in_threadpool(web.auth.sign_in, name, str(form.get("password") or ""))
    if found is None:
        web.throttle.failed(address)
        return render(request, "web/login.html", status=401, next=target, error=web.t("web.login.wrong"), name=name)
    web.throttle.succeeded(address)
    request.session.clear()
    request.session["user"], request.session["via"] = found
    request.session[SESSION_KEY] = await run_in_threadpool(web.store.start_session, found[0],
                                                           timedelta(days=SESSION_DAYS))
    request.session["csrf"] = secrets.token_urlsafe(32)
    request.session[FRESH_KEY] = True          # signing in begins a new visit (monitor/web/views.py)
    return RedirectResponse(target, 303)


@csrf_protected
async def logout(request: Request) -> Response:
    await run_in_threadpool(request.app.state.web.store.end_session, request.session.get(SESSION_KEY))
    request.session.clear()
    return RedirectResponse("/login" if request.app.state.web.auth.enabled else "/", 303)


ROUTES = [
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
]
