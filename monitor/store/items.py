"""Items: ingest (exact de-duplication by GUID and canonical URL), raw bodies, links."""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from monitor.store.db import Database
from monitor.store.tables import Blob, Item, ItemCouncil, ItemSighting, utcnow
from monitor.types import FetchedBody, RawItem

__all__ = ["IngestStats", "ItemRepo", "content_hash", "search_key", "url_hash"]

B = Blob.__table__  # type: ignore[attr-defined]
I = Item.__table__  # type: ignore[attr-defined]  # noqa: E741
IC = ItemCouncil.__table__  # type: ignore[attr-defined]
IS = ItemSighting.__table__  # type: ignore[attr-defined]

FUTURE_TOLERANCE = timedelta(hours=1)
_KEY_MASK = 0x7FFFFFFF


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]


def content_hash(title: str, text: str) -> str:
    normal = " ".join(f"{title}\n{text}".split()).casefold()
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()[:32]


def search_key(published: datetime, item_id: int) -> int:
    """Full-text rowid that sorts by publication time: (seconds << 31) | id bits."""
    return (int(published.timestamp()) << 31) | (item_id & _KEY_MASK)


@dataclass
class IngestStats:
    seen: int = 0
    new: int = 0
    updated: int = 0
    duplicates: int = 0  # same URL already stored from another source
    new_ids: list[int] | None = None

    def __post_init__(self) -> None:
        if self.new_ids is None:
            self.new_ids = []


def facets_for(councils: list[str], kind: str) -> str:
    return " ".join([*councils, kind])


class ItemRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- raw bodies ---------------------------------------------------------------------
    def put_blobs(self, conn: Connection, bodies: list[FetchedBody]) -> None:
        for body in bodies:
            exists = conn.execute(sa.select(B.c.sha256).where(B.c.sha256 == body.sha256)).first()
            if exists:
                continue
            conn.execute(
                B.insert().values(
                    sha256=body.sha256,
                    size=len(body.data),
                    content_type=body.content_type,
                    compression="zlib",
                    data=zlib.compress(body.data, 6),
                    created_at=utcnow(),
                )
            )

    def get_blob(self, sha256: str) -> bytes | None:
        with self.db.read() as conn:
            row = conn.execute(
                sa.select(B.c.data, B.c.compression).where(B.c.sha256 == sha256)
            ).first()
        if row is None:
            return None
        return zlib.decompress(row.data) if row.compression == "zlib" else bytes(row.data)

    # -- ingest -------------------------------------------------------------------------
    def ingest(
        self,
        conn: Connection,
        source_id: str,
        council: str | None,
        default_kind: str,
        items: list[RawItem],
        fetched_at: datetime,
        raw_sha256: str | None = None,
    ) -> IngestStats:
        """Store new items, update changed ones, and note copies seen in other sources."""
        stats = IngestStats(seen=len(items))
        if not items:
            return stats
        # the same GUID twice in one body (it happens): keep the first
        unique: dict[str, RawItem] = {}
        for raw in items:
            unique.setdefault(raw.guid, raw)
        items = list(unique.values())
        existing = {
            r.guid: r
            for r in conn.execute(
                sa.select(I.c.id, I.c.guid, I.c.content_hash, I.c.version, I.c.published_at)
                .where(I.c.source_id == source_id)
                .where(I.c.guid.in_([r.guid for r in items]))
            )
        }
        hashes = {url_hash(r.url): r.url for r in items if r.guid not in existing and r.url}
        by_url: dict[str, int | None] = {}
        if hashes:
            for row in conn.execute(
                sa.select(I.c.id, I.c.url, I.c.url_hash).where(I.c.url_hash.in_(list(hashes)))
            ):
                if row.url == hashes[row.url_hash]:
                    by_url[row.url] = row.id
        fresh: list[RawItem] = []
        for raw in items:
            old = existing.get(raw.guid)
            if old is not None:
                if self._update(conn, old, raw, fetched_at, raw_sha256):
                    stats.updated += 1
                continue
            if raw.url and raw.url in by_url:
                known = by_url[raw.url]
                if known is not None:
                    self._sighting(conn, known, source_id, raw.guid, fetched_at)
                stats.duplicates += 1
                continue
            if raw.url:
                by_url[raw.url] = None  # a second copy inside this very batch
            fresh.append(raw)
        if fresh:
            stats.new_ids = self._insert_many(
                conn, source_id, council, default_kind, fresh, fetched_at, raw_sha256
            )
            stats.new = len(stats.new_ids)
        return stats

    @staticmethod
    def _published(raw: RawItem, fetched_at: datetime) -> tuple[datetime, bool, dict[str, Any]]:
        meta = dict(raw.meta)
        if raw.published is None:
            return fetched_at, True, meta
        if raw.published > fetched_at + FUTURE_TOLERANCE:
            # a date in the future would sit at the top of every newest-first list forever
            meta["published_claimed"] = raw.published.isoformat()
            return fetched_at, True, meta
        return raw.published, False, meta

    def _allocate_ids(self, conn: Connection, n: int) -> list[int]:
        """Ids for ``n`` new items, known before the insert so that the search key (which
        contains the id) is written by the same statement."""
        if self.db.is_sqlite:  # BEGIN IMMEDIATE holds the write lock: max(id) is stable
            top = conn.execute(sa.text("SELECT coalesce(max(id), 0) FROM item")).scalar_one()
            return list(range(int(top) + 1, int(top) + 1 + n))
        rows = conn.execute(
            sa.text(
                "SELECT nextval(pg_get_serial_sequence('item', 'id')) FROM generate_series(1, :n)"
            ),
            {"n": n},
        )
        return [int(r[0]) for r in rows]

    def _insert_many(
        self,
        conn: Connection,
        source_id: str,
        council: str | None,
        default_kind: str,
        fresh: list[RawItem],
        fetched_at: datetime,
        raw_sha256: str | None,
    ) -> list[int]:
        ids = self._allocate_ids(conn, len(fresh))
        rows: list[dict[str, Any]] = []
        link_rows: list[dict[str, Any]] = []
        for item_id, raw in zip(ids, fresh, strict=True):
            published, estimated, meta = self._published(raw, fetched_at)
            kind = raw.kind or default_kind
            links = raw.links or [
                (gss, "primary", 1.0, "source") for gss in [raw.council or council] if gss
            ]
            councils = [gss for gss, _, _, _ in links]
            rows.append(
                {
                    "id": item_id,
                    "source_id": source_id,
                    "guid": raw.guid,
                    "url": raw.url,
                    "url_hash": url_hash(raw.url),
                    "title": raw.title,
                    "text": raw.text,
                    "author": raw.author,
                    "kind": kind,
                    "published_at": published,
                    "published_estimated": estimated,
                    "fetched_at": fetched_at,
                    "updated_at": None,
                    "version": 1,
                    "content_hash": content_hash(raw.title, raw.text),
                    "raw_sha256": raw_sha256,
                    "meta": meta,
                    "facets": facets_for(councils, kind),
                    "search_key": search_key(published, item_id),
                }
            )
            link_rows += [
                {
                    "item_id": item_id,
                    "council_gss": gss,
                    "role": role,
                    "confidence": confidence,
                    "method": method,
                }
                for gss, role, confidence, method in links
            ]
        conn.execute(I.insert(), rows)
        if link_rows:
            conn.execute(IC.insert(), link_rows)
        return ids

    def _update(
        self, conn: Connection, old: Any, raw: RawItem, fetched_at: datetime, raw_sha256: str | None
    ) -> bool:
        new_hash = content_hash(raw.title, raw.text)
        if new_hash == old.content_hash:
            return False
        values: dict[str, Any] = dict(
            title=raw.title,
            text=raw.text,
            content_hash=new_hash,
            updated_at=fetched_at,
            version=old.version + 1,
            raw_sha256=raw_sha256,
        )
        if (
            raw.published is not None
            and raw.published <= fetched_at + FUTURE_TOLERANCE
            and raw.published != old.published_at
        ):
            values.update(
                published_at=raw.published,
                published_estimated=False,
                search_key=search_key(raw.published, old.id),
            )
        conn.execute(I.update().where(I.c.id == old.id).values(**values))
        return True

    @staticmethod
    def _sighting(
        conn: Connection, item_id: int, source_id: str, guid: str, seen_at: datetime
    ) -> None:
        exists = conn.execute(
            sa.select(IS.c.item_id)
            .where(IS.c.item_id == item_id)
            .where(IS.c.source_id == source_id)
        ).first()
        if not exists:
            conn.execute(
                IS.insert().values(
                    item_id=item_id, source_id=source_id, guid=guid, first_seen_at=seen_at
                )
            )

    # -- reading ------------------------------------------------------------------------
    def count(self) -> int:
        with self.db.read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(I)).scalar_one())

    def get(self, item_id: int) -> dict[str, Any] | None:
        with self.db.read() as conn:
            row = conn.execute(sa.select(I).where(I.c.id == item_id)).first()
            if row is None:
                return None
            data = dict(row._mapping)
            data.pop("search_vector", None)
            data["councils"] = [
                dict(r._mapping)
                for r in conn.execute(
                    sa.select(IC.c.council_gss, IC.c.role, IC.c.confidence, IC.c.method).where(
                        IC.c.item_id == item_id
                    )
                )
            ]
            return data

    def by_source(self, source_id: str, limit: int = 200) -> list[dict[str, Any]]:
        """A source's items, oldest publication first (id, title, url, text, kind, meta)."""
        query = (
            sa.select(I.c.id, I.c.title, I.c.url, I.c.text, I.c.kind, I.c.meta, I.c.published_at)
            .where(I.c.source_id == source_id)
            .order_by(I.c.published_at, I.c.id)
            .limit(limit)
        )
        with self.db.read() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def known_guids(self, source_id: str, guids: list[str]) -> set[str]:
        """Which of ``guids`` this source has stored already (they need no linking)."""
        if not guids:
            return set()
        with self.db.read() as conn:
            return {
                r.guid
                for r in conn.execute(
                    sa.select(I.c.guid).where(I.c.source_id == source_id).where(I.c.guid.in_(guids))
                )
            }
