"""A raw-socket HTTP server that misbehaves on purpose, bound to 127.0.0.1 only.

Each path is one kind of trouble: a slow drip, a 200 MB body, a gzip bomb, redirect
chains and loops, a connection reset, an empty body, wrong encodings, broken XML.
"""

from __future__ import annotations

import contextlib
import gzip
import socket
import threading
import time
import zlib

from tests.servers import rss

CHUNK = b"x" * 65536


def gzip_bomb(size: int = 1 << 30) -> bytes:
    """About 1 MB on the wire that inflates to `size` bytes of zeros."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 31)
    block, out = bytes(1 << 20), []
    for _ in range(size >> 20):
        out.append(comp.compress(block))
    out.append(comp.flush())
    return b"".join(out)


class HostileServer:
    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.stopping = threading.Event()
        self.bomb = gzip_bomb()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> HostileServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.thread.join(5)
        self.sock.close()

    def url(self, path: str) -> str:
        return self.base + path

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        try:
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                data = conn.recv(4096)
                if not data:
                    return
                head += data
            path = head.split(b" ", 2)[1].decode()
            getattr(self, "_" + path.strip("/").split("/")[0].replace("-", "_"), self._missing)(conn, path)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                conn.close()

    @staticmethod
    def _reply(conn, status: str, body: bytes, ctype: str = "application/rss+xml", extra: str = "") -> None:
        conn.sendall(f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
                     f"Connection: close\r\n{extra}\r\n".encode() + body)

    def _missing(self, conn, path):
        self._reply(conn, "404 Not Found", b"no", "text/plain")

    def _good(self, conn, path):
        self._reply(conn, "200 OK", rss("Good", [{"title": "A good item", "link": "http://127.0.0.1/good"}]).encode())

    def _drip(self, conn, path):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 100000\r\n\r\n")
        for _ in range(60):
            if self.stopping.is_set():
                return
            conn.sendall(b"<")
            time.sleep(0.5)

    def _huge(self, conn, path):
        self._stream(conn, b"Content-Length: 209715200\r\n")

    def _endless(self, conn, path):
        """A body that never says how large it is (no Content-Length; a runaway script's output)."""
        self._stream(conn, b"Connection: close\r\n")

    def _stream(self, conn, header: bytes) -> None:
        """200 MB of filler after `header`, until the client or the server stops."""
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n" + header + b"\r\n")
        for _ in range(200 * 16):
            if self.stopping.is_set():
                return
            conn.sendall(CHUNK)

    def _bomb(self, conn, path):
        self._reply(conn, "200 OK", self.bomb, extra="Content-Encoding: gzip\r\n")

    def _hop(self, conn, path):
        n = int(path.rsplit("/", 1)[1])
        target = "/good" if n >= 3 else f"/hop/{n + 1}"
        self._reply(conn, "302 Found", b"", "text/plain", extra=f"Location: {self.base}{target}\r\n")

    def _loop(self, conn, path):
        other = "/loop/b" if path.endswith("/a") else "/loop/a"
        self._reply(conn, "301 Moved Permanently", b"", "text/plain", extra=f"Location: {self.base}{other}\r\n")

    def _reset(self, conn, path):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 5000\r\n\r\n<rss ver")
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")

    def _empty(self, conn, path):
        self._reply(conn, "200 OK", b"")

    def _latin1(self, conn, path):
        body = ('<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><title>Alt</title>'
                "<item><title>Größere Reichweite für Beiträge über Übermorgen</title>"
                "<link>http://127.0.0.1/umlaut</link></item></channel></rss>").encode("iso-8859-1")
        self._reply(conn, "200 OK", body, "application/rss+xml; charset=ISO-8859-1")

    def _undeclared(self, conn, path):
        body = ('<?xml version="1.0"?><rss version="2.0"><channel><title>No charset</title>'
                "<item><title>Überraschung: Änderungen bei Plattformen</title>"
                "<link>http://127.0.0.1/undeclared</link></item></channel></rss>").encode()
        self._reply(conn, "200 OK", body, "text/xml")

    def _broken(self, conn, path):
        body = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Broken & open</title>'
                b"<item><title>Still readable item</title><link>http://127.0.0.1/broken</link></item>"
                b"<item><title>Second <b>one</title><link>http://127.0.0.1/broken2</link></item>")
        self._reply(conn, "200 OK", body)

    def _xss(self, conn, path):
        body = rss("XSS", [{"title": '<script>alert("t")</script>Neue Funktion <img src=x onerror=alert(1)>',
                            "link": "http://127.0.0.1/xss",
                            "summary": '<p>Text<script>steal()</script><iframe srcdoc="<script>x()</script>">'
                                       '</iframe><a href="javascript:alert(2)">klick</a></p>'}])
        self._reply(conn, "200 OK", body.encode())

    def _doctype(self, conn, path):
        body = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
                b'<rss version="2.0"><channel><title>&b;</title><item><title>&b;</title></item></channel></rss>')
        self._reply(conn, "200 OK", body)

    def _gzipped(self, conn, path):
        body = gzip.compress(rss("Zipped", [{"title": "Komprimiert", "link": "http://127.0.0.1/zip"}]).encode())
        self._reply(conn, "200 OK", body, extra="Content-Encoding: gzip\r\n")
