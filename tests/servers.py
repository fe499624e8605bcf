"""Real servers for tests, bound to loopback only (127.0.0.1 unless told another 127.x
address): a feed server and a webhook receiver."""

from __future__ import annotations

import email.utils
import hashlib
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape


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
        assert host.startswith("127."), "test servers bind to loopback only"
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict]] = []
        self.posts: list[tuple[str, bytes]] = []
        self.post_status: list[int] = []       # statuses to answer POSTs with, in order; then 200
        self.lock = threading.Lock()
        self.modified = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=5)
        self.httpd = ThreadingHTTPServer((host, 0), self._handler())
        self.httpd.daemon_threads = True
        self.base = f"http://{host}:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "FeedServer":
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

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with server.lock:
                    server.posts.append((self.path, body))
                    status = server.post_status.pop(0) if server.post_status else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")
        return Handler

    def _get(self, h: BaseHTTPRequestHandler) -> None:
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
    """A small RSS 2.0 document; entries: title, link, summary (HTML), age_hours."""
    now = now or datetime.now(timezone.utc)
    items = "".join(
        f"<item><title>{escape(e['title'])}</title><link>{e['link']}</link><guid>{e['link']}</guid>"
        f"<pubDate>{email.utils.format_datetime(now - timedelta(hours=e.get('age_hours', 1)), usegmt=True)}"
        f"</pubDate><description>{escape(e.get('summary', ''))}</description></item>" for e in entries)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escape(title)}</title>'
            f"<link>http://127.0.0.1/</link><description>test</description>{items}</channel></rss>")
