"""The one polite fetcher every source uses.

Politeness lives here and nowhere else:

* robots.txt is obeyed (protego), cached per origin, its ``Crawl-delay`` honoured;
* at most one request per host at a time, with a pause between two requests to the same
  host that follows the host's response time (never below ``fetch.min_delay_s``) and
  grows when the host answers 429 or 503;
* conditional GET (ETag, Last-Modified) plus a body hash, because some servers send
  stale validators;
* ``Retry-After`` honoured; retries with exponential back-off only for GET on 408, 429,
  5xx and dropped connections;
* connect, read and total timeouts; a hard cap on the *decoded* body size (gzip and
  brotli bombs are cut off while decompressing); a redirect limit; a User-Agent naming
  the service and a contact URL;
* no connection to a private, loopback or link-local address unless
  ``fetch.allow_private_addresses`` is on: the check is made on the address actually
  connected to, for every hop of a redirect chain (so DNS tricks cannot bypass it).

Every failure is raised as a :mod:`monitor.errors` ``FetchError`` with a stable code.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import logging
import random
import socket
import ssl
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import anyio
import brotli
import httpcore
import httpx
from protego import Protego

from monitor.config import FetchSettings
from monitor.errors import (
    BlockedError,
    FetchError,
    GoneError,
    TooLargeError,
    TransientFetchError,
)

__all__ = ["FetchStats", "Fetcher", "Response", "host_key"]

log = logging.getLogger(__name__)

RETRY_STATUSES = {408, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524}
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
ROBOTS_MAX_BYTES = 512_000
ROBOTS_RETRY_S = 600.0


@dataclass(frozen=True)
class Response:
    """A successful fetch (2xx or 304)."""

    url: str
    status: int
    headers: httpx.Headers
    body: bytes
    sha256: str
    not_modified: bool
    elapsed_s: float
    requests: int
    bytes_received: int
    redirects: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    @property
    def charset(self) -> str | None:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "charset":
                return value.strip().strip('"') or None
        return None


@dataclass
class FetchStats:
    requests: int = 0
    bytes_received: int = 0
    retries: int = 0
    robots_fetches: int = 0
    max_in_flight_per_host: int = 0
    errors: dict[str, int] = field(default_factory=dict)


class PrivateAddressError(Exception):
    """Raised inside the connection layer; becomes BlockedError(private_address)."""


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves the host itself and connects only to addresses that pass the check."""

    def __init__(self, allow_private: bool) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._allow_private = allow_private

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        allowed = [a for a in addresses if self._allow_private or _is_public(a)]
        if not allowed:
            raise PrivateAddressError(
                f"{host} resolves only to non-public addresses ({', '.join(addresses)})"
            )
        error: Exception | None = None
        for address in allowed:
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise PrivateAddressError("unix sockets are never fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _Decoder:
    """Content-Encoding decoder with a hard cap on the decoded size."""

    def __init__(self, encoding: str, limit: int, url: str) -> None:
        self.limit = limit
        self.url = url
        self.size = 0
        encodings = [e.strip() for e in encoding.lower().split(",") if e.strip()]
        encodings = [e for e in encodings if e != "identity"]
        if len(encodings) > 1:
            raise FetchError(
                f"stacked content encodings {encoding!r} are not accepted",
                code="bad_content_encoding",
                url=url,
            )
        self.kind = encodings[0] if encodings else "identity"
        if self.kind in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif self.kind == "deflate":
            self._z = zlib.decompressobj()
            self._first = True
        elif self.kind == "br":
            self._br = brotli.Decompressor()
        elif self.kind != "identity":
            raise FetchError(
                f"unsupported content encoding {encoding!r}", code="bad_content_encoding", url=url
            )

    def _count(self, data: bytes) -> bytes:
        self.size += len(data)
        if self.size > self.limit:
            raise TooLargeError(
                f"decoded body exceeds {self.limit} bytes", code="too_large", url=self.url
            )
        return data

    def feed(self, chunk: bytes) -> bytes:
        try:
            if self.kind == "identity":
                return self._count(chunk)
            if self.kind == "br":
                return self._feed_brotli(chunk)
            return self._feed_zlib(chunk)
        except (zlib.error, brotli.error) as exc:
            raise FetchError(
                f"body is not valid {self.kind}: {exc}", code="bad_content_encoding", url=self.url
            ) from exc

    def _feed_zlib(self, chunk: bytes) -> bytes:
        if self.kind == "deflate" and self._first:
            self._first = False
            try:  # servers disagree whether "deflate" has a zlib header
                probe = zlib.decompressobj()
                probe.decompress(chunk[:64])
            except zlib.error:
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
        out = bytearray()
        data = chunk
        while data:
            room = self.limit - self.size - len(out) + 1  # always >= 1 here
            out += self._z.decompress(data, room)
            if self.size + len(out) > self.limit:
                self._count(bytes(out))  # raises TooLargeError
            data = self._z.unconsumed_tail
            if not data and self._z.eof and self._z.unused_data and self.kind != "deflate":
                data = self._z.unused_data  # the next member of a multi-member gzip
                self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        return self._count(bytes(out))

    def _feed_brotli(self, chunk: bytes) -> bytes:
        out = bytearray()
        out += self._br.process(chunk, output_buffer_limit=max(self.limit - self.size + 1, 1))
        while len(out) + self.size <= self.limit and not self._br.can_accept_more_data():
            more = self._br.process(b"", output_buffer_limit=self.limit - self.size + 1)
            if not more:
                break
            out += more
        return self._count(bytes(out))

    def flush(self) -> bytes:
        if self.kind in ("gzip", "x-gzip", "deflate"):
            return self._count(self._z.flush())
        return b""


def host_key(url: str) -> str:
    parts = urlsplit(url)
    return (parts.hostname or "").lower() + (f":{parts.port}" if parts.port else "")


@dataclass
class _Host:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_at: float = 0.0
    latency_s: float | None = None
    penalty_s: float = 0.0
    crawl_delay_s: float = 0.0


@dataclass
class _Robots:
    parser: Protego | None  # None: everything allowed
    expires: float
    error: FetchError | None = None


def _retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


class Fetcher:
    """An asyncio HTTP client that is polite by construction.  Use one per process."""

    def __init__(
        self,
        settings: FetchSettings,
        user_agent: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.user_agent = user_agent
        self.stats = FetchStats()
        self._hosts: dict[str, _Host] = {}
        self._in_flight: dict[str, int] = {}
        self._robots: dict[str, _Robots] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}
        self._slots = asyncio.Semaphore(settings.max_connections)
        if transport is None:
            transport = httpx.AsyncHTTPTransport(
                verify=settings.verify_tls,
                retries=0,
                limits=httpx.Limits(
                    max_connections=settings.max_connections,
                    max_keepalive_connections=settings.max_connections,
                    keepalive_expiry=30.0,
                ),
            )
            transport._pool._network_backend = _GuardedBackend(settings.allow_private_addresses)
        self._client = httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,
            trust_env=False,
            timeout=httpx.Timeout(
                connect=settings.connect_timeout_s,
                read=settings.read_timeout_s,
                write=settings.read_timeout_s,
                pool=None,
            ),
            headers={"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate, br"},
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- public -------------------------------------------------------------------------
    async def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str | None = None,
    ) -> Response:
        """GET ``url`` politely; return a 2xx or 304 response or raise a FetchError."""
        started = time.monotonic()
        requests_before, bytes_before = self.stats.requests, self.stats.bytes_received
        headers = {}
        if accept:
            headers["Accept"] = accept
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        redirects: list[str] = []
        current = url
        try:
            for _hop in range(self.settings.max_redirects + 1):
                self._check_url(current)
                await self._check_robots(current)
                status, resp_headers, body = await self._get_with_retries(current, headers)
                if status in REDIRECT_STATUSES and resp_headers.get("location"):
                    redirects.append(current)
                    current = urljoin(current, resp_headers["location"].strip())
                    if current in redirects:
                        raise FetchError(
                            f"redirect loop back to {current}", code="redirect_loop", url=url
                        )
                    continue
                return self._finish(
                    url,
                    current,
                    status,
                    resp_headers,
                    body,
                    redirects,
                    started,
                    requests_before,
                    bytes_before,
                )
            raise FetchError(
                f"more than {self.settings.max_redirects} redirects",
                code="too_many_redirects",
                url=url,
            )
        except FetchError as exc:
            self.stats.errors[exc.code] = self.stats.errors.get(exc.code, 0) + 1
            if exc.url is None:
                exc.url = url
            raise

    def _finish(
        self,
        url: str,
        final: str,
        status: int,
        headers: httpx.Headers,
        body: bytes,
        redirects: list[str],
        started: float,
        requests_before: int,
        bytes_before: int,
    ) -> Response:
        if status == 304:
            not_modified = True
        elif 200 <= status < 300:
            not_modified = False
        else:
            raise _status_error(status, headers, final)
        return Response(
            url=final,
            status=status,
            headers=headers,
            body=body,
            sha256=hashlib.sha256(body).hexdigest(),
            not_modified=not_modified,
            elapsed_s=time.monotonic() - started,
            requests=self.stats.requests - requests_before,
            bytes_received=self.stats.bytes_received - bytes_before,
            redirects=tuple(redirects),
        )

    @staticmethod
    def _check_url(url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(f"not an http(s) URL: {url!r}", code="bad_url", url=url)

    # -- robots.txt ---------------------------------------------------------------------
    async def _check_robots(self, url: str) -> None:
        if not self.settings.respect_robots:
            return
        parts = urlsplit(url)
        if parts.path == "/robots.txt":
            return
        origin = f"{parts.scheme}://{parts.netloc}"
        robots = await self._robots_for(origin)
        if robots.error is not None:
            raise BlockedError(
                f"robots.txt of {origin} could not be read "
                f"({robots.error.code}); not fetching until it can",
                code="robots_unavailable",
                url=url,
            )
        if robots.parser is not None and not robots.parser.can_fetch(url, self.user_agent):
            raise BlockedError(
                f"robots.txt of {origin} disallows {parts.path or '/'}",
                code="robots_disallowed",
                url=url,
            )

    async def _robots_for(self, origin: str) -> _Robots:
        cached = self._robots.get(origin)
        if cached and cached.expires > time.monotonic():
            return cached
        lock = self._robots_locks.setdefault(origin, asyncio.Lock())
        async with lock:
            cached = self._robots.get(origin)
            if cached and cached.expires > time.monotonic():
                return cached
            robots = await self._load_robots(origin)
            self._robots[origin] = robots
            if robots.parser is not None:
                delay = robots.parser.crawl_delay(self.user_agent)
                if delay:
                    self._host(host_key(origin)).crawl_delay_s = min(
                        float(delay), self.settings.max_delay_s
                    )
            return robots

    async def _load_robots(self, origin: str) -> _Robots:
        self.stats.robots_fetches += 1
        ttl = float(self.settings.robots_ttl_s)
        url = origin + "/robots.txt"
        try:
            for _ in range(5):
                status, headers, body = await self._get_with_retries(
                    url, {}, limit=ROBOTS_MAX_BYTES, retries=1
                )
                if status in REDIRECT_STATUSES and headers.get("location"):
                    url = urljoin(url, headers["location"])
                    continue
                break
        except TooLargeError:
            return _Robots(None, time.monotonic() + ttl)  # RFC 9309: parse what we can; allow
        except FetchError as exc:
            # the host itself is unreachable (refused, timeout, TLS...): report that, not
            # robots.txt, and try robots.txt again on the next request
            exc.url = None
            raise
        if 200 <= status < 300:
            text = body.decode("utf-8", errors="replace")
            return _Robots(Protego.parse(text), time.monotonic() + ttl)
        if 400 <= status < 500:  # no robots.txt (or refused): everything is allowed
            return _Robots(None, time.monotonic() + ttl)
        error = TransientFetchError(
            f"robots.txt answered {status}", code=f"http_{status}", url=url, status=status
        )
        return _Robots(None, time.monotonic() + ROBOTS_RETRY_S, error=error)

    # -- one URL, with retries ------------------------------------------------------------
    async def _get_with_retries(
        self,
        url: str,
        headers: dict[str, str],
        *,
        limit: int | None = None,
        retries: int | None = None,
    ) -> tuple[int, httpx.Headers, bytes]:
        max_retries = self.settings.max_retries if retries is None else retries
        attempt = 0
        while True:
            try:
                status, resp_headers, body = await self._request(url, headers, limit)
            except TransientFetchError as exc:
                wait = self._backoff(attempt)
                if attempt >= max_retries or wait > self.settings.retry_after_max_s:
                    raise
                log.info("retrying after %s", exc.code, extra={"url": url})
            else:
                if status not in RETRY_STATUSES:
                    return status, resp_headers, body
                retry_after = _retry_after(resp_headers)
                wait = retry_after if retry_after is not None else self._backoff(attempt)
                if attempt >= max_retries or wait > self.settings.retry_after_max_s:
                    return status, resp_headers, body
            attempt += 1
            self.stats.retries += 1
            await asyncio.sleep(wait)

    def _backoff(self, attempt: int) -> float:
        base = self.settings.backoff_base_s * (2**attempt)
        return base * random.uniform(0.8, 1.2)

    def _host(self, key: str) -> _Host:
        host = self._hosts.get(key)
        if host is None:
            host = self._hosts[key] = _Host()
        return host

    def _delay(self, host: _Host) -> float:
        s = self.settings
        delay = s.min_delay_s
        if host.latency_s is not None:
            delay = max(delay, host.latency_s * s.latency_factor)
        delay = max(delay, host.crawl_delay_s, host.penalty_s)
        return min(delay, max(s.max_delay_s, s.min_delay_s))

    async def _request(
        self, url: str, headers: dict[str, str], limit: int | None
    ) -> tuple[int, httpx.Headers, bytes]:
        key = host_key(url)
        host = self._host(key)
        async with host.lock:
            wait = host.next_at - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            async with self._slots:
                self._in_flight[key] = self._in_flight.get(key, 0) + 1
                self.stats.max_in_flight_per_host = max(
                    self.stats.max_in_flight_per_host, self._in_flight[key]
                )
                began = time.monotonic()
                try:
                    status, resp_headers, body = await self._send(url, headers, limit)
                finally:
                    self._in_flight[key] -= 1
                    elapsed = time.monotonic() - began
                    host.latency_s = (
                        elapsed if host.latency_s is None else 0.7 * host.latency_s + 0.3 * elapsed
                    )
            if status in (429, 503):
                host.penalty_s = min(
                    max(host.penalty_s * 2, self.settings.min_delay_s, 1.0),
                    self.settings.max_delay_s,
                )
            elif host.penalty_s:
                host.penalty_s /= 2
            host.next_at = time.monotonic() + self._delay(host)
            return status, resp_headers, body

    async def _send(
        self, url: str, headers: dict[str, str], limit: int | None
    ) -> tuple[int, httpx.Headers, bytes]:
        limit = limit or self.settings.max_body_bytes
        self.stats.requests += 1
        try:
            async with asyncio.timeout(self.settings.total_timeout_s):
                async with self._client.stream("GET", url, headers=headers) as resp:
                    if (
                        resp.status_code in REDIRECT_STATUSES
                        or resp.status_code == 304
                        or resp.status_code >= 400
                    ):
                        body = await self._read(resp, url, min(limit, 65536), truncate=True)
                    else:
                        body = await self._read(resp, url, limit)
                    return resp.status_code, resp.headers, body
        except FetchError:
            raise
        except TimeoutError as exc:
            raise TransientFetchError(
                f"no complete response within {self.settings.total_timeout_s:g}s",
                code="timeout",
                url=url,
            ) from exc
        except PrivateAddressError as exc:
            raise BlockedError(str(exc), code="private_address", url=url) from exc
        except socket.gaierror as exc:
            raise TransientFetchError(
                f"cannot resolve host: {exc}", code="dns_error", url=url
            ) from exc
        except httpx.TimeoutException as exc:
            raise TransientFetchError(
                f"{type(exc).__name__}: the server did not answer in time", code="timeout", url=url
            ) from exc
        except httpx.ConnectError as exc:
            raise _connect_error(exc, url) from exc
        except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError) as exc:
            raise TransientFetchError(
                f"connection dropped: {exc or type(exc).__name__}", code="connection_reset", url=url
            ) from exc
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise FetchError(f"bad URL: {exc}", code="bad_url", url=url) from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"{type(exc).__name__}: {exc}", code="http_error", url=url) from exc

    async def _read(
        self, resp: httpx.Response, url: str, limit: int, *, truncate: bool = False
    ) -> bytes:
        length = resp.headers.get("content-length", "")
        encoding = resp.headers.get("content-encoding", "")
        if not truncate and length.isdigit() and not encoding and int(length) > limit:
            raise TooLargeError(
                f"Content-Length {length} exceeds {limit} bytes", code="too_large", url=url
            )
        decoder = _Decoder(encoding, limit, url)
        out = bytearray()
        try:
            async for chunk in resp.aiter_raw():
                self.stats.bytes_received += len(chunk)
                out += decoder.feed(chunk)
            out += decoder.flush()
        except TooLargeError:
            if truncate:
                return bytes(out[:limit])
            raise
        return bytes(out)


def _connect_error(exc: httpx.ConnectError, url: str) -> FetchError:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLError | ssl.CertificateError):
            return FetchError(f"TLS handshake failed: {cause}", code="tls_error", url=url)
        if isinstance(cause, socket.gaierror):
            return TransientFetchError(f"cannot resolve host: {cause}", code="dns_error", url=url)
        cause = cause.__cause__ or cause.__context__
    text = str(exc)
    if "SSL" in text or "certificate" in text.lower():
        return FetchError(f"TLS handshake failed: {text}", code="tls_error", url=url)
    return TransientFetchError(
        f"cannot connect: {text or type(exc).__name__}", code="connect_error", url=url
    )


def _status_error(status: int, headers: httpx.Headers, url: str) -> FetchError:
    message = f"HTTP {status}"
    code = f"http_{status}"
    if status in RETRY_STATUSES:
        return TransientFetchError(
            message, code=code, url=url, status=status, retry_after_s=_retry_after(headers)
        )
    if status in (401, 403, 451):
        return BlockedError(
            f"{message}: refused (a firewall may be blocking crawlers)",
            code=code,
            url=url,
            status=status,
        )
    if status in (404, 410):
        return GoneError(message, code=code, url=url, status=status)
    if status >= 500:
        return TransientFetchError(message, code=code, url=url, status=status)
    return FetchError(message, code=code, url=url, status=status)
