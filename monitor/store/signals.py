"""Classifications and signal tags: the backlog to classify, and storing verdicts."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from monitor.store.db import Database
from monitor.store.tables import Classification, Item, ItemCouncil, ItemTag, utcnow
from monitor.types import ItemText, Verdict

__all__ = ["SignalRepo"]

C = Classification.__table__  # type: ignore[attr-defined]
T = ItemTag.__table__  # type: ignore[attr-defined]
I = Item.__table__  # type: ignore[attr-defined]  # noqa: E741
IC = ItemCouncil.__table__  # type: ignore[attr-defined]


class SignalRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def backlog(
        self, model_version: str, *, limit: int = 500, after_id: int = 0, redo_all: bool = False
    ) -> list[ItemText]:
        """Items never classified, or classified by another model version (or all items
        when ``redo_all``), in id order after ``after_id``."""
        query = (
            sa.select(I.c.id, I.c.title, I.c.text, I.c.url, I.c.published_at, I.c.kind)
            .select_from(I.outerjoin(C, sa.and_(C.c.item_id == I.c.id, C.c.council_gss == "")))
            .where(I.c.id > after_id)
            .order_by(I.c.id)
            .limit(limit)
        )
        if not redo_all:
            query = query.where(sa.or_(C.c.item_id.is_(None), C.c.model_version != model_version))
        with self.db.read() as conn:
            rows = conn.execute(query).all()
            links: dict[int, list[tuple[str, str]]] = {}
            if rows:
                for r in conn.execute(
                    sa.select(IC.c.item_id, IC.c.council_gss, IC.c.role).where(
                        IC.c.item_id.in_([row.id for row in rows])
                    )
                ):
                    links.setdefault(r.item_id, []).append((r.council_gss, r.role))
        return [
            ItemText(
                r.id, r.title, r.text, r.url, r.published_at, r.kind, tuple(links.get(r.id, ()))
            )
            for r in rows
        ]

    def save(self, verdicts: list[Verdict]) -> None:
        """Replace the stored verdicts of these items (one transaction)."""
        if not verdicts:
            return
        ids = sorted({v.item_id for v in verdicts})
        now = utcnow()
        with self.db.write() as conn:
            conn.execute(T.delete().where(T.c.item_id.in_(ids)))
            conn.execute(C.delete().where(C.c.item_id.in_(ids)))
            conn.execute(
                C.insert(),
                [
                    {
                        "item_id": v.item_id,
                        "council_gss": v.council_gss,
                        "model_version": v.model_version,
                        "sentiment": v.sentiment,
                        "scores": v.scores,
                        "classified_at": now,
                    }
                    for v in verdicts
                ],
            )
            tags = [
                {
                    "item_id": v.item_id,
                    "council_gss": v.council_gss,
                    "label": label,
                    "score": v.scores[label],
                    "evidence": v.evidence.get(label, ""),
                    "rules": v.rules.get(label, []),
                    "model_version": v.model_version,
                }
                for v in verdicts
                for label in v.tags
            ]
            if tags:
                conn.execute(T.insert(), tags)

    def for_item(self, item_id: int) -> dict[str, Any]:
        with self.db.read() as conn:
            classes = [
                dict(r._mapping) for r in conn.execute(sa.select(C).where(C.c.item_id == item_id))
            ]
            tags = [
                dict(r._mapping) for r in conn.execute(sa.select(T).where(T.c.item_id == item_id))
            ]
        return {"classifications": classes, "tags": tags}

    def counts(self) -> dict[str, int]:
        with self.db.read() as conn:
            rows = conn.execute(
                sa.select(T.c.label, sa.func.count())
                .where(T.c.council_gss == "")
                .group_by(T.c.label)
            ).all()
        return {r[0]: int(r[1]) for r in rows}
