"""The store: one object that owns the database and its repositories.

store = Store.open(settings)      # SQLite file or PostgreSQL, from database.url
store.init()                      # migrations + council register (safe to repeat)
store.record_poll(spec, result, started=..., duration_ms=...)   # one transaction
store.search.search(SearchQuery("section 114"))
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from monitor.config import Settings
from monitor.errors import MonitorError
from monitor.register import Register, load_register
from monitor.store.access import AccessRepo, LockRepo
from monitor.store.alerting import AlertRepo, OutboxRepo, SubscriberRepo
from monitor.store.db import Database
from monitor.store.items import IngestStats, ItemRepo
from monitor.store.migrate import current_revision, head_revision, upgrade
from monitor.store.search import Search
from monitor.store.signals import SignalRepo
from monitor.store.sources import SourceHealth, SourceRepo
from monitor.store.stories import StoryRepo
from monitor.store.tables import CouncilRow
from monitor.types import PollResult, SourceSpec

__all__ = ["IngestStats", "InitReport", "SourceHealth", "Store"]

C = CouncilRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class InitReport:
    database: str
    revision_before: str | None
    revision_after: str | None
    councils: int


class Store:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.sources = SourceRepo(db, settings.sources)
        self.items = ItemRepo(db)
        self.search = Search(db, settings.search)
        self.signals = SignalRepo(db)
        self.stories = StoryRepo(db)
        self.alerts = AlertRepo(db)
        self.subscribers = SubscriberRepo(db)
        self.outbox = OutboxRepo(db)
        self.access = AccessRepo(db)
        self.locks = LockRepo(db)

    @classmethod
    def open(cls, settings: Settings) -> Store:
        return cls(Database(settings.database.url, settings.database), settings)

    def close(self) -> None:
        self.db.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- set-up ---------------------------------------------------------------------------
    def is_initialised(self) -> bool:
        return current_revision(self.db) == head_revision()

    def init(self, register: Register | None = None) -> InitReport:
        """Create or upgrade the schema and load the register; safe to run again."""
        self.db.check()
        before = current_revision(self.db)
        upgrade(self.db)
        count = self.load_councils(register or load_register())
        return InitReport(self.db.safe_url, before, current_revision(self.db), count)

    def load_councils(self, register: Register) -> int:
        rows = [c.to_json() for c in register]
        for row in rows:
            for key in ("start_date", "end_date"):
                row[key] = datetime.fromisoformat(row[key]).date() if row[key] else None
        with self.db.write() as conn:
            existing = {r.gss for r in conn.execute(sa.select(C.c.gss))}
            for row in rows:
                if row["gss"] in existing:
                    conn.execute(C.update().where(C.c.gss == row["gss"]).values(**row))
                else:
                    conn.execute(C.insert().values(**row))
        return len(rows)

    # -- one poll's outcome, in one transaction ---------------------------------------------
    def record_poll(
        self, spec: SourceSpec, result: PollResult, *, started: datetime, duration_ms: int
    ) -> IngestStats:
        kind = spec.item_kind or ("council_news" if spec.council else "press")
        with self.db.write() as conn:
            self.items.put_blobs(conn, result.bodies)
            raw_sha = result.bodies[0].sha256 if len(result.bodies) == 1 else None
            stats = self.items.ingest(
                conn,
                spec.id,
                spec.council,
                kind,
                result.items,
                fetched_at=started,
                raw_sha256=raw_sha,
            )
            outcome = (
                "not_modified"
                if result.not_modified
                else "new"
                if stats.new or stats.updated
                else "unchanged"
            )
            self.sources.record_success(
                conn,
                spec,
                result.state,
                started=started,
                duration_ms=duration_ms,
                outcome=outcome,
                warnings=result.warnings,
                bytes_received=result.bytes_received,
                requests=result.requests,
                seen=stats.seen,
                new=stats.new,
                updated=stats.updated,
            )
        return stats

    def record_failure(
        self,
        spec: SourceSpec,
        error: MonitorError,
        *,
        started: datetime,
        duration_ms: int,
        bytes_received: int = 0,
        requests: int = 0,
    ) -> None:
        with self.db.write() as conn:
            self.sources.record_failure(
                conn,
                spec,
                error,
                started=started,
                duration_ms=duration_ms,
                bytes_received=bytes_received,
                requests=requests,
            )
