"""Stories: which items are copies of one another, and how many outlets carried each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from monitor.store.db import Database
from monitor.store.tables import Item, Story

__all__ = ["StoryRepo", "outlet_of"]

I = Item.__table__  # type: ignore[attr-defined]  # noqa: E741
S = Story.__table__  # type: ignore[attr-defined]

_SUBDOMAINS = ("www.", "m.", "amp.", "news.", "feeds.", "mobile.")


def outlet_of(url: str, fallback: str) -> str:
    """The publisher: the URL's host without www/m/news prefixes (``bbc.co.uk``)."""
    host = (urlsplit(url).hostname or "").lower() if url else ""
    for prefix in _SUBDOMAINS:
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix) :]
    if host.startswith("bbc."):
        host = "bbc.co.uk"
    return host or fallback


@dataclass(frozen=True)
class Pending:
    item_id: int
    title: str
    text: str
    url: str
    source_id: str
    published: datetime


class StoryRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def backlog(self, limit: int = 1000) -> list[Pending]:
        query = (
            sa.select(I.c.id, I.c.title, I.c.text, I.c.url, I.c.source_id, I.c.published_at)
            .where(I.c.story_id.is_(None))
            .order_by(I.c.published_at, I.c.id)
            .limit(limit)
        )
        with self.db.read() as conn:
            return [
                Pending(r.id, r.title, r.text, r.url, r.source_id, r.published_at)
                for r in conn.execute(query)
            ]

    def recent(self, since: datetime) -> list[tuple[int, int, datetime, bytes]]:
        """(item id, story id, published, signature) of grouped items since ``since``."""
        query = (
            sa.select(I.c.id, I.c.story_id, I.c.published_at, I.c.minhash)
            .where(I.c.story_id.is_not(None))
            .where(I.c.minhash.is_not(None))
            .where(I.c.published_at >= since)
            .order_by(I.c.published_at)
        )
        with self.db.read() as conn:
            return [
                (r.id, r.story_id, r.published_at, bytes(r.minhash)) for r in conn.execute(query)
            ]

    @staticmethod
    def create(conn: Connection, first: Pending) -> int:
        return int(
            conn.execute(
                S.insert()
                .values(
                    first_item_id=first.item_id,
                    title=first.title,
                    first_seen_at=first.published,
                    last_seen_at=first.published,
                    items=1,
                    outlets=1,
                )
                .returning(S.c.id)
            ).scalar_one()
        )

    @staticmethod
    def attach(conn: Connection, item_id: int, story: int, signature: bytes, outlet: str) -> None:
        conn.execute(
            I.update()
            .where(I.c.id == item_id)
            .values(story_id=story, minhash=signature, outlet=outlet)
        )

    @staticmethod
    def refresh(conn: Connection, stories: set[int]) -> None:
        """Recompute counts from the items, so that they can never drift."""
        for story in stories:
            row = conn.execute(
                sa.select(
                    sa.func.count(),
                    sa.func.count(sa.distinct(I.c.outlet)),
                    sa.func.min(I.c.published_at),
                    sa.func.max(I.c.published_at),
                ).where(I.c.story_id == story)
            ).one()
            conn.execute(
                S.update()
                .where(S.c.id == story)
                .values(items=row[0], outlets=row[1], first_seen_at=row[2], last_seen_at=row[3])
            )

    def get(self, story_id: int) -> dict[str, object] | None:
        with self.db.read() as conn:
            row = conn.execute(sa.select(S).where(S.c.id == story_id)).first()
            if row is None:
                return None
            data = dict(row._mapping)
            data["outlet_names"] = sorted(
                {r[0] for r in conn.execute(sa.select(I.c.outlet).where(I.c.story_id == story_id))}
            )
        return data
