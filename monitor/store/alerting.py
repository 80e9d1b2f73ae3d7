"""Alerts, subscribers and the outbox: the store side of alerting and delivery."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from monitor.errors import ConfigError
from monitor.store.db import Database
from monitor.store.tables import (
    AlertEvent,
    AlertRow,
    Classification,
    Item,
    ItemCouncil,
    ItemTag,
    Outbox,
    Subscriber,
    UTCDateTime,
    utcnow,
)
from monitor.types import SignalStory

__all__ = ["AlertRepo", "OutboxRepo", "SubscriberRepo"]

A = AlertRow.__table__  # type: ignore[attr-defined]
E = AlertEvent.__table__  # type: ignore[attr-defined]
C = Classification.__table__  # type: ignore[attr-defined]
I = Item.__table__  # type: ignore[attr-defined]  # noqa: E741
IC = ItemCouncil.__table__  # type: ignore[attr-defined]
T = ItemTag.__table__  # type: ignore[attr-defined]
S = Subscriber.__table__  # type: ignore[attr-defined]
O = Outbox.__table__  # type: ignore[attr-defined]  # noqa: E741

# A tag counts for a council when it is the council's own verdict, or the item-level
# verdict of an item whose primary council it is and that has no verdict of its own.
_SIGNALS_SQL = """
SELECT ic.council_gss AS gss, t.item_id, t.label, t.score, t.evidence, t.rules,
       i.story_id, i.published_at, i.title, i.url, i.outlet, i.kind, i.source_id
FROM item_tag t
JOIN item i ON i.id = t.item_id
JOIN item_council ic ON ic.item_id = t.item_id
WHERE i.published_at > :since AND i.published_at <= :until
  AND (t.council_gss = ic.council_gss
       OR (t.council_gss = '' AND ic.role = 'primary' AND NOT EXISTS (
             SELECT 1 FROM classification c
             WHERE c.item_id = t.item_id AND c.council_gss = ic.council_gss)))
  {council}
ORDER BY i.published_at
"""


class AlertRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def signal_stories(
        self, since: datetime, until: datetime, council: str | None = None
    ) -> dict[str, list[SignalStory]]:
        """Unique stories with signals per council (copies of a story count once)."""
        sql = _SIGNALS_SQL.format(council="AND ic.council_gss = :council" if council else "")
        with self.db.read() as conn:
            typed = sa.text(sql).columns(
                gss=sa.String(),
                item_id=sa.Integer(),
                label=sa.String(),
                score=sa.Float(),
                evidence=sa.String(),
                rules=sa.JSON(),
                story_id=sa.Integer(),
                published_at=UTCDateTime(),
                title=sa.String(),
                url=sa.String(),
                outlet=sa.String(),
                kind=sa.String(),
                source_id=sa.String(),
            )
            rows = conn.execute(typed, {"since": since, "until": until, "council": council}).all()
        grouped: dict[tuple[str, int], list[Any]] = {}
        for r in rows:
            key = (r.gss, r.story_id if r.story_id is not None else -r.item_id)
            grouped.setdefault(key, []).append(r)
        out: dict[str, list[SignalStory]] = {}
        for (gss, story), members in grouped.items():
            out.setdefault(gss, []).append(_story(gss, story, members))
        for stories in out.values():
            stories.sort(key=lambda s: s.first_seen)
        return out

    def councils_with_items(self, since: datetime, until: datetime) -> int:
        """How many councils anything was linked to in a period (the prior's denominator)."""
        with self.db.read() as conn:
            return int(
                conn.execute(
                    sa.select(sa.func.count(sa.distinct(IC.c.council_gss)))
                    .select_from(IC.join(I, I.c.id == IC.c.item_id))
                    .where(I.c.published_at > since)
                    .where(I.c.published_at <= until)
                ).scalar_one()
            )

    # -- alerts -------------------------------------------------------------------------
    def history_start(self) -> datetime | None:
        """When the store's record begins (the earliest item), for baselines."""
        with self.db.read() as conn:
            value = conn.execute(sa.select(sa.func.min(I.c.published_at))).scalar()
        return _aware(value) if value is not None else None

    def latest(self) -> dict[str, Any]:
        """Each council's most recent alert, whatever its status."""
        with self.db.read() as conn:
            rows = conn.execute(sa.select(A).order_by(A.c.council_gss, A.c.id)).all()
        return {r.council_gss: r for r in rows}

    def active(self) -> dict[str, Any]:
        with self.db.read() as conn:
            rows = conn.execute(
                sa.select(A).where(A.c.status.in_(("open", "escalated", "quiet")))
            ).all()
        return {r.council_gss: r for r in rows}

    def open(
        self,
        conn: Connection,
        council: str,
        severity: str,
        score: float,
        labels: list[str],
        explanation: dict[str, Any],
        now: datetime,
        last_evidence: datetime | None,
    ) -> int:
        alert_id = int(
            conn.execute(
                A.insert()
                .values(
                    council_gss=council,
                    status="open",
                    severity=severity,
                    score=score,
                    labels=labels,
                    explanation=explanation,
                    opened_at=now,
                    updated_at=now,
                    last_evidence_at=last_evidence,
                )
                .returning(A.c.id)
            ).scalar_one()
        )
        self.event(conn, alert_id, now, "opened", severity, ", ".join(explanation["rules"]))
        return alert_id

    def update(self, conn: Connection, alert_id: int, now: datetime, **values: Any) -> None:
        conn.execute(A.update().where(A.c.id == alert_id).values(updated_at=now, **values))

    @staticmethod
    def event(
        conn: Connection, alert_id: int, at: datetime, kind: str, severity: str, note: str = ""
    ) -> None:
        conn.execute(
            E.insert().values(alert_id=alert_id, at=at, kind=kind, severity=severity, note=note)
        )

    def find(
        self,
        *,
        status: str | None = None,
        council: str | None = None,
        since: datetime | None = None,
        limit: int = 200,
    ) -> list[dict[str, Any]]:
        query = sa.select(A).order_by(A.c.updated_at.desc()).limit(limit)
        if status == "active":
            query = query.where(A.c.status.in_(("open", "escalated", "quiet")))
        elif status:
            query = query.where(A.c.status == status)
        if council:
            query = query.where(A.c.council_gss == council)
        if since:
            query = query.where(A.c.updated_at >= since)
        with self.db.read() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def get(self, alert_id: int) -> dict[str, Any] | None:
        with self.db.read() as conn:
            row = conn.execute(sa.select(A).where(A.c.id == alert_id)).first()
            if row is None:
                return None
            data = dict(row._mapping)
            data["events"] = [
                dict(e._mapping)
                for e in conn.execute(
                    sa.select(E).where(E.c.alert_id == alert_id).order_by(E.c.at, E.c.id)
                )
            ]
        return data

    def events_between(self, since: datetime, until: datetime) -> list[dict[str, Any]]:
        """Openings and escalations in a period (what digests report)."""
        query = (
            sa.select(
                E.c.alert_id,
                E.c.at,
                E.c.kind,
                E.c.severity,
                A.c.council_gss,
                A.c.labels,
                A.c.explanation,
                A.c.status,
                A.c.score,
            )
            .join(A, A.c.id == E.c.alert_id)
            .where(E.c.kind.in_(("opened", "escalated")))
            .where(E.c.at > since)
            .where(E.c.at <= until)
            .order_by(E.c.at)
        )
        with self.db.read() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def mark(
        self,
        alert_id: int,
        *,
        acknowledged_by: str | None = None,
        false_positive_reason: str | None = None,
    ) -> None:
        now = utcnow()
        with self.db.write() as conn:
            row = conn.execute(sa.select(A.c.severity).where(A.c.id == alert_id)).first()
            if row is None:
                raise ConfigError(f"no alert {alert_id}", key="alert")
            values: dict[str, Any] = {}
            if acknowledged_by:
                values["acknowledged_by"] = acknowledged_by
                self.event(conn, alert_id, now, "acknowledged", row.severity, acknowledged_by)
            if false_positive_reason:
                values["false_positive_reason"] = false_positive_reason
                self.event(
                    conn, alert_id, now, "false_positive", row.severity, false_positive_reason
                )
            self.update(conn, alert_id, now, **values)


def _story(gss: str, story: int, members: list[Any]) -> SignalStory:
    labels = sorted({m.label for m in members})
    first = min(members, key=lambda m: m.published_at)
    last = max(members, key=lambda m: m.published_at)
    items: dict[int, dict[str, Any]] = {}
    for m in members:
        entry = items.setdefault(
            m.item_id,
            {
                "item_id": m.item_id,
                "title": m.title,
                "url": m.url,
                "outlet": m.outlet,
                "published": m.published_at.isoformat(),
                "evidence": {},
            },
        )
        entry["evidence"][m.label] = m.evidence
    ordered = sorted(items.values(), key=lambda e: e["published"])
    rules = tuple(sorted({r for m in members for r in (m.rules or [])}))
    return SignalStory(
        story_id=story,
        council_gss=gss,
        first_seen=_aware(first.published_at),
        labels=tuple(labels),
        score=max(m.score for m in members),
        outlets=tuple(sorted({m.outlet or m.source_id for m in members})),
        kinds=tuple(sorted({m.kind for m in members})),
        rules=rules,
        items=tuple(ordered),
        last_seen=_aware(last.published_at),
    )


def _aware(value: Any) -> datetime:
    from monitor.store.tables import UTCDateTime

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return UTCDateTime().process_result_value(value, None)  # type: ignore[arg-type,return-value]


class SubscriberRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, name: str, email: str, **watch: Any) -> int:
        with self.db.write() as conn:
            if conn.execute(sa.select(S.c.id).where(S.c.name == name)).first():
                raise ConfigError(f"a subscriber named {name!r} exists", key="name")
            return int(
                conn.execute(
                    S.insert()
                    .values(
                        name=name,
                        email=email,
                        councils=watch.get("councils", []),
                        regions=watch.get("regions", []),
                        council_types=watch.get("council_types", []),
                        signals=watch.get("signals", []),
                        min_severity=watch.get("min_severity", "watch"),
                        immediate=watch.get("immediate", True),
                        active=True,
                        unsubscribe_token=secrets.token_urlsafe(24),
                        created_at=utcnow(),
                    )
                    .returning(S.c.id)
                ).scalar_one()
            )

    def update(self, name: str, **values: Any) -> None:
        with self.db.write() as conn:
            done = conn.execute(S.update().where(S.c.name == name).values(**values))
            if done.rowcount == 0:
                raise ConfigError(f"no subscriber named {name!r}", key="name")

    def remove(self, name: str) -> None:
        """Deactivate (their outbox history is kept)."""
        self.update(name, active=False)

    def all(self, *, include_inactive: bool = False) -> list[dict[str, Any]]:
        query = sa.select(S).order_by(S.c.name)
        if not include_inactive:
            query = query.where(S.c.active.is_(True))
        with self.db.read() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def get(self, name_or_id: str | int) -> dict[str, Any] | None:
        query = sa.select(S)
        query = (
            query.where(S.c.id == name_or_id)
            if isinstance(name_or_id, int)
            else query.where(S.c.name == name_or_id)
        )
        with self.db.read() as conn:
            row = conn.execute(query).first()
        return dict(row._mapping) if row else None

    def unsubscribe(self, token: str) -> str | None:
        """One-click unsubscribe (RFC 8058): deactivate the subscriber with this token."""
        if not token:
            return None
        with self.db.write() as conn:
            row = conn.execute(sa.select(S.c.name).where(S.c.unsubscribe_token == token)).first()
            if row is None:
                return None
            conn.execute(S.update().where(S.c.unsubscribe_token == token).values(active=False))
            return str(row.name)

    def set_last_digest(self, conn: Connection, subscriber_id: int, at: datetime) -> None:
        conn.execute(S.update().where(S.c.id == subscriber_id).values(last_digest_at=at))


class OutboxRepo:
    """Messages are enqueued with an idempotency key, claimed with a lease, and marked
    sent only after the SMTP server accepted them."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def enqueue(
        self,
        conn: Connection,
        *,
        key: str,
        subscriber_id: int,
        kind: str,
        recipient: str,
        subject: str,
        message: bytes,
        message_id: str,
        now: datetime,
        give_up_after: timedelta,
    ) -> bool:
        """Add a message unless one with this key exists; True when added."""
        if conn.execute(sa.select(O.c.id).where(O.c.idempotency_key == key)).first():
            return False
        conn.execute(
            O.insert().values(
                idempotency_key=key,
                subscriber_id=subscriber_id,
                kind=kind,
                recipient=recipient,
                subject=subject,
                message=message,
                message_id=message_id,
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
                give_up_at=now + give_up_after,
            )
        )
        return True

    def claim(
        self, now: datetime, lease: timedelta, limit: int = 50, exclude: set[int] | None = None
    ) -> list[Any]:
        """Due messages (pending, or sending with an expired lease), leased to this
        worker in one transaction so that two workers never send the same one;
        ``exclude``: ids this run already tried (each is tried once per run)."""
        with self.db.write() as conn:
            query = sa.select(O.c.id)
            if exclude:
                query = query.where(O.c.id.not_in(sorted(exclude)))
            rows = conn.execute(
                query.where(
                    sa.or_(
                        sa.and_(O.c.status == "pending", O.c.next_attempt_at <= now),
                        sa.and_(O.c.status == "sending", O.c.lease_until < now),
                    )
                )
                .order_by(O.c.next_attempt_at, O.c.id)
                .limit(limit)
            ).all()
            ids = [r.id for r in rows]
            if not ids:
                return []
            conn.execute(
                O.update()
                .where(O.c.id.in_(ids))
                .values(status="sending", lease_until=now + lease, attempts=O.c.attempts + 1)
            )
            return list(conn.execute(sa.select(O).where(O.c.id.in_(ids)).order_by(O.c.id)))

    def mark_sent(self, entries: dict[int, str], now: datetime) -> int:
        """Mark messages sent (from the delivery journal): id and Message-ID must both
        match, so a journal can never mark another database's messages."""
        done = 0
        with self.db.write() as conn:
            for outbox_id, message_id in entries.items():
                result = conn.execute(
                    O.update()
                    .where(O.c.id == outbox_id)
                    .where(O.c.message_id == message_id)
                    .where(O.c.status != "sent")
                    .values(status="sent", sent_at=now, lease_until=None, last_error=None)
                )
                done += int(result.rowcount or 0)
        return done

    def release(self, rows: list[Any], tried: set[int]) -> None:
        """Hand back leased messages this run did not try, for the next run."""
        untried = [r.id for r in rows if r.id not in tried]
        if untried:
            with self.db.write() as conn:
                conn.execute(
                    O.update()
                    .where(O.c.id.in_(untried))
                    .values(status="pending", lease_until=None, attempts=O.c.attempts - 1)
                )

    def sent(self, outbox_id: int, now: datetime) -> None:
        with self.db.write() as conn:
            conn.execute(
                O.update()
                .where(O.c.id == outbox_id)
                .values(status="sent", sent_at=now, lease_until=None, last_error=None)
            )

    def retry(self, outbox_id: int, error: str, next_at: datetime, *, give_up: bool) -> None:
        with self.db.write() as conn:
            conn.execute(
                O.update()
                .where(O.c.id == outbox_id)
                .values(
                    status="failed" if give_up else "pending",
                    next_attempt_at=next_at,
                    lease_until=None,
                    last_error=error[:1000],
                )
            )

    def counts(self) -> dict[str, int]:
        with self.db.read() as conn:
            rows = conn.execute(sa.select(O.c.status, sa.func.count()).group_by(O.c.status))
            return {r[0]: int(r[1]) for r in rows}

    def failures(self, limit: int = 50) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            return [
                dict(r._mapping)
                for r in conn.execute(
                    sa.select(
                        O.c.id,
                        O.c.kind,
                        O.c.recipient,
                        O.c.subject,
                        O.c.attempts,
                        O.c.last_error,
                        O.c.created_at,
                        O.c.status,
                    )
                    .where(sa.or_(O.c.status == "failed", O.c.last_error.is_not(None)))
                    .order_by(O.c.id.desc())
                    .limit(limit)
                )
            ]
