"""A loopback HTTP server for the demo: the sample feeds, article pages, watched pages and a chat webhook.

Feeds answer conditional requests (ETag) like real servers, a broken source answers
404, and POSTs to /hooks/chat are kept in a file so the demo can show its alerts.
Watched pages serve their first version until `change_pages()`, then their second.
"""

from __future__ import annotations

import hashlib
import html
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from monitor.demo.feeds import SamplePage, SampleSource, render, render_page


class DemoServer:
    def __init__(self, sources: list[SampleSource], chat_log: Path, host: str = "127.0.0.1",
                 pages: list[SamplePage] | None = None):
        self.sources = {s.path: s for s in sources}
        self.pages = {p.path: p for p in pages or []}
        self.page_version = 0
        self.articles = {item["id"]: item for s in sources for item in s.items}
        self.chat_log = chat_log
        self.httpd = ThreadingHTTPServer((host, 0), self._handler())
        self.base = f"http://{host}:{self.httpd.server_port}"
        self.docs = {path: render(src, self.base) for path, src in self.sources.items() if not src.broken}
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="demo-sources", daemon=True)

    def start(self) -> DemoServer:
        self.thread.start()
        return self

    def change_pages(self) -> None:
        """Serve every watched page's next version (what a platform editing its terms looks like)."""
        self.page_version += 1

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        demo = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                demo.answer_get(self)

            def do_POST(self) -> None:
                length = min(int(self.headers.get("Content-Length") or 0), 1_000_000)
                body = self.rfile.read(length).decode("utf-8", "replace")
                with demo.chat_log.open("a", encoding="utf-8") as f:
                    f.write(json.dumps({"path": self.path, "body": body}, ensure_ascii=False) + "\n")
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
        return Handler

    def answer_get(self, h: BaseHTTPRequestHandler) -> None:
        path = h.path.split("?")[0]
        if path in self.docs:
            body = self.docs[path]
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            if h.headers.get("If-None-Match") == etag:
                h.send_response(304)
                h.send_header("ETag", etag)
                h.end_headers()
                return
            ctype = "application/atom+xml" if path.endswith(".atom") else "application/rss+xml"
            self._send(h, 200, body, f"{ctype}; charset=utf-8", {"ETag": etag})
        elif path in self.pages:
            self._send(h, 200, render_page(self.pages[path], self.page_version), "text/html; charset=utf-8")
        elif path.startswith("/articles/") and path[10:] in self.articles:
            item = self.articles[path[10:]]
            page = (f"<!doctype html><meta charset=utf-8><title>{html.escape(item['title'])}</title>"
                    f"<h1>{html.escape(item['title'])}</h1><p>{html.escape(item.get('summary', ''))}</p>"
                    "<p><em>Lagebild demo article (fictional).</em></p>")
            self._send(h, 200, page.encode(), "text/html; charset=utf-8")
        else:
            self._send(h, 404, b"not found", "text/plain")

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str, headers: dict | None = None) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            h.send_header(key, value)
        h.end_headers()
        h.wfile.write(body)
