"""A local HTTP server for recorded responses and fault cases (the demo and the tests).

It listens on a real socket, so the fetcher is exercised exactly as against a council's
site: robots.txt, conditional GET, redirects, slow or cut-off bodies, resets, bombs.
It also records every request with its timing, so that tests can count politeness
violations (two requests to one host overlapping, or closer than the minimum delay).
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import mimetypes
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

__all__ = ["DevServer", "Reply", "RequestRecord"]


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/xml"
    headers: dict[str, str] = field(default_factory=dict)
    etag: bool = False  # send an ETag (hash of the body) and answer 304 when it matches
    last_modified: str | None = None
    delay_s: float = 0.0  # before the status line
    chunk_delay_s: float = 0.0  # between body chunks (a slow body)
    chunks: int = 1
    reset: bool = False  # close the connection abruptly instead of answering
    reset_after_bytes: int | None = None  # send part of the body, then reset
    hang_s: float = 0.0  # accept, then say nothing for this long


Handler = Callable[["RequestRecord"], Reply]


@dataclass
class RequestRecord:
    path: str
    host: str
    headers: dict[str, str]
    started: float
    ended: float = 0.0
    status: int = 0


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256


class DevServer:
    """``with DevServer() as srv: srv.route("/feed", Reply(body=...)); srv.url("/feed")``"""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.routes: dict[str, Reply | Handler] = {}
        self.requests: list[RequestRecord] = []
        self._lock = threading.Lock()
        self.robots = "User-agent: *\nAllow: /\n"
        server = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server._handle(self)

            def do_HEAD(self) -> None:
                server._handle(self)

        self._httpd = _Server((host, port), _H)
        self._thread: threading.Thread | None = None

    # -- set-up ---------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def route(self, path: str, reply: Reply | Handler) -> str:
        self.routes[path] = reply
        return self.url(path)

    def serve_file(self, path: str, file: Path, **kw: object) -> str:
        ctype = kw.pop("content_type", None) or _guess_type(file)
        return self.route(path, Reply(body=file.read_bytes(), content_type=str(ctype), **kw))  # type: ignore[arg-type]

    def start(self) -> DevServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), daemon=True, name="devserver"
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> DevServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def hits(self, path: str) -> int:
        return sum(1 for r in self.requests if r.path == path)

    def overlapping_requests(self) -> int:
        """Pairs of requests to the server that were in flight at the same time."""
        spans = sorted((r.started, r.ended) for r in self.requests if r.ended)
        return sum(1 for (_, end), (start, _) in zip(spans, spans[1:], strict=False) if start < end)

    # -- serving --------------------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        path = h.path
        record = RequestRecord(
            path=path,
            host=h.headers.get("Host", ""),
            headers={k.lower(): v for k, v in h.headers.items()},
            started=time.monotonic(),
        )
        with self._lock:
            self.requests.append(record)
        try:
            reply = self._reply_for(record)
            self._send(h, reply, record)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            record.ended = time.monotonic()

    def _reply_for(self, record: RequestRecord) -> Reply:
        route = self.routes.get(record.path) or self.routes.get(record.path.split("?")[0])
        if route is None:
            if record.path == "/robots.txt":
                return Reply(body=self.robots.encode(), content_type="text/plain")
            return Reply(status=404, body=b"not found", content_type="text/plain")
        return route(record) if callable(route) else route

    def _send(self, h: BaseHTTPRequestHandler, reply: Reply, record: RequestRecord) -> None:
        if reply.hang_s:
            time.sleep(reply.hang_s)
            _reset(h)
            return
        if reply.delay_s:
            time.sleep(reply.delay_s)
        if reply.reset:
            _reset(h)
            return
        headers = {"Content-Type": reply.content_type, **reply.headers}
        status = reply.status
        if reply.etag:
            tag = '"' + hashlib.sha1(reply.body).hexdigest()[:16] + '"'
            headers["ETag"] = tag
            if record.headers.get("if-none-match") == tag:
                status = 304
        if reply.last_modified:
            headers["Last-Modified"] = reply.last_modified
            if record.headers.get("if-modified-since") == reply.last_modified:
                status = 304
        body = b"" if status == 304 or h.command == "HEAD" else reply.body
        record.status = status
        h.send_response(status)
        for key, value in headers.items():
            h.send_header(key, value)
        h.send_header("Content-Length", headers.get("Content-Length", str(len(body))))
        h.send_header("Date", email.utils.formatdate(usegmt=True))
        h.end_headers()
        if reply.reset_after_bytes is not None:
            h.wfile.write(body[: reply.reset_after_bytes])
            h.wfile.flush()
            _reset(h)
            return
        step = max(1, len(body) // max(1, reply.chunks))
        for i in range(0, len(body), step):
            h.wfile.write(body[i : i + step])
            h.wfile.flush()
            if reply.chunk_delay_s:
                time.sleep(reply.chunk_delay_s)


def _reset(h: BaseHTTPRequestHandler) -> None:
    """Close with RST (SO_LINGER 0) so the client sees a reset, not a clean close."""
    with contextlib.suppress(OSError):
        h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.close_connection = True
    h.connection.close()


def _guess_type(file: Path) -> str:
    if file.suffix == ".xml":
        return "application/rss+xml"
    return mimetypes.guess_type(file.name)[0] or "application/octet-stream"
