"""Real servers for tests, bound to loopback only (127.0.0.1 unless told another 127.x
address): a feed server, a webhook receiver, an SMTP server and the web app on uvicorn.
Every wait in them is bounded."""

from __future__ import annotations

import asyncio
import contextlib
import email.message
import email.policy
import email.utils
import hashlib
import json
import select
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

import httpx
import uvicorn


def _loopback(host: str) -> str:
    assert host.startswith("127."), "test servers bind to loopback only"
    return host


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now, for a server that must be named before it starts."""
    with socket.socket() as s:
        s.bind((_loopback(host), 0))
        return s.getsockname()[1]


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    headers: dict = field(default_factory=dict)
    conditional: bool = True       # answer If-None-Match / If-Modified-Since with 304
    delay: float = 0.0
    first: list = field(default_factory=list)   # (status, headers) answered before the real body, in order


class FeedServer:
    """Serves configured routes; records every request (path, headers) for assertions."""

    def __init__(self, host: str = "127.0.0.1"):
        _loopback(host)
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict]] = []
        self.lock = threading.Lock()
        self.in_flight = 0              # requests being answered right now
        self.peak_in_flight = 0         # the most at once: the server-side gauge of politeness
        self.modified = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
        self.httpd = ThreadingHTTPServer((host, 0), self._handler())
        self.httpd.daemon_threads = True
        self.base = f"http://{host}:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, body: bytes | str = b"", **kwargs) -> str:
        self.routes[path] = Route(body=body.encode() if isinstance(body, str) else body, **kwargs)
        return self.url(path)

    def requests_to(self, path: str) -> list[dict]:
        with self.lock:
            return [h for p, h in self.requests if p == path]

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                server._get(self)
        return Handler

    def _get(self, h: BaseHTTPRequestHandler) -> None:
        with self.lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            self._answer(h)
        finally:
            with self.lock:
                self.in_flight -= 1

    def _answer(self, h: BaseHTTPRequestHandler) -> None:
        path = h.path.split("?")[0]
        with self.lock:
            self.requests.append((path, dict(h.headers)))
        route = self.routes.get(path)
        if route is None:
            return self._send(h, 404, b"not found", {"Content-Type": "text/plain"})
        if route.delay:
            time.sleep(route.delay)
        with self.lock:
            early = route.first.pop(0) if route.first else None
        if early is not None:
            status, extra = early
            return self._send(h, status, b"try later", {"Content-Type": "text/plain", **extra})
        etag = '"' + hashlib.sha1(route.body).hexdigest()[:16] + '"'
        headers = {"Content-Type": route.content_type, **route.headers}
        if route.status == 200 and route.conditional:
            headers["ETag"] = etag
            headers["Last-Modified"] = email.utils.format_datetime(self.modified, usegmt=True)
            if h.headers.get("If-None-Match") == etag:
                return self._send(h, 304, b"", headers)
        self._send(h, route.status, route.body, headers)

    @staticmethod
    def _send(h, status: int, body: bytes, headers: dict) -> None:
        h.send_response(status)
        for key, value in headers.items():
            h.send_header(key, value)
        if status != 304:
            h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if status != 304:
            h.wfile.write(body)


def rss(title: str, entries: list[dict], now: datetime | None = None) -> str:
    """A small RSS 2.0 document; entries: title, link, summary (HTML), age_hours, categories."""
    now = now or datetime.now(UTC)
    items = "".join(
        f"<item><title>{escape(e['title'])}</title><link>{e['link']}</link><guid>{e['link']}</guid>"
        f"<pubDate>{email.utils.format_datetime(now - timedelta(hours=e.get('age_hours', 1)), usegmt=True)}"
        f"</pubDate><description>{escape(e.get('summary', ''))}</description>"
        + "".join(f"<category>{escape(c)}</category>" for c in e.get("categories", ())) + "</item>" for e in entries)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escape(title)}</title>'
            f"<link>http://127.0.0.1/</link><description>test</description>{items}</channel></rss>")


class Webhook:
    """A JSON webhook (apprise json://) that records every POST, can answer errors and hold its answer.

    `statuses` answers the next POSTs in order, then 200: a status, or (status, headers)
    such as (429, {"Retry-After": "1"}); `fail(n, status, headers)` sets the first n of
    them. `times` holds when each POST arrived (time.monotonic). `commit` says when a message
    counts as accepted (shown in the chat):
      "on_answer":  when the 2xx answer goes out; a client that hung up before is dropped
                    (the target never accepted it);
      "on_receipt": as soon as the body arrived, even if the answer never reaches the client.
    `hold` seconds pass between the two; a client that hangs up ends the hold at once.
    """

    def __init__(self, path: str = "/hook", statuses: list[int] | None = None, host: str = "127.0.0.1"):
        self.statuses: list[int | tuple[int, dict]] = list(statuses or [])
        self.hold = 0.0
        self.commit = "on_answer"
        self.posts: list[dict] = []          # every payload, in order, answered or not
        self.times: list[float] = []         # when each of them arrived (time.monotonic)
        self.accepted: list[dict] = []
        self.dropped: list[dict] = []
        self.in_flight = threading.Event()   # set once a POST has arrived
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer((_loopback(host), 0), self._handler())
        self.httpd.daemon_threads = True
        self.url = f"json://{host}:{self.httpd.server_port}{path}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def fail(self, n: int, status: int = 500, headers: dict | None = None) -> Webhook:
        """Answer the next `n` POSTs with `status` (and `headers`, e.g. Retry-After), then 200 again."""
        with self.lock:
            self.statuses = [(status, dict(headers or {}))] * n
        return self

    def _accept(self, payload: dict) -> None:
        with self.lock:
            self.accepted.append(payload)

    def _handler(self):
        hook = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                payload = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                with hook.lock:
                    hook.posts.append(payload)
                    hook.times.append(time.monotonic())
                    answer = hook.statuses.pop(0) if hook.statuses else 200
                    status, headers = answer if isinstance(answer, tuple) else (answer, {})
                    hold, commit = hook.hold, hook.commit
                ok = 200 <= status < 300
                if ok and commit == "on_receipt":
                    hook._accept(payload)
                hook.in_flight.set()
                if hold and _hung_up(self.connection, hold):
                    with hook.lock:
                        hook.dropped.append(payload)
                    self.close_connection = True
                    return
                if ok and commit == "on_answer":
                    hook._accept(payload)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}" if ok else b"no")
        return Handler


def _hung_up(sock: socket.socket, seconds: float) -> bool:
    """Wait up to `seconds`; True as soon as the client closes its end (a killed process does)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        readable, _, _ = select.select([sock], [], [], 0.05)
        if readable:
            try:
                return sock.recv(1, socket.MSG_PEEK) == b""
            except OSError:
                return True
    return False


class Mailbox:
    """An SMTP server (aiosmtpd) that keeps every mail it accepts; can hold its answer to DATA.

    Its port is fixed when it is made, so `url` is known before `start()` and a test can
    take the server down and up again. `hold` and `commit` as for Webhook: aiosmtpd cancels
    the handler when the client's connection is lost, so with "on_answer" a mail whose
    sender died before the "250 OK" is never delivered.
    """

    def __init__(self, host: str = "127.0.0.1"):
        self.host, self.port = host, free_port(host)
        self.url = f"mailto://{host}:{self.port}?from=lagebild@example.org&to=team@example.org&mode=insecure"
        self.hold = 0.0
        self.commit = "on_answer"
        self.delivered: list[bytes] = []     # every accepted mail as it came over the wire
        self.in_data = threading.Event()     # set once a mail's DATA has arrived
        self._controller = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller  # imported here: only tests that send mail need it

        self._controller = Controller(self, hostname=self.host, port=self.port)
        self._controller.start()

    def stop(self) -> None:
        self.hold = 0
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(raw, policy=email.policy.default) for raw in self.delivered]

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        mail = envelope.original_content or envelope.content
        if self.commit == "on_receipt":
            self.delivered.append(mail)
        self.in_data.set()
        if self.hold:
            await asyncio.sleep(self.hold)
        if self.commit == "on_answer":
            self.delivered.append(mail)
        return "250 OK"


@contextlib.contextmanager
def running(app, host: str = "127.0.0.1"):
    """An ASGI app on a real uvicorn server on a free loopback port; yields an httpx client for it."""
    port = free_port(host)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "the web server did not start"
    try:
        with httpx.Client(base_url=f"http://{host}:{port}", timeout=15) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=15)
