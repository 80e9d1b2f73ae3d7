"""The polite fetcher against a real local HTTP server: every fault case gets a typed
error with a stable code, and politeness holds."""

from __future__ import annotations

import asyncio
import gzip
import time
from typing import Any

import brotli
import pytest

from monitor.config import FetchSettings
from monitor.devserver import DevServer, Reply
from monitor.errors import (
    BlockedError,
    FetchError,
    GoneError,
    TooLargeError,
    TransientFetchError,
)
from scrapers.fetch import Fetcher

UA = "CouncilMonitorTest/1.0 (+https://example.org/contact)"


def fetch_settings(**kw: Any) -> FetchSettings:
    base = dict(
        allow_private_addresses=True,
        min_delay_s=0.0,
        backoff_base_s=0.01,
        max_retries=1,
        connect_timeout_s=2.0,
        read_timeout_s=1.0,
        total_timeout_s=3.0,
    )
    base.update(kw)
    return FetchSettings(**base)  # type: ignore[arg-type]


def get(url: str, settings: FetchSettings | None = None, **kw: Any) -> Any:
    async def run() -> Any:
        async with Fetcher(settings or fetch_settings(), UA) as f:
            return await f.get(url, **kw)

    return asyncio.run(run())


def fails(url: str, settings: FetchSettings | None = None, **kw: Any) -> FetchError:
    with pytest.raises(FetchError) as info:
        get(url, settings, **kw)
    return info.value


def test_plain_get_sends_user_agent_and_returns_body(server: DevServer) -> None:
    url = server.route("/feed", Reply(body=b"<rss/>"))
    resp = get(url)
    assert resp.status == 200 and resp.body == b"<rss/>" and not resp.not_modified
    feed_requests = [r for r in server.requests if r.path == "/feed"]
    assert feed_requests[0].headers["user-agent"] == UA


def test_conditional_get_answers_not_modified(server: DevServer) -> None:
    url = server.route(
        "/feed",
        Reply(body=b"<rss>x</rss>", etag=True, last_modified="Mon, 02 Nov 2026 10:00:00 GMT"),
    )
    first = get(url)
    assert first.etag and first.last_modified
    second = get(url, etag=first.etag, last_modified=first.last_modified)
    assert second.not_modified and second.status == 304 and second.body == b""


@pytest.mark.parametrize(
    "status,error_type,code",
    [
        (404, GoneError, "http_404"),
        (410, GoneError, "http_410"),
        (403, BlockedError, "http_403"),
        (401, BlockedError, "http_401"),
        (400, FetchError, "http_400"),
    ],
)
def test_client_errors_are_typed(
    server: DevServer, status: int, error_type: type, code: str
) -> None:
    url = server.route("/x", Reply(status=status, body=b"no"))
    error = fails(url)
    assert type(error) is error_type and error.code == code and error.status == status
    assert server.hits("/x") == 1  # never retried


def test_503_is_retried_then_succeeds(server: DevServer) -> None:
    calls = []

    def flaky(record: Any) -> Reply:
        calls.append(record)
        if len(calls) == 1:
            return Reply(status=503, headers={"Retry-After": "0"})
        return Reply(body=b"ok")

    url = server.route("/flaky", flaky)
    assert get(url).body == b"ok"
    assert len(calls) == 2


def test_retries_exhausted_gives_transient_error_with_retry_after(server: DevServer) -> None:
    url = server.route("/down", Reply(status=503, headers={"Retry-After": "1"}))
    error = fails(url, fetch_settings(max_retries=1))
    assert isinstance(error, TransientFetchError) and error.code == "http_503"
    assert error.retry_after_s == pytest.approx(1.0)
    assert server.hits("/down") == 2


def test_long_retry_after_is_not_waited_for(server: DevServer) -> None:
    url = server.route("/busy", Reply(status=429, headers={"Retry-After": "3600"}))
    began = time.monotonic()
    error = fails(url, fetch_settings(max_retries=3, retry_after_max_s=5))
    assert time.monotonic() - began < 2
    assert error.code == "http_429" and error.retry_after_s == pytest.approx(3600)
    assert server.hits("/busy") == 1


def test_500_retried_with_backoff(server: DevServer) -> None:
    url = server.route("/err", Reply(status=500))
    error = fails(url, fetch_settings(max_retries=2))
    assert error.code == "http_500" and server.hits("/err") == 3


def test_server_that_never_answers_times_out(server: DevServer) -> None:
    url = server.route("/hang", Reply(hang_s=3))
    error = fails(url, fetch_settings(read_timeout_s=0.3, total_timeout_s=1, max_retries=0))
    assert isinstance(error, TransientFetchError) and error.code == "timeout"


def test_slow_body_hits_total_timeout(server: DevServer) -> None:
    url = server.route("/slow", Reply(body=b"x" * 2000, chunks=20, chunk_delay_s=0.2))
    error = fails(url, fetch_settings(read_timeout_s=1, total_timeout_s=0.8, max_retries=0))
    assert error.code == "timeout"


def test_connection_reset(server: DevServer) -> None:
    url = server.route("/reset", Reply(reset=True))
    error = fails(url, fetch_settings(max_retries=0))
    assert isinstance(error, TransientFetchError) and error.code == "connection_reset"


def test_body_cut_off_midway_is_an_error(server: DevServer) -> None:
    url = server.route("/cut", Reply(body=b"y" * 5000, reset_after_bytes=100))
    error = fails(url, fetch_settings(max_retries=0))
    assert error.code == "connection_reset"


def test_connection_refused(server: DevServer) -> None:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    error = fails(f"http://127.0.0.1:{port}/x", fetch_settings(max_retries=0))
    assert error.code == "connect_error"


def test_redirects_followed_and_loops_detected(server: DevServer) -> None:
    server.route("/a", Reply(status=301, headers={"Location": "/b"}))
    server.route("/b", Reply(status=302, headers={"Location": "/c"}))
    server.route("/c", Reply(body=b"final"))
    resp = get(server.url("/a"))
    assert resp.body == b"final" and resp.url.endswith("/c") and len(resp.redirects) == 2
    server.route("/loop1", Reply(status=302, headers={"Location": "/loop2"}))
    server.route("/loop2", Reply(status=302, headers={"Location": "/loop1"}))
    assert fails(server.url("/loop1")).code == "redirect_loop"
    for i in range(10):
        server.route(f"/chain{i}", Reply(status=302, headers={"Location": f"/chain{i + 1}"}))
    assert (
        fails(server.url("/chain0"), fetch_settings(max_redirects=3)).code == "too_many_redirects"
    )


def test_oversized_body_by_content_length(server: DevServer) -> None:
    url = server.route("/big", Reply(body=b"z" * 50_000))
    error = fails(url, fetch_settings(max_body_bytes=10_000))
    assert isinstance(error, TooLargeError) and error.code == "too_large"


def test_gzip_bomb_is_cut_off_while_decompressing(server: DevServer) -> None:
    bomb = gzip.compress(b"\0" * 200_000_000, compresslevel=9)
    assert len(bomb) < 300_000
    url = server.route("/bomb", Reply(body=bomb, headers={"Content-Encoding": "gzip"}))
    error = fails(url, fetch_settings(max_body_bytes=5_000_000))
    assert error.code == "too_large"


def test_brotli_bomb_is_cut_off(server: DevServer) -> None:
    bomb = brotli.compress(b"\0" * 100_000_000)
    url = server.route("/br", Reply(body=bomb, headers={"Content-Encoding": "br"}))
    error = fails(url, fetch_settings(max_body_bytes=1_000_000))
    assert error.code == "too_large"


def test_gzip_and_brotli_bodies_decoded(server: DevServer) -> None:
    text = b"<rss>" + b"council " * 1000 + b"</rss>"
    server.route("/gz", Reply(body=gzip.compress(text), headers={"Content-Encoding": "gzip"}))
    server.route("/brr", Reply(body=brotli.compress(text), headers={"Content-Encoding": "br"}))
    assert get(server.url("/gz")).body == text
    assert get(server.url("/brr")).body == text


def test_corrupt_gzip_is_an_error(server: DevServer) -> None:
    url = server.route(
        "/badgz", Reply(body=b"not gzip at all", headers={"Content-Encoding": "gzip"})
    )
    assert fails(url).code == "bad_content_encoding"


def test_robots_disallow_is_obeyed(server: DevServer) -> None:
    server.robots = "User-agent: *\nDisallow: /private/\n"
    url = server.route("/private/feed", Reply(body=b"secret"))
    error = fails(url)
    assert isinstance(error, BlockedError) and error.code == "robots_disallowed"
    assert server.hits("/private/feed") == 0
    assert get(server.route("/public", Reply(body=b"ok"))).body == b"ok"


def test_robots_unreachable_blocks_until_it_can_be_read(server: DevServer) -> None:
    server.route("/robots.txt", Reply(status=503))
    url = server.route("/feed", Reply(body=b"ok"))
    error = fails(url, fetch_settings(max_retries=0))
    assert error.code == "robots_unavailable" and server.hits("/feed") == 0


def test_robots_404_allows_everything(server: DevServer) -> None:
    server.route("/robots.txt", Reply(status=404))
    assert get(server.route("/feed", Reply(body=b"ok"))).body == b"ok"


def test_private_addresses_refused_by_default(server: DevServer) -> None:
    url = server.route("/feed", Reply(body=b"ok"))
    error = fails(url, fetch_settings(allow_private_addresses=False))
    assert isinstance(error, BlockedError) and error.code == "private_address"
    assert server.hits("/feed") == 0


def test_private_address_check_applies_to_redirect_targets(server: DevServer) -> None:
    # localhost resolves to loopback: refused even though it is reached by name
    url = server.route("/feed", Reply(body=b"ok"))
    error = fails(
        url.replace("127.0.0.1", "localhost"), fetch_settings(allow_private_addresses=False)
    )
    assert error.code == "private_address"


def test_tls_failure_is_classified(server: DevServer) -> None:
    # an https URL to a plain-HTTP server fails in the TLS handshake
    server.route("/feed", Reply(body=b"ok"))
    error = fails(
        server.url("/feed").replace("http://", "https://"),
        fetch_settings(max_retries=0, respect_robots=False),
    )
    assert error.code in ("tls_error", "connection_reset")


def test_bad_url_is_rejected(server: DevServer) -> None:
    assert fails("ftp://example.org/feed").code == "bad_url"


def test_one_request_per_host_at_a_time_and_min_delay(server: DevServer) -> None:
    for i in range(6):
        server.route(f"/f{i}", Reply(body=b"x", delay_s=0.05))
    settings = fetch_settings(min_delay_s=0.1)

    async def run() -> Fetcher:
        async with Fetcher(settings, UA) as f:
            await asyncio.gather(*(f.get(server.url(f"/f{i}")) for i in range(6)))
            return f

    fetcher = asyncio.run(run())
    assert server.overlapping_requests() == 0
    assert fetcher.stats.max_in_flight_per_host == 1
    spans = sorted((r.started, r.ended) for r in server.requests)
    gaps = [b[0] - a[1] for a, b in zip(spans, spans[1:], strict=False)]
    assert min(gaps) >= 0.09  # the 0.1 s minimum delay, less timer slack


def test_crawl_delay_from_robots_is_honoured(server: DevServer) -> None:
    server.robots = "User-agent: *\nCrawl-delay: 0.3\n"
    for i in range(3):
        server.route(f"/c{i}", Reply(body=b"x"))

    async def run() -> None:
        async with Fetcher(fetch_settings(), UA) as f:
            for i in range(3):
                await f.get(server.url(f"/c{i}"))

    asyncio.run(run())
    starts = [r.started for r in server.requests if r.path.startswith("/c")]
    assert all(b - a >= 0.28 for a, b in zip(starts, starts[1:], strict=False))
