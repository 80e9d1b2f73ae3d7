"""Shared fixtures.

* Every test that takes ``store`` runs twice: on SQLite and on PostgreSQL.  PostgreSQL is
  found at ``$MONITOR_TEST_POSTGRES_URL`` (default ``postgresql://127.0.0.1:5432/test``);
  when it cannot be reached those runs are skipped with a notice at the end of the run,
  unless ``MONITOR_TEST_POSTGRES=required`` (CI sets it), which turns the skip into a
  failure.  Each PostgreSQL test gets a schema of its own, dropped afterwards.
* Tests never touch the network: any connection to a non-loopback address fails.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.config import Settings, load_settings
from monitor.devserver import DevServer
from monitor.store import Store

pytest_plugins = ["tests.webapp"]  # the seeded web service (`web` fixture)

FIXTURES = Path(__file__).parent / "fixtures"
PG_URL = os.environ.get("MONITOR_TEST_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/test")
PG_REQUIRED = os.environ.get("MONITOR_TEST_POSTGRES", "").lower() == "required"
_pg_state: dict[str, object] = {}


# -- no network ---------------------------------------------------------------------------
_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: object) -> object:
    if self.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
        host = str(address[0])
        try:
            ip = ipaddress.ip_address(host.split("%")[0])
        except ValueError:
            ip = None
        if ip is None or not ip.is_loopback:
            raise OSError(f"tests must not touch the network (tried {host})")
    return _real_connect(self, address)  # type: ignore[arg-type]


@pytest.fixture(autouse=True, scope="session")
def _no_network() -> Iterator[None]:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]


def wait_until(predicate: Callable[[], object], timeout: float = 60.0, every: float = 0.2) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` seconds pass; True if it held.

    For tests that watch another process or thread through its side effects (rows in
    the database, a server's ``started`` flag), waiting on state, never on a fixed sleep.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False


# -- settings and stores ------------------------------------------------------------------
def make_settings(db_url: str, **sections: dict) -> Settings:
    base = load_settings(None, env={}, use_default_file=False)
    fetch = {
        "allow_private_addresses": True,
        "min_delay_s": 0.0,
        "backoff_base_s": 0.01,
        "max_retries": 1,
        "connect_timeout_s": 2.0,
        "read_timeout_s": 2.0,
        "total_timeout_s": 5.0,
        **sections.pop("fetch", {}),
    }
    return base.replace(database={"url": db_url}, fetch=fetch, **sections)


def _postgres_available() -> str | None:
    if "error" not in _pg_state:
        try:
            engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
            with engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
            engine.dispose()
            _pg_state["error"] = None
        except Exception as exc:
            _pg_state["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return _pg_state["error"]  # type: ignore[return-value]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    error = _postgres_available()
    if error:
        if PG_REQUIRED:
            pytest.fail(
                f"PostgreSQL is required (MONITOR_TEST_POSTGRES=required) but "
                f"{PG_URL} is unreachable: {error}"
            )
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {error}")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = sa.make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture
def settings(db_url: str) -> Settings:
    return make_settings(db_url)


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    s = Store.open(settings)
    s.init()
    yield s
    s.close()


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return make_settings(f"sqlite:///{tmp_path / 'test.db'}")


@pytest.fixture
def server() -> Iterator[DevServer]:
    with DevServer() as srv:
        yield srv


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    error = _pg_state.get("error")
    if error:
        terminalreporter.write_sep("=", "NOTICE", yellow=True, bold=True)
        terminalreporter.write_line(
            f"PostgreSQL runs were SKIPPED: {PG_URL} is unreachable ({error}). "
            f"Only SQLite was tested. Set MONITOR_TEST_POSTGRES_URL, or "
            f"MONITOR_TEST_POSTGRES=required to make this a failure.",
            yellow=True,
        )
