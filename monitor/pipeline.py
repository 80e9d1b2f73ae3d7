"""The data flow of one poll, one small function per stage, in order:

    due sources -> build (validate) -> fetch + parse (scrapers) -> link councils (parse
    pool) -> store (one transaction: raw body, items de-duplicated by GUID and canonical
    URL, their council links, source health)

Then the backlogs (``monitor.enrich``, ``monitor.classify``): story grouping of items
without a story, classification of items without a verdict from the current model.

A failure of one source is recorded on that source and never stops the others; nothing
already stored is touched by a failed poll.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from monitor.config import Settings
from monitor.enrich import link_batch
from monitor.errors import MonitorError
from monitor.store import Store
from monitor.store.tables import utcnow
from monitor.types import PollResult, SourceSpec, SourceState
from scrapers.base import PollContext, build_source
from scrapers.fetch import Fetcher

__all__ = ["PollOutcome", "PollSummary", "poll_sources"]

log = logging.getLogger(__name__)

# Below this many sources a process pool costs more to start than it saves.
PROCESS_POOL_MIN_SOURCES = 16


@dataclass(frozen=True)
class PollOutcome:
    source_id: str
    ok: bool
    not_modified: bool = False
    new: int = 0
    updated: int = 0
    error_code: str | None = None
    error_message: str | None = None
    warnings: tuple[tuple[str, str], ...] = ()
    new_ids: tuple[int, ...] = ()


@dataclass
class PollSummary:
    outcomes: list[PollOutcome] = field(default_factory=list)
    new_item_ids: list[int] = field(default_factory=list)
    duration_s: float = 0.0

    @property
    def failed(self) -> list[PollOutcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def new(self) -> int:
        return sum(o.new for o in self.outcomes)

    @property
    def updated(self) -> int:
        return sum(o.updated for o in self.outcomes)

    @property
    def not_modified(self) -> int:
        return sum(o.not_modified for o in self.outcomes)

    def errors_by_code(self) -> Counter[str]:
        return Counter(o.error_code for o in self.failed if o.error_code)


def _parse_executor(settings: Settings, n_sources: int) -> Executor:
    workers = settings.sources.parse_workers or os.cpu_count() or 1
    if n_sources < PROCESS_POOL_MIN_SOURCES:
        return ThreadPoolExecutor(max_workers=2, thread_name_prefix="parse")
    return ProcessPoolExecutor(max_workers=workers)


async def _poll_one(
    ctx: PollContext,
    store: Store,
    spec: SourceSpec,
    writer: Executor,
    state: SourceState | None = None,
) -> PollOutcome:
    loop = asyncio.get_running_loop()
    started = utcnow()
    clock = time.monotonic()
    try:
        source = build_source(spec)
        if state is None:
            state = await loop.run_in_executor(writer, store.sources.state, spec.id)
        result: PollResult = await source.poll(ctx, state)
        if result.items:
            # which councils each new item is about, off the event loop (items already
            # stored keep their links: only their text may change)
            guids = [i.guid for i in result.items]
            known = await loop.run_in_executor(writer, store.items.known_guids, spec.id, guids)
            fresh = [i for i in result.items if i.guid not in known]
            if fresh:
                linked = iter(await ctx.run_cpu(link_batch, fresh, spec.council))
                result.items = [i if i.guid in known else next(linked) for i in result.items]
    except MonitorError as exc:
        return await _failed(store, spec, exc, started, clock, writer)
    except Exception as exc:  # a bug in one source must not stop the others
        log.exception("source crashed", extra={"source": spec.id, "url": spec.url})
        error = MonitorError(f"internal error: {type(exc).__name__}: {exc}", code="internal_error")
        return await _failed(store, spec, error, started, clock, writer)
    duration_ms = int((time.monotonic() - clock) * 1000)
    try:
        stats = await loop.run_in_executor(
            writer,
            lambda: store.record_poll(spec, result, started=started, duration_ms=duration_ms),
        )
    except MonitorError as exc:  # the transaction rolled back: nothing half-stored
        return await _failed(store, spec, exc, started, clock, writer)
    except Exception as exc:
        log.exception("storing a poll failed", extra={"source": spec.id})
        error = MonitorError(f"storing failed: {type(exc).__name__}: {exc}", code="store_failed")
        return await _failed(store, spec, error, started, clock, writer)
    if stats.new:
        log.debug(
            "new items",
            extra={
                "source": spec.id,
                "council": spec.council,
                "items_new": stats.new,
                "duration_ms": duration_ms,
            },
        )
    outcome = PollOutcome(
        spec.id,
        True,
        not_modified=result.not_modified,
        new=stats.new,
        updated=stats.updated,
        warnings=tuple(result.warnings),
        new_ids=tuple(stats.new_ids or ()),
    )
    return outcome


async def _failed(
    store: Store,
    spec: SourceSpec,
    exc: MonitorError,
    started: datetime,
    clock: float,
    writer: Executor,
) -> PollOutcome:
    duration_ms = int((time.monotonic() - clock) * 1000)
    log.info(
        "poll failed: %s",
        exc.message,
        extra={"source": spec.id, "council": spec.council, "url": spec.url, "code": exc.code},
    )
    try:
        await asyncio.get_running_loop().run_in_executor(
            writer,
            lambda: store.record_failure(spec, exc, started=started, duration_ms=duration_ms),
        )
    except Exception:  # the database itself is down: the log is all that is left
        log.exception("could not record a failure", extra={"source": spec.id, "code": exc.code})
    return PollOutcome(spec.id, False, error_code=exc.code, error_message=exc.message)


async def poll_sources(
    store: Store,
    settings: Settings,
    specs: list[SourceSpec],
    *,
    fetcher: Fetcher | None = None,
    executor: Executor | None = None,
    on_done: Callable[[PollOutcome], None] | None = None,
) -> PollSummary:
    """Poll every spec concurrently (the fetcher keeps it polite per host)."""
    began = time.monotonic()
    own_fetcher = fetcher is None
    fetcher = fetcher or Fetcher(settings.fetch, settings.user_agent)
    own_executor = executor is None
    executor = executor or _parse_executor(settings, len(specs))
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")
    ctx = PollContext(fetcher=fetcher, executor=executor)
    summary = PollSummary()

    states: dict[str, SourceState] = {}

    async def run(spec: SourceSpec) -> None:
        outcome = await _poll_one(ctx, store, spec, writer, states.get(spec.id))
        summary.outcomes.append(outcome)
        summary.new_item_ids.extend(outcome.new_ids)
        if on_done:
            on_done(outcome)

    try:
        # every source's validators in one read, not one queued read per source ahead of
        # the writes on the store thread
        states.update(
            await asyncio.get_running_loop().run_in_executor(
                writer, store.sources.states, [spec.id for spec in specs]
            )
        )
        await asyncio.gather(*(run(spec) for spec in specs))
    finally:
        writer.shutdown(wait=True)
        if own_executor:
            executor.shutdown(wait=True, cancel_futures=True)
        if own_fetcher:
            await fetcher.aclose()
    summary.duration_s = time.monotonic() - began
    return summary
