"""`council-monitor run` as a real process: it polls on schedule, keeps its job state in
the database, refuses a second copy, and stops cleanly on SIGTERM; a hung fetch cannot
hold up the schedule."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from monitor.config import Settings
from monitor.demo import DEMO_DATA
from monitor.devserver import DevServer, Reply
from monitor.scheduler import LOCK_NAME, Service
from monitor.store import Store
from monitor.store.tables import utcnow
from monitor.types import SourceSpec
from tests.conftest import make_settings, wait_until
from tests.test_cli import cli


def test_lock_is_a_lease_that_a_stale_holder_loses(store: Store) -> None:
    assert store.locks.acquire(LOCK_NAME, "host-a:1", stale_s=60) is None
    held = store.locks.acquire(LOCK_NAME, "host-b:2", stale_s=60)
    assert held is not None and held["holder"] == "host-a:1"
    assert store.locks.heartbeat(LOCK_NAME, "host-a:1")
    # a holder that stopped heart-beating is presumed dead after stale_s (here: at once)
    time.sleep(0.01)
    later = store.locks.acquire(LOCK_NAME, "host-b:2", stale_s=0)
    assert later is None
    assert not store.locks.heartbeat(LOCK_NAME, "host-a:1")  # the old holder learns it lost
    store.locks.release(LOCK_NAME, "host-b:2")
    assert store.locks.acquire(LOCK_NAME, "host-c:3", stale_s=60) is None


def _query(db: Path, sql: str) -> list[tuple]:  # type: ignore[type-arg]
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:
        return []


def test_run_polls_refuses_a_second_copy_and_stops_on_sigterm(tmp_path: Path) -> None:
    with DevServer() as srv:
        srv.serve_file("/feed", DEMO_DATA / "feeds" / "bbc_sport_liverpool.xml", etag=True)
        db = tmp_path / "cm.db"
        (tmp_path / "config.toml").write_text(
            f'[database]\nurl = "sqlite:///{db}"\n'
            "[fetch]\nallow_private_addresses = true\nmin_delay_s = 0.0\n"
            "[scheduler]\ntick_s = 5\nenrich_interval_s = 10\n"
        )
        assert cli("init", cwd=tmp_path).returncode == 0
        added = cli("sources", "add", srv.url("/feed"), "--id", "feed", cwd=tmp_path)
        assert added.returncode == 0, added.stderr
        env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
        first = subprocess.Popen(
            [sys.executable, "-m", "monitor", "run"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert wait_until(lambda: _query(db, "SELECT count(*) FROM item") == [(4,)]), (
                "the first tick should poll the feed"
            )
            jobs = {r[0] for r in _query(db, "SELECT id FROM apscheduler_jobs")}
            assert {"job_poll", "job_enrich", "job_detect", "job_digests", "job_deliver"} <= jobs
            second = cli("run", cwd=tmp_path)
            assert second.returncode == 1
            assert "another `council-monitor run`" in second.stderr
            first.send_signal(signal.SIGTERM)
            assert first.wait(timeout=60) == 0
        finally:
            if first.poll() is None:
                first.kill()
        assert _query(db, "SELECT count(*) FROM service_lock") == [(0,)]  # lease released
        # the sources' schedule survives: the next check is in the future, not lost
        assert _query(db, "SELECT count(*) FROM source WHERE next_check_at IS NOT NULL") == [(1,)]


def test_a_hung_source_cannot_hold_up_the_schedule(tmp_path: Path) -> None:
    # two hosts: the fetcher keeps one request at a time per host, so the hung host must
    # not be the one the healthy source lives on
    with DevServer() as srv, DevServer(host="127.0.0.2") as other:
        other.serve_file("/ok", DEMO_DATA / "feeds" / "bbc_sport_liverpool.xml")
        srv.route("/hang", Reply(hang_s=60))
        settings: Settings = make_settings(
            f"sqlite:///{tmp_path / 'run.db'}",
            fetch={"read_timeout_s": 120.0, "total_timeout_s": 120.0, "connect_timeout_s": 5.0},
            scheduler={"job_timeout_s": 10},
        )
        store = Store.open(settings)
        store.init()
        store.sources.add(SourceSpec(id="ok", kind="feed", url=other.url("/ok")))
        store.sources.add(SourceSpec(id="hang", kind="feed", url=srv.url("/hang")))
        service = Service(settings, store)
        began = time.monotonic()
        service.poll()
        took = time.monotonic() - began
        assert took < 30, "the poll must be cut off at scheduler.job_timeout_s"
        health = {h.id: h for h in store.sources.health()}
        assert health["ok"].items_total == 4  # the source that answered is stored
        assert health["hang"].last_success is None  # the hung one is retried next tick
        assert store.sources.due(utcnow() + timedelta(seconds=1))  # and is still due
        store.close()


def test_users_and_tokens_from_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(f'[database]\nurl = "sqlite:///{tmp_path / "cm.db"}"\n')
    assert cli("init", cwd=tmp_path).returncode == 0
    added = cli(
        "users",
        "add",
        "ana",
        "--role",
        "analyst",
        "--password-stdin",
        cwd=tmp_path,
        input="a long enough password\n",
    )
    assert added.returncode == 0, added.stderr
    short = cli("users", "add", "ben", "--password-stdin", cwd=tmp_path, input="short\n")
    assert short.returncode != 0 and "at least 10 characters" in short.stderr
    bad_role = cli(
        "users",
        "add",
        "cy",
        "--role",
        "root",
        "--password-stdin",
        cwd=tmp_path,
        input="a long enough password\n",
    )
    assert bad_role.returncode != 0 and "unknown role" in bad_role.stderr
    token = cli("tokens", "create", "ana", "--label", "risk model", cwd=tmp_path)
    assert token.returncode == 0 and token.stdout.startswith("cm_")
    listed = cli("tokens", "list", "--json", cwd=tmp_path)
    assert '"risk model"' in listed.stdout and token.stdout.strip() not in listed.stdout
    users = cli("users", "list", "--json", cwd=tmp_path)
    assert '"analyst"' in users.stdout and "password" not in users.stdout
    store = Store.open(make_settings(f"sqlite:///{tmp_path / 'cm.db'}"))
    assert store.access.token_user(token.stdout.strip()) is not None
    assert store.access.authenticate("ana", "a long enough password") is not None
    revoked = cli("tokens", "revoke", token.stdout.strip()[:10], cwd=tmp_path)
    assert revoked.returncode == 0
    assert store.access.token_user(token.stdout.strip()) is None
    audit = cli("audit", "--json", cwd=tmp_path)
    assert '"create_token"' in audit.stdout and '"revoke_token"' in audit.stdout
    store.close()
