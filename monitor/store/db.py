"""Engines and transactions for the two backends.

SQLite (the zero-set-up default) runs in WAL mode with a busy timeout, and every write
transaction starts with ``BEGIN IMMEDIATE``: under WAL a deferred transaction that later
tries to write fails at once with "database is locked" when another writer got there
first, whereas ``IMMEDIATE`` takes the write lock up front and waits for the busy timeout.
PostgreSQL uses ordinary transactions.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from monitor.config import DatabaseSettings
from monitor.errors import ConfigError, StoreError

__all__ = ["Database"]


def _normalise_url(url: str) -> sa.URL:
    try:
        parsed = sa.make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"not a database URL: {url!r}", key="database.url") from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(
            "only sqlite:/// and postgresql:// URLs are supported", key="database.url"
        )
    return parsed


class Database:
    """One engine plus the transaction helpers every repository uses."""

    def __init__(self, url: str, settings: DatabaseSettings | None = None) -> None:
        settings = settings or DatabaseSettings()
        self.url = _normalise_url(url)
        self.dialect = self.url.get_backend_name()
        self._write_lock = threading.Lock()
        if self.dialect == "sqlite":
            self.engine = self._sqlite_engine(settings)
        else:
            self.engine = sa.create_engine(
                self.url,
                pool_size=settings.pool_size,
                pool_pre_ping=True,
                connect_args={"connect_timeout": 10},
            )

            @event.listens_for(self.engine, "connect")
            def _planner(dbapi_conn: Any, _record: Any) -> None:
                # PostgreSQL compiles a query to machine code once its estimated cost
                # passes jit_above_cost; for our short lookups over a large table that
                # compilation (40-90 ms) is most of the time a search takes.  And psycopg
                # prepares a statement after five runs, after which PostgreSQL may plan it
                # once for any parameters: one plan cannot suit both a rare word (read the
                # text index) and a common one (walk the date index), so each search is
                # planned for its own words and dates (1-3 ms of planning)
                with dbapi_conn.cursor() as cur:
                    cur.execute("SET jit = off")
                    cur.execute("SET plan_cache_mode = force_custom_plan")
                dbapi_conn.commit()

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def _sqlite_engine(self, settings: DatabaseSettings) -> Engine:
        database = self.url.database or ""
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            self.url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=8,
            max_overflow=16,
        )
        busy_ms = settings.busy_timeout_ms

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A short write transaction (``BEGIN IMMEDIATE`` on SQLite); commits on success."""
        try:
            with self.engine.connect() as conn:
                if self.is_sqlite:
                    conn = conn.execution_options(sqlite_begin="IMMEDIATE")
                with conn.begin():
                    yield conn
        except OperationalError as exc:
            raise StoreError(f"database write failed: {exc.orig}") from exc

    @contextmanager
    def read(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn, conn.begin():
                yield conn
        except OperationalError as exc:
            raise StoreError(f"database read failed: {exc.orig}") from exc

    def check(self) -> None:
        """Fail with a clear error when the database cannot be reached."""
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except SQLAlchemyError as exc:
            raise StoreError(
                f"cannot open the database {self.safe_url}: {getattr(exc, 'orig', exc)}"
            ) from exc

    @property
    def safe_url(self) -> str:
        return self.url.render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()
