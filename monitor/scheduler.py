"""``council-monitor run``: the whole service in one process, on APScheduler 3.

Jobs (intervals in ``[scheduler]``):

* **poll**: every ``tick_s``, the sources whose next check has come (each source keeps
  its own interval with jitter: feeds often, committee systems and newsrooms less
  often; see ``[sources]``), at most ``max_sources_per_tick`` at a time;
* **enrich**: story grouping and the classification backlog;
* **detect**: alerts (and the immediate mail they queue);
* **digests**: every five minutes, each subscriber's digest once their local digest hour
  has passed (idempotent per subscriber and day, so a restart or a missed run never
  sends twice and never skips a day: more robust than one cron firing at the hour);
* **deliver**: the outbox over SMTP;
* **health**: the source-health summary in the log;
* **heartbeat**: renews the lease that keeps a second ``run`` out.

Deliberate settings: job state is kept in the database (``apscheduler_jobs``), every job
``coalesce``-s missed runs into one and runs one instance at a time, and a job later
than ``misfire_grace_s`` is skipped (the next interval comes soon).  A poll is cancelled
after ``job_timeout_s`` (the sources it finished are stored, the others are retried next
tick) and classification stops between batches at the same limit, so nothing hung can
hold up the schedule.  SIGTERM or SIGINT cancel the poll in hand (each source is stored
in one transaction: finished or not at all), let any other job end its current batch,
and release the lease.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from monitor.config import Settings
from monitor.errors import ClassifierError, MonitorError, StoreError
from monitor.store import Store

__all__ = ["LOCK_NAME", "Service", "ServiceBusy"]

log = logging.getLogger("monitor.run")
LOCK_NAME = "run"
_service: Service | None = None  # the jobs below find the running service here


class ServiceBusy(StoreError):
    code = "service_busy"


class _Deadline(Exception):
    pass


class Service:
    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.holder = f"{socket.gethostname()}:{os.getpid()}"
        self.stopping = threading.Event()
        self._poll_loop: asyncio.AbstractEventLoop | None = None
        self._poll_task: asyncio.Task[Any] | None = None
        self._classifier: Any = None
        self.scheduler: BackgroundScheduler | None = None
        self.runs: dict[str, int] = {}

    # -- life cycle ---------------------------------------------------------------------
    def acquire(self) -> None:
        holder = self.store.locks.acquire(
            LOCK_NAME, self.holder, self.settings.scheduler.lock_stale_s
        )
        if holder is not None:
            raise ServiceBusy(
                f"another `council-monitor run` ({holder['holder']}, heartbeat "
                f"{holder['heartbeat_at']:%Y-%m-%d %H:%M:%S} UTC) is using this database; "
                f"refusing to start a second one (it would poll every source twice)"
            )

    def start(self) -> None:
        global _service
        self.acquire()
        _service = self
        cfg = self.settings.scheduler
        self.scheduler = BackgroundScheduler(
            jobstores={
                "default": SQLAlchemyJobStore(
                    engine=self.store.db.engine, tablename="apscheduler_jobs"
                )
            },
            executors={"default": ThreadPoolExecutor(max_workers=4)},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": cfg.misfire_grace_s,
            },
            timezone=UTC,
        )
        now = datetime.now(UTC)
        jobs: list[tuple[Callable[[], None], float, float]] = [
            (job_heartbeat, max(5.0, cfg.lock_stale_s / 4), 0),
            (job_poll, cfg.tick_s, 1),
            (job_enrich, cfg.enrich_interval_s, 20),
            (job_detect, cfg.detect_interval_s, 40),
            (job_digests, 300, 60),
            (job_deliver, cfg.deliver_interval_s, 30),
            (job_health, cfg.health_interval_s, 90),
        ]
        for func, every, delay in jobs:
            self.scheduler.add_job(
                func,
                "interval",
                seconds=every,
                id=func.__name__,
                name=func.__name__.removeprefix("job_"),
                next_run_time=now + timedelta(seconds=delay),
                replace_existing=True,
                jitter=min(every * 0.1, 30) if func is not job_heartbeat else None,
            )
        self.scheduler.start()
        log.info("run started as %s", self.holder)

    def stop(self) -> None:
        """Cancel the poll in hand, let other jobs end their batch, release the lease."""
        if self.stopping.is_set():
            return
        self.stopping.set()
        loop, task = self._poll_loop, self._poll_task
        if loop is not None and task is not None and not task.done():
            loop.call_soon_threadsafe(task.cancel)
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        self.store.locks.release(LOCK_NAME, self.holder)
        log.info("run stopped")

    def serve_forever(self) -> int:
        """Start, then wait for SIGTERM/SIGINT (or a lost lease); returns an exit code."""
        self.start()

        def on_signal(signum: int, frame: Any) -> None:
            log.info("signal %s: finishing the work in hand", signal.Signals(signum).name)
            self.stopping.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        try:
            while not self.stopping.wait(0.5):
                pass
        finally:
            self.stopping.clear()
            self.stop()
        return 0

    # -- the jobs' bodies ---------------------------------------------------------------
    def count(self, name: str) -> None:
        self.runs[name] = self.runs.get(name, 0) + 1

    def heartbeat(self) -> None:
        if not self.store.locks.heartbeat(LOCK_NAME, self.holder):
            log.error("the run lease was taken over by another process: stopping")
            self.stopping.set()

    def poll(self) -> None:
        from monitor.pipeline import poll_sources

        specs = self.store.sources.due(limit=self.settings.scheduler.max_sources_per_tick)
        if not specs or self.stopping.is_set():
            return
        timeout = self.settings.scheduler.job_timeout_s

        async def run() -> Any:
            self._poll_task = asyncio.current_task()
            return await asyncio.wait_for(
                poll_sources(self.store, self.settings, specs), timeout=timeout
            )

        loop = asyncio.new_event_loop()
        self._poll_loop = loop
        try:
            summary = loop.run_until_complete(run())
            log.info(
                "polled %d source(s): %d new item(s), %d failed",
                len(specs),
                summary.new,
                len(summary.failed),
            )
        except TimeoutError:
            log.error("poll of %d source(s) passed %ss: cancelled", len(specs), timeout)
        except asyncio.CancelledError:
            log.info("poll cancelled on shutdown; unfinished sources are retried next run")
        finally:
            self._poll_task = None
            self._poll_loop = None
            loop.close()

    def enrich(self) -> None:
        from monitor.classify import classify_backlog, load_classifier
        from monitor.enrich import StoryGrouper

        grouped = StoryGrouper(self.store).run()
        if self._classifier is None:
            try:
                self._classifier = load_classifier(self.settings)
            except ClassifierError as exc:
                log.error("not classifying: %s", exc)
                return
        deadline = time.monotonic() + self.settings.scheduler.job_timeout_s

        def check(_done: int) -> None:
            if self.stopping.is_set() or time.monotonic() > deadline:
                raise _Deadline

        try:
            n = classify_backlog(
                self.store,
                self._classifier,
                batch=self.settings.classifier.batch_items,
                on_progress=check,
            )
        except _Deadline:
            log.warning("classification stopped between batches (time limit or shutdown)")
            return
        if grouped or n:
            log.info("grouped %d item(s) into stories, classified %d", grouped, n)

    def detect(self) -> None:
        from monitor.alerting import run_detection

        report = run_detection(self.store, self.settings)
        log.info("detection: %s", report)

    def digests(self) -> None:
        from monitor.alerting import queue_digests

        queued = queue_digests(self.store, self.settings)
        if queued:
            log.info("queued %d digest(s)", queued)

    def deliver(self) -> None:
        from monitor.alerting import deliver_outbox

        if not self.settings.smtp.host:
            return
        report = deliver_outbox(self.store, self.settings)
        log.info("delivery: %s", report)

    def health(self) -> None:
        from monitor.coverage import health_summary
        from monitor.register import load_register

        summary = health_summary(self.store, self.settings, load_register())
        broken = {code: len(v) for code, v in summary.broken.items()}
        log.info(
            "sources: %d of %d working, broken %s, %d quiet, %d council(s) blind",
            summary.working,
            summary.total,
            broken or "none",
            len(summary.quiet),
            len(summary.blind_councils),
        )


def _run(name: str, body: Callable[[Service], None]) -> None:
    service = _service
    if service is None or service.stopping.is_set():
        return
    try:
        body(service)
        service.count(name)
    except MonitorError as exc:
        log.error("%s failed: %s [%s]", name, exc, exc.code)
    except Exception:
        log.exception("%s failed", name)


# Module-level functions: the persistent job store keeps references to them by name.
def job_heartbeat() -> None:
    _run("heartbeat", Service.heartbeat)


def job_poll() -> None:
    _run("poll", Service.poll)


def job_enrich() -> None:
    _run("enrich", Service.enrich)


def job_detect() -> None:
    _run("detect", Service.detect)


def job_digests() -> None:
    _run("digests", Service.digests)


def job_deliver() -> None:
    _run("deliver", Service.deliver)


def job_health() -> None:
    _run("health", Service.health)
