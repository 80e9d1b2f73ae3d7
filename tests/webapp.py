"""A seeded web service on a real uvicorn server, shared by the API and browser tests
(registered as a pytest plugin in ``conftest.py``)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import pytest
import uvicorn

from monitor.alerting import run_detection
from monitor.config import Settings
from monitor.store import Store
from monitor.store.tables import utcnow
from monitor.types import RawItem, SourceSpec, Verdict
from monitor.web import create_app
from tests.conftest import make_settings, wait_until
from tests.test_alerts import WOKING, seed_signals

__all__ = ["PASSWORD", "PAYLOADS", "WOKING", "Web", "web"]

PASSWORD = "correct horse battery"
PAYLOADS = [
    "<script>window.__xss = 1</script>",
    '<img src=x onerror="window.__xss = 2">',
    '<svg onload="window.__xss = 3"><script>window.__xss = 4</script></svg>',
    '<a href="javascript:window.__xss = 5">click</a>',
    '"><iframe src="javascript:window.__xss=6"></iframe>',
    "<style>body{display:none}</style><b onmouseover=window.__xss=7>x</b>",
]
HOSTILE_URL = "javascript:window.__xss = 8"


@dataclass
class Web:
    base: str
    store: Store
    settings: Settings
    alert_id: int
    token: str
    unsubscribe_token: str

    def client(self, **kw: object) -> httpx.Client:
        return httpx.Client(base_url=self.base, follow_redirects=False, timeout=30, **kw)  # type: ignore[arg-type]

    def login(self, name: str = "ana") -> tuple[httpx.Client, str]:
        """A signed-in client and its CSRF token."""
        client = self.client()
        response = client.post("/login", data={"username": name, "password": PASSWORD})
        assert response.status_code == 303, response.text
        page = client.get("/subscriptions").text
        csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        return client, csrf


def seed_hostile(store: Store, now: datetime) -> None:
    """Items whose scraped title, text, URL and evidence carry script payloads."""
    spec = SourceSpec(id="hostile", kind="feed", url="https://hostile.example/rss")
    store.sources.add(spec)
    items = [
        RawItem(
            guid=f"hostile-{n}",
            url=HOSTILE_URL if n == 0 else f"https://hostile.example/{n}",
            title=f"Woking budget {payload}",
            text=f"Woking Borough Council budget gap {payload} section 114",
            published=now - timedelta(days=3),
            links=[(WOKING, "primary", 0.9, "text")],
        )
        for n, payload in enumerate(PAYLOADS)
    ]
    with store.db.write() as conn:
        stats = store.items.ingest(conn, spec.id, None, "press", items, fetched_at=now)
    store.signals.save(
        [
            Verdict(
                item_id,
                "",
                {"financial_distress": 0.9},
                ("financial_distress",),
                {"financial_distress": f"The budget {PAYLOADS[n % len(PAYLOADS)]} gap."},
                -0.7,
                {},
                "test-model",
            )
            for n, item_id in enumerate(stats.new_ids)
        ]
    )


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture
def web(db_url: str) -> Iterator[Web]:
    settings = make_settings(
        db_url,
        web={"page_size": 5, "login_attempts_per_hour": 5},
        alerts={"base_url": "http://monitor.example"},
    )
    store = Store.open(settings)
    store.init()
    now = utcnow()
    seed_signals(store, now=now)
    seed_hostile(store, now)
    report = run_detection(store, settings, now)
    assert report.opened, "the seeded signals should open an alert"
    for name, role in (("vera", "viewer"), ("ana", "analyst"), ("adam", "admin")):
        store.access.add_user(name, role, PASSWORD)
    token = store.access.create_token("ana", "tests")
    store.subscribers.add("sam", "sam@example.org", councils=[WOKING])
    unsubscribe_token = store.subscribers.get("sam")["unsubscribe_token"]  # type: ignore[index]
    sock = _free_socket()
    config = uvicorn.Config(create_app(settings, store), log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    assert wait_until(lambda: server.started, timeout=20, every=0.05), "uvicorn did not start"
    host, port = sock.getsockname()
    try:
        yield Web(
            f"http://{host}:{port}", store, settings, report.opened[0], token, unsubscribe_token
        )
    finally:
        server.should_exit = True
        thread.join(10)
        store.close()
