"""A fast asyncio HTTP server playing many feed hosts for the benchmarks.

Every address 127.0.0.N reaches it (Linux routes all of 127/8 to loopback), so N hosts
are N IP addresses on one port.  It adds a fixed latency to every response, answers
conditional GETs, and counts politeness violations per host: two requests in flight at
once, or a request starting less than ``min_gap_s`` after the previous one ended.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["FeedServer", "make_feed"]

WORDS = [
    "council",
    "budget",
    "cabinet",
    "meeting",
    "residents",
    "leader",
    "report",
    "scrutiny",
    "planning",
    "housing",
    "services",
    "consultation",
    "funding",
    "school",
    "road",
    "waste",
    "library",
    "park",
    "transport",
    "care",
    "adult",
    "children",
    "community",
    "update",
    "approved",
    "proposal",
    "committee",
    "decision",
    "savings",
]


def make_feed(host: int, feed: int, version: int, items: int = 50) -> bytes:
    """A deterministic RSS feed of ``items`` entries (~30 KB); a new version adds 5."""
    parts = [
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Council {host} feed {feed}</title><link>http://h{host}.example/</link>"
    ]
    newest = version * 5 + items
    for n in range(newest, newest - items, -1):
        seed = hashlib.sha1(f"{host}-{feed}-{n}".encode()).digest()
        words = " ".join(WORDS[b % len(WORDS)] for b in seed * 5)
        parts.append(
            f"<item><guid>h{host}-f{feed}-i{n}</guid>"
            f"<link>http://h{host}.example/news/{feed}/{n}</link>"
            f"<title>Item {n} about the {WORDS[seed[0] % len(WORDS)]}</title>"
            f"<description>&lt;p&gt;{words} {words}&lt;/p&gt;</description>"
            f"<pubDate>Mon, 02 Nov 2026 {n % 24:02d}:{n % 60:02d}:00 GMT</pubDate></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode()


@dataclass
class _HostStats:
    in_flight: int = 0
    last_end: float = 0.0
    requests: int = 0


@dataclass
class FeedServer:
    latency_s: float = 0.1
    min_gap_s: float = 1.0
    body_for: Callable[[str, str], tuple[bytes, str | None] | None] = lambda host, path: None
    hosts: dict[str, _HostStats] = field(default_factory=lambda: defaultdict(_HostStats))
    concurrent_violations: int = 0
    gap_violations: int = 0
    requests: int = 0
    not_modified: int = 0
    bytes_sent: int = 0

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._handle, "0.0.0.0", 0, backlog=2048)
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        self._server.close()
        await self._server.wait_closed()

    def reset_counts(self) -> None:
        self.concurrent_violations = self.gap_violations = 0
        self.requests = self.not_modified = self.bytes_sent = 0

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                headers = {
                    k.lower(): v.strip()
                    for k, _, v in (line.partition(":") for line in lines[1:] if line)
                }
                await self._respond(writer, headers.get("host", "?"), path, headers)
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass  # the client went away, or the server is shutting down
        finally:
            writer.close()

    async def _respond(
        self, writer: asyncio.StreamWriter, host: str, path: str, headers: dict[str, str]
    ) -> None:
        stats = self.hosts[host]
        now = time.monotonic()
        if stats.in_flight:
            self.concurrent_violations += 1
        elif stats.requests and now - stats.last_end < self.min_gap_s - 0.02:
            self.gap_violations += 1
        stats.in_flight += 1
        stats.requests += 1
        self.requests += 1
        try:
            await asyncio.sleep(self.latency_s)
            found: tuple[bytes, str | None] | None
            if path == "/robots.txt":
                found = (b"User-agent: *\nAllow: /\n", None)
            else:
                found = self.body_for(host, path)  # (body, ETag or None: no validators)
            body, etag = found if found else (b"not found", None)
            status = "200 OK" if found else "404 Not Found"
            if etag and headers.get("if-none-match") == etag:
                status, body = "304 Not Modified", b""
                self.not_modified += 1
            head = (
                f"HTTP/1.1 {status}\r\nContent-Type: application/rss+xml\r\n"
                f"Content-Length: {len(body)}\r\n" + (f"ETag: {etag}\r\n" if etag else "") + "\r\n"
            ).encode()
            writer.write(head + body)
            self.bytes_sent += len(body)
            await writer.drain()
        finally:
            stats.in_flight -= 1
            stats.last_end = time.monotonic()
