"""Sources: declarations, schedule, and health (errors are data)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from monitor.config import SourcesSettings
from monitor.errors import ConfigError, FetchError, MonitorError, TransientFetchError
from monitor.store.db import Database
from monitor.store.tables import FetchLog, Item, SourceRow, utcnow
from monitor.types import SourceSpec, SourceState

__all__ = ["SourceHealth", "SourceRepo"]

S = SourceRow.__table__  # type: ignore[attr-defined]
L = FetchLog.__table__  # type: ignore[attr-defined]
I = Item.__table__  # type: ignore[attr-defined]  # noqa: E741

COMMITTEE_KINDS = {"moderngov", "cmis"}


@dataclass(frozen=True)
class SourceHealth:
    id: str
    kind: str
    url: str
    council: str | None
    enabled: bool
    last_error: str | None
    last_error_message: str | None
    consecutive_failures: int
    last_success: datetime | None
    last_new_item: datetime | None
    last_attempt: datetime | None
    next_check: datetime | None
    items_total: int
    warnings: list[list[str]]

    @property
    def healthy(self) -> bool:
        return self.enabled and self.consecutive_failures == 0 and self.last_success is not None

    def to_json(self) -> dict[str, Any]:
        def iso(d: datetime | None) -> str | None:
            return d.isoformat() if d else None

        return {
            "id": self.id,
            "kind": self.kind,
            "url": self.url,
            "council": self.council,
            "enabled": self.enabled,
            "healthy": self.healthy,
            "last_error": self.last_error,
            "last_error_message": self.last_error_message,
            "consecutive_failures": self.consecutive_failures,
            "last_success": iso(self.last_success),
            "last_new_item": iso(self.last_new_item),
            "last_attempt": iso(self.last_attempt),
            "next_check": iso(self.next_check),
            "items_total": self.items_total,
            "warnings": self.warnings,
        }


def _health(row: Any) -> SourceHealth:
    return SourceHealth(
        id=row.id,
        kind=row.kind,
        url=row.url,
        council=row.council_gss,
        enabled=row.enabled,
        last_error=row.last_error,
        last_error_message=row.last_error_message,
        consecutive_failures=row.consecutive_failures,
        last_success=row.last_success_at,
        last_new_item=row.last_new_item_at,
        last_attempt=row.last_attempt_at,
        next_check=row.next_check_at,
        items_total=row.items_total,
        warnings=row.warnings or [],
    )


class SourceRepo:
    def __init__(self, db: Database, settings: SourcesSettings) -> None:
        self.db = db
        self.settings = settings

    # -- declarations -------------------------------------------------------------------
    def interval_s(self, kind: str, declared: int) -> int:
        if declared:
            return declared
        if kind in COMMITTEE_KINDS:
            return self.settings.committee_interval_s
        if kind == "newsroom":
            return self.settings.newsroom_interval_s
        return self.settings.feed_interval_s

    def _values(self, spec: SourceSpec, origin: str) -> dict[str, Any]:
        return {
            "kind": spec.kind,
            "url": spec.url,
            "council_gss": spec.council,
            "name": spec.name,
            "interval_s": spec.interval_s,
            "item_kind": spec.item_kind,
            "options": spec.options,
            "enabled": spec.enabled,
            "origin": origin,
        }

    def _check_council(self, conn: Connection, spec: SourceSpec) -> None:
        if spec.council is None:
            return
        found = conn.execute(
            sa.text("SELECT 1 FROM council WHERE gss = :g"), {"g": spec.council}
        ).first()
        if not found:
            raise ConfigError(
                f"unknown council {spec.council!r} (run `council-monitor init` "
                f"first, or check the code with `councils show`)",
                key=f"sources.{spec.id}.council",
            )

    def add(self, spec: SourceSpec, *, origin: str = "cli") -> None:
        with self.db.write() as conn:
            self._check_council(conn, spec)
            existing = conn.execute(sa.select(S.c.enabled).where(S.c.id == spec.id)).first()
            if existing is not None and existing.enabled:
                raise ConfigError(f"a source with id {spec.id!r} already exists", key="sources.id")
            if existing is not None:  # re-adding a removed source revives it, history kept
                conn.execute(
                    S.update()
                    .where(S.c.id == spec.id)
                    .values(**self._values(spec, origin), next_check_at=None)
                )
                return
            conn.execute(
                S.insert().values(
                    id=spec.id,
                    **self._values(spec, origin),
                    created_at=utcnow(),
                    consecutive_failures=0,
                    items_total=0,
                    state_extra={},
                    warnings=[],
                )
            )

    def sync(self, specs: list[SourceSpec], *, origin: str) -> tuple[int, int, int]:
        """Make the sources of one origin match ``specs``: (added, updated, disabled)."""
        added = updated = disabled = 0
        wanted = {s.id: s for s in specs}
        with self.db.write() as conn:
            rows = {r.id: r for r in conn.execute(sa.select(S.c.id, S.c.origin, S.c.enabled))}
            for spec in specs:
                self._check_council(conn, spec)
                if spec.id in rows:
                    if rows[spec.id].origin != origin:
                        raise ConfigError(
                            f"source {spec.id!r} is already declared by {rows[spec.id].origin}",
                            key=f"sources.{spec.id}",
                        )
                    conn.execute(
                        S.update().where(S.c.id == spec.id).values(**self._values(spec, origin))
                    )
                    updated += 1
                else:
                    conn.execute(
                        S.insert().values(
                            id=spec.id,
                            **self._values(spec, origin),
                            created_at=utcnow(),
                            consecutive_failures=0,
                            items_total=0,
                            state_extra={},
                            warnings=[],
                        )
                    )
                    added += 1
            for sid, row in rows.items():
                if row.origin == origin and sid not in wanted and row.enabled:
                    conn.execute(S.update().where(S.c.id == sid).values(enabled=False))
                    disabled += 1
        return added, updated, disabled

    def remove(self, source_id: str) -> str:
        """Delete a source that never produced an item; otherwise disable it, keeping its
        items and history.  Returns "deleted" or "disabled"."""
        with self.db.write() as conn:
            row = conn.execute(sa.select(S.c.id).where(S.c.id == source_id)).first()
            if row is None:
                raise ConfigError(f"no source with id {source_id!r}", key="sources.id")
            has_items = conn.execute(
                sa.select(I.c.id).where(I.c.source_id == source_id).limit(1)
            ).first()
            if has_items:
                conn.execute(S.update().where(S.c.id == source_id).values(enabled=False))
                return "disabled"
            conn.execute(L.delete().where(L.c.source_id == source_id))
            conn.execute(S.delete().where(S.c.id == source_id))
            return "deleted"

    def specs(
        self,
        *,
        include_disabled: bool = False,
        ids: list[str] | None = None,
        council: str | None = None,
    ) -> list[SourceSpec]:
        query = sa.select(S).order_by(S.c.id)
        if not include_disabled:
            query = query.where(S.c.enabled.is_(True))
        if ids:
            query = query.where(S.c.id.in_(ids))
        if council:
            query = query.where(S.c.council_gss == council)
        with self.db.read() as conn:
            return [self._spec(r) for r in conn.execute(query)]

    @staticmethod
    def _spec(row: Any) -> SourceSpec:
        return SourceSpec(
            id=row.id,
            kind=row.kind,
            url=row.url,
            council=row.council_gss,
            name=row.name,
            interval_s=row.interval_s,
            item_kind=row.item_kind,
            options=row.options or {},
            enabled=row.enabled,
        )

    def state(self, source_id: str) -> SourceState:
        found = self.states([source_id]).get(source_id)
        if found is None:
            raise ConfigError(f"no source with id {source_id!r}", key="sources.id")
        return found

    def states(self, source_ids: list[str]) -> dict[str, SourceState]:
        """The validators of many sources in a few queries (a poll of thousands of
        sources reads them once up front, not one round trip per source)."""
        found: dict[str, SourceState] = {}
        with self.db.read() as conn:
            for start in range(0, len(source_ids), 500):
                chunk = source_ids[start : start + 500]
                for row in conn.execute(
                    sa.select(
                        S.c.id, S.c.etag, S.c.last_modified, S.c.body_hash, S.c.state_extra
                    ).where(S.c.id.in_(chunk))
                ):
                    found[row.id] = SourceState(
                        etag=row.etag,
                        last_modified=row.last_modified,
                        body_hash=row.body_hash,
                        extra=dict(row.state_extra or {}),
                    )
        return found

    def health(self, *, include_disabled: bool = False) -> list[SourceHealth]:
        query = sa.select(S).order_by(S.c.id)
        if not include_disabled:
            query = query.where(S.c.enabled.is_(True))
        with self.db.read() as conn:
            return [_health(r) for r in conn.execute(query)]

    def due(self, now: datetime | None = None, limit: int | None = None) -> list[SourceSpec]:
        """Enabled sources whose next check has come (never-polled ones first)."""
        now = now or utcnow()
        query = (
            sa.select(S)
            .where(S.c.enabled.is_(True))
            .where(sa.or_(S.c.next_check_at.is_(None), S.c.next_check_at <= now))
            .order_by(S.c.next_check_at.is_not(None), S.c.next_check_at, S.c.id)
        )
        if limit:
            query = query.limit(limit)
        with self.db.read() as conn:
            return [self._spec(r) for r in conn.execute(query)]

    # -- outcomes -----------------------------------------------------------------------
    def next_check(
        self, spec: SourceSpec, now: datetime, failures: int = 0, retry_after_s: float | None = None
    ) -> datetime:
        """When to poll again: the interval with 10% jitter (so that sources declared
        together drift apart), doubled per consecutive failure up to
        ``sources.failure_backoff_max_s``, and never sooner than the server's Retry-After.
        A failing source is never dropped: it always gets a next check."""
        interval = float(self.interval_s(spec.kind, spec.interval_s))
        if failures:
            interval = min(
                interval * 2 ** min(failures - 1, 16), float(self.settings.failure_backoff_max_s)
            )
        interval *= random.uniform(0.9, 1.1)
        if retry_after_s:
            interval = max(interval, retry_after_s)
        return now + timedelta(seconds=max(10.0, interval))

    def record_failure(
        self,
        conn: Connection,
        spec: SourceSpec,
        error: MonitorError,
        *,
        started: datetime,
        duration_ms: int,
        bytes_received: int = 0,
        requests: int = 0,
    ) -> None:
        row = conn.execute(sa.select(S.c.consecutive_failures).where(S.c.id == spec.id)).first()
        failures = (row.consecutive_failures if row else 0) + 1
        retry_after = error.retry_after_s if isinstance(error, TransientFetchError) else None
        conn.execute(
            S.update()
            .where(S.c.id == spec.id)
            .values(
                last_attempt_at=started,
                last_error=error.code,
                last_error_message=error.message[:2000],
                last_error_at=started,
                consecutive_failures=failures,
                next_check_at=self.next_check(spec, started, failures, retry_after),
            )
        )
        url = error.url if isinstance(error, FetchError) and error.url else spec.url
        conn.execute(
            L.insert().values(
                source_id=spec.id,
                started_at=started,
                duration_ms=duration_ms,
                url=url,
                outcome="error",
                error_code=error.code,
                error_message=error.message[:2000],
                bytes_received=bytes_received,
                requests=requests,
                items_seen=0,
                items_new=0,
                items_updated=0,
            )
        )

    def record_success(
        self,
        conn: Connection,
        spec: SourceSpec,
        state: SourceState,
        *,
        started: datetime,
        duration_ms: int,
        outcome: str,
        warnings: list[tuple[str, str]],
        bytes_received: int,
        requests: int,
        seen: int,
        new: int,
        updated: int,
    ) -> None:
        values: dict[str, Any] = dict(
            last_attempt_at=started,
            last_success_at=started,
            consecutive_failures=0,
            etag=state.etag,
            last_modified=state.last_modified,
            body_hash=state.body_hash,
            state_extra=state.extra,
            next_check_at=self.next_check(spec, started),
            warnings=[list(w) for w in warnings],
        )
        if new:
            values["last_new_item_at"] = started
            values["items_total"] = S.c.items_total + new
        conn.execute(S.update().where(S.c.id == spec.id).values(**values))
        conn.execute(
            L.insert().values(
                source_id=spec.id,
                started_at=started,
                duration_ms=duration_ms,
                url=spec.url,
                outcome=outcome,
                error_code=None,
                error_message=None,
                bytes_received=bytes_received,
                requests=requests,
                items_seen=seen,
                items_new=new,
                items_updated=updated,
            )
        )

    def fetch_log(self, source_id: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        query = sa.select(L).order_by(L.c.id.desc()).limit(limit)
        if source_id:
            query = query.where(L.c.source_id == source_id)
        with self.db.read() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]
