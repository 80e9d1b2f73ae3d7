"""Database tables (SQLModel).  These are storage rows, not API schemas: nothing outside
:mod:`monitor.store` should hand a row to a user; convert to :mod:`monitor.types` first."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

__all__ = [
    "Blob",
    "CouncilRow",
    "FetchLog",
    "Item",
    "ItemCouncil",
    "ItemSighting",
    "SourceRow",
    "UTCDateTime",
    "utcnow",
]


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both backends (SQLite keeps no zone of its own)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ts(**kw: Any) -> Any:
    return Field(default=None, sa_type=UTCDateTime, **kw)


class CouncilRow(SQLModel, table=True):
    __tablename__ = "council"

    gss: str = Field(primary_key=True, max_length=12)
    code: str = Field(max_length=8)
    name: str
    short_name: str
    type: str = Field(max_length=8)
    type_name: str
    nation: str
    region: str
    current: bool = Field(index=True)
    principal: bool
    start_date: date | None = None
    end_date: date | None = None
    successors: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    predecessors: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    parent_gss: str | None = None
    homepage: str | None = None
    committee_system: str | None = None
    committee_url: str | None = None
    committee_url_confirmations: int = 0
    aliases: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    sites: list[str] = Field(
        default_factory=list, sa_type=sa.JSON, sa_column_kwargs={"server_default": "[]"}
    )


class SourceRow(SQLModel, table=True):
    __tablename__ = "source"

    id: str = Field(primary_key=True, max_length=200)
    kind: str = Field(max_length=32)
    url: str
    council_gss: str | None = Field(default=None, foreign_key="council.gss", index=True)
    name: str = ""
    interval_s: int = 0
    item_kind: str = ""
    options: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    enabled: bool = True
    origin: str = Field(default="cli", max_length=32)  # cli | file | register | demo
    created_at: datetime | None = _ts()
    # conditional GET and change detection
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    state_extra: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    # health: errors are data (code, message, counter that resets on success)
    last_attempt_at: datetime | None = _ts()
    last_success_at: datetime | None = _ts()
    last_new_item_at: datetime | None = _ts()
    next_check_at: datetime | None = _ts(index=True)
    last_error: str | None = Field(default=None, max_length=64)
    last_error_message: str | None = None
    last_error_at: datetime | None = _ts()
    consecutive_failures: int = 0
    warnings: list[list[str]] = Field(default_factory=list, sa_type=sa.JSON)
    items_total: int = 0


class FetchLog(SQLModel, table=True):
    __tablename__ = "fetch_log"

    id: int | None = Field(default=None, primary_key=True)
    source_id: str = Field(index=True, max_length=200)
    started_at: datetime = Field(sa_type=UTCDateTime, index=True)
    duration_ms: int = 0
    url: str = ""
    outcome: str = Field(max_length=16)  # new | unchanged | not_modified | error
    error_code: str | None = Field(default=None, max_length=64)
    error_message: str | None = None
    bytes_received: int = 0
    requests: int = 0
    items_seen: int = 0
    items_new: int = 0
    items_updated: int = 0


class Blob(SQLModel, table=True):
    """A fetched body, compressed and addressed by the SHA-256 of its uncompressed bytes."""

    __tablename__ = "blob"

    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    content_type: str = ""
    compression: str = Field(default="zlib", max_length=8)
    data: bytes = Field(sa_type=sa.LargeBinary)
    created_at: datetime | None = _ts()


class Item(SQLModel, table=True):
    __tablename__ = "item"
    __table_args__ = (
        sa.UniqueConstraint("source_id", "guid", name="uq_item_source_guid"),
        sa.Index("ix_item_published", "published_at"),
        sa.Index("ix_item_kind_published", "kind", "published_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source_id: str = Field(foreign_key="source.id", max_length=200)
    guid: str
    url: str
    url_hash: str = Field(index=True, max_length=32)
    title: str = ""
    text: str = ""
    author: str | None = None
    kind: str = Field(default="press", max_length=32)
    published_at: datetime = Field(sa_type=UTCDateTime)
    published_estimated: bool = False  # no date in the source: the fetch time stands in
    fetched_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime | None = _ts()
    version: int = 1
    content_hash: str = Field(index=True, max_length=32)
    raw_sha256: str | None = Field(default=None, max_length=64)
    meta: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    # denormalised for the search index: linked council codes and the kind, as words
    facets: str = ""
    # SQLite full-text rowid: (published seconds << 31) | (id & 0x7fffffff), so that the
    # index itself is ordered newest-first and date filters become rowid ranges
    search_key: int | None = Field(default=None, sa_type=sa.BigInteger, unique=True)
    # syndicated copies share a story; the outlet is the publisher's domain
    story_id: int | None = Field(default=None, index=True)
    outlet: str = Field(default="", max_length=200)
    minhash: bytes | None = Field(default=None, sa_type=sa.LargeBinary)


class ItemSighting(SQLModel, table=True):
    """The same item (same canonical URL) seen in another source; counts outlets."""

    __tablename__ = "item_sighting"

    item_id: int = Field(foreign_key="item.id", primary_key=True)
    source_id: str = Field(foreign_key="source.id", primary_key=True, max_length=200)
    guid: str = ""
    first_seen_at: datetime = Field(sa_type=UTCDateTime)


class ItemCouncil(SQLModel, table=True):
    __tablename__ = "item_council"

    item_id: int = Field(foreign_key="item.id", primary_key=True)
    council_gss: str = Field(foreign_key="council.gss", primary_key=True, index=True)
    role: str = Field(default="primary", max_length=16)  # primary | mentioned
    confidence: float = 1.0
    method: str = Field(default="source", max_length=32)


class Classification(SQLModel, table=True):
    """The classifier's verdict on an item (``council_gss`` "" for the item as a whole;
    a council code when the verdict for one linked council differs)."""

    __tablename__ = "classification"

    item_id: int = Field(foreign_key="item.id", primary_key=True)
    council_gss: str = Field(default="", primary_key=True, max_length=12)
    model_version: str = Field(max_length=64, index=True)
    sentiment: float = 0.0
    scores: dict[str, float] = Field(default_factory=dict, sa_type=sa.JSON)
    classified_at: datetime = Field(sa_type=UTCDateTime)


class ItemTag(SQLModel, table=True):
    """One signal on one item (for one council), with the sentence that justifies it."""

    __tablename__ = "item_tag"
    __table_args__ = (sa.Index("ix_item_tag_label_item", "label", "item_id"),)

    item_id: int = Field(foreign_key="item.id", primary_key=True)
    council_gss: str = Field(default="", primary_key=True, max_length=12)
    label: str = Field(primary_key=True, max_length=32)
    score: float
    evidence: str = ""
    rules: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    model_version: str = Field(max_length=64)


class Story(SQLModel, table=True):
    """Copies of one story (a syndicated report, a re-posted press release) counted once."""

    __tablename__ = "story"

    id: int | None = Field(default=None, primary_key=True)
    first_item_id: int
    title: str = ""
    first_seen_at: datetime = Field(sa_type=UTCDateTime, index=True)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)
    items: int = 1
    outlets: int = 1


class AlertRow(SQLModel, table=True):
    """An episode of clustered signals for one council; it never alerts twice."""

    __tablename__ = "alert"

    id: int | None = Field(default=None, primary_key=True)
    council_gss: str = Field(foreign_key="council.gss", index=True, max_length=12)
    status: str = Field(default="open", max_length=16, index=True)  # open escalated quiet resolved
    severity: str = Field(default="watch", max_length=16)  # watch concern acute
    score: float = 0.0
    labels: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    explanation: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    opened_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    escalated_at: datetime | None = _ts()
    last_evidence_at: datetime | None = _ts()
    quiet_since: datetime | None = _ts()
    resolved_at: datetime | None = _ts()
    acknowledged_by: str | None = None
    false_positive_reason: str | None = None


class AlertEvent(SQLModel, table=True):
    __tablename__ = "alert_event"

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alert.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    kind: str = Field(max_length=16)  # opened escalated quiet resolved reopened
    severity: str = Field(max_length=16)
    note: str = ""


class Subscriber(SQLModel, table=True):
    __tablename__ = "subscriber"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    email: str = Field(max_length=320)
    councils: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    regions: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    council_types: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    signals: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    min_severity: str = Field(default="watch", max_length=16)
    immediate: bool = True
    active: bool = True
    unsubscribe_token: str = Field(max_length=64, index=True)
    last_digest_at: datetime | None = _ts()
    created_at: datetime = Field(sa_type=UTCDateTime)


class Outbox(SQLModel, table=True):
    """A message to send; the idempotency key makes enqueueing it twice a no-op."""

    __tablename__ = "outbox"
    __table_args__ = (sa.Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True, max_length=200)
    subscriber_id: int = Field(foreign_key="subscriber.id", index=True)
    kind: str = Field(max_length=16)  # digest | alert
    recipient: str = Field(max_length=320)
    subject: str
    message: bytes = Field(sa_type=sa.LargeBinary)  # the complete RFC 5322 message
    message_id: str = Field(max_length=200)
    status: str = Field(default="pending", max_length=16)  # pending sending sent failed
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=UTCDateTime)
    lease_until: datetime | None = _ts()
    last_error: str | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)
    give_up_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = _ts()


class AppUser(SQLModel, table=True):
    """A named person who may sign in (viewer, analyst or admin)."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=100)
    role: str = Field(max_length=16)
    password_hash: str = ""
    active: bool = True
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_login_at: datetime | None = _ts()


class ApiToken(SQLModel, table=True):
    """A machine credential; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    label: str = Field(default="", max_length=100)
    token_hash: str = Field(unique=True, max_length=64)
    prefix: str = Field(max_length=12)
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_used_at: datetime | None = _ts()
    revoked_at: datetime | None = _ts()


class WebSession(SQLModel, table=True):
    """A browser login; the cookie holds a random token whose SHA-256 is the key."""

    __tablename__ = "web_session"

    id: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    csrf: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)


class AuditLog(SQLModel, table=True):
    """Who searched for or looked at what, and who changed what."""

    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_at", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime)
    user_name: str = Field(max_length=100)
    via: str = Field(max_length=8)  # web | api | cli
    action: str = Field(max_length=32)
    target: str = ""
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)


class ServiceLock(SQLModel, table=True):
    """One row per singleton process (``run``): who holds it and its last heartbeat."""

    __tablename__ = "service_lock"

    name: str = Field(primary_key=True, max_length=32)
    holder: str = Field(max_length=200)
    acquired_at: datetime = Field(sa_type=UTCDateTime)
    heartbeat_at: datetime = Field(sa_type=UTCDateTime)
