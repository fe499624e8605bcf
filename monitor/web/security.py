"""CSRF tokens, security headers and the session secret.

Every POST form carries a per-session token that is checked before the handler does
anything; every response carries a strict Content-Security-Policy (no inline script
or style, nothing from other origins), so even an escaping mistake cannot run code.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SECRET_FILE = "web-secret"

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'; form-action 'self'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
]


# ---------------------------------------------------------------------- session secret

def session_secret(home: Path, *, salt: str = "", shared: Callable[[str], str] | None = None) -> str:
    """The signing key for session cookies: a random key kept in `home/web-secret` (mode 0600),
    created on first use, mixed with `salt` so that changing passwords ends old sessions.

    Several web processes behind one proxy must sign alike, or a login on one is unknown to
    the next: `MONITOR_WEB_SECRET` wins when set, else `shared` (the database's key, made
    once by whichever process asks first) when the installation spans machines."""
    configured = os.environ.get("MONITOR_WEB_SECRET", "").strip()
    if configured or shared is not None:
        common = configured or (shared(secrets.token_hex(32)) if shared is not None else "")
        return hmac.new(common.encode(), salt.encode(), hashlib.sha256).hexdigest()
    home.mkdir(parents=True, exist_ok=True)
    path = home / SECRET_FILE
    key = _read_secret(path)
    if key is None:
        key = secrets.token_hex(32)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:           # another process was faster: use its key
            key = _read_secret(path) or key
        else:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(key + "\n")
    return hmac.new(key.encode(), salt.encode(), hashlib.sha256).hexdigest()


def _read_secret(path: Path) -> str | None:
    try:
        key = path.read_text(encoding="ascii").strip()
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    if len(key) < 32:                     # empty or truncated: replace it
        path.unlink(missing_ok=True)
        return None
    return key


# ---------------------------------------------------------------------- CSRF

def csrf_token(request: Request) -> str:
    """This session's token, created on first use."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


async def check_csrf(request: Request) -> None:
    expected = request.session.get("csrf") or ""
    form = await request.form()
    given = str(form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or "")
    if not expected or not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(403, "csrf")


Endpoint = Callable[[Request], Awaitable[Response]]


def csrf_protected(endpoint: Endpoint) -> Endpoint:
    """Wrap a POST endpoint: a missing or wrong token is refused with 403 before it runs."""
    @functools.wraps(endpoint)
    async def guarded(request: Request) -> Response:
        await check_csrf(request)
        return await endpoint(request)
    guarded.csrf_protected = True  # type: ignore[attr-defined]  # the mark a test of every POST route looks for
    return guarded


# ---------------------------------------------------------------------- headers

class SecurityHeaders:
    """Adds CSP and friends to every response, and `no-store` to pages behind a login."""

    def __init__(self, app: ASGIApp, private: bool = False):
        self.app, self.private = app, private

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in HEADERS if k not in present]
                if self.private and not static and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class SecureCookiesOnHttps:
    """Marks cookies `Secure` when the request came over https (directly or via a trusted proxy)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("scheme") != "https":
            await self.app(scope, receive, send)
            return

        async def send_secure(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [
                    (k, v + b"; secure" if k.lower() == b"set-cookie" and b"; secure" not in v.lower() else v)
                    for k, v in message.get("headers", [])]}
            await send(message)

        await self.app(scope, receive, send_secure)


def safe_next(target: str | None) -> str:
    """Only local paths after login: never `//evil.example` or `https://...`."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
