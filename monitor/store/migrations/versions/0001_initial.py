"""Initial schema: councils, sources, fetch log, blobs, items, links and full-text search.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from monitor.store.tables import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _ts(name: str, **kw: object) -> sa.Column:
    return sa.Column(name, UTCDateTime(), **kw)  # type: ignore[arg-type]


def upgrade() -> None:
    op.create_table(
        "council",
        sa.Column("gss", sa.String(12), primary_key=True),
        sa.Column("code", sa.String(8), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("short_name", sa.String(), nullable=False),
        sa.Column("type", sa.String(8), nullable=False),
        sa.Column("type_name", sa.String(), nullable=False),
        sa.Column("nation", sa.String(), nullable=False),
        sa.Column("region", sa.String(), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("principal", sa.Boolean(), nullable=False),
        sa.Column("start_date", sa.Date()),
        sa.Column("end_date", sa.Date()),
        sa.Column("successors", sa.JSON(), nullable=False),
        sa.Column("predecessors", sa.JSON(), nullable=False),
        sa.Column("parent_gss", sa.String()),
        sa.Column("homepage", sa.String()),
        sa.Column("committee_system", sa.String()),
        sa.Column("committee_url", sa.String()),
        sa.Column("committee_url_confirmations", sa.Integer(), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
    )
    op.create_index("ix_council_current", "council", ["current"])

    op.create_table(
        "source",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("council_gss", sa.String(), sa.ForeignKey("council.gss")),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("interval_s", sa.Integer(), nullable=False),
        sa.Column("item_kind", sa.String(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("origin", sa.String(32), nullable=False),
        _ts("created_at"),
        sa.Column("etag", sa.String()),
        sa.Column("last_modified", sa.String()),
        sa.Column("body_hash", sa.String()),
        sa.Column("state_extra", sa.JSON(), nullable=False),
        _ts("last_attempt_at"),
        _ts("last_success_at"),
        _ts("last_new_item_at"),
        _ts("next_check_at"),
        sa.Column("last_error", sa.String(64)),
        sa.Column("last_error_message", sa.String()),
        _ts("last_error_at"),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("items_total", sa.Integer(), nullable=False),
    )
    op.create_index("ix_source_council_gss", "source", ["council_gss"])
    op.create_index("ix_source_next_check_at", "source", ["next_check_at"])

    op.create_table(
        "fetch_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source_id", sa.String(200), nullable=False),
        _ts("started_at", nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("error_code", sa.String(64)),
        sa.Column("error_message", sa.String()),
        sa.Column("bytes_received", sa.Integer(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("items_seen", sa.Integer(), nullable=False),
        sa.Column("items_new", sa.Integer(), nullable=False),
        sa.Column("items_updated", sa.Integer(), nullable=False),
    )
    op.create_index("ix_fetch_log_source_id", "fetch_log", ["source_id"])
    op.create_index("ix_fetch_log_started_at", "fetch_log", ["started_at"])

    op.create_table(
        "blob",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(), nullable=False),
        sa.Column("compression", sa.String(8), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        _ts("created_at"),
    )

    op.create_table(
        "item",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source_id", sa.String(200), sa.ForeignKey("source.id"), nullable=False),
        sa.Column("guid", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("url_hash", sa.String(32), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("author", sa.String()),
        sa.Column("kind", sa.String(32), nullable=False),
        _ts("published_at", nullable=False),
        sa.Column("published_estimated", sa.Boolean(), nullable=False),
        _ts("fetched_at", nullable=False),
        _ts("updated_at"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(32), nullable=False),
        sa.Column("raw_sha256", sa.String(64)),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("facets", sa.String(), nullable=False),
        sa.Column("search_key", sa.BigInteger(), unique=True),
        sa.UniqueConstraint("source_id", "guid", name="uq_item_source_guid"),
    )
    op.create_index("ix_item_url_hash", "item", ["url_hash"])
    op.create_index("ix_item_content_hash", "item", ["content_hash"])
    op.create_index("ix_item_published", "item", ["published_at"])
    op.create_index("ix_item_kind_published", "item", ["kind", "published_at"])

    op.create_table(
        "item_sighting",
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("item.id"), primary_key=True),
        sa.Column("source_id", sa.String(200), sa.ForeignKey("source.id"), primary_key=True),
        sa.Column("guid", sa.String(), nullable=False),
        _ts("first_seen_at", nullable=False),
    )
    op.create_table(
        "item_council",
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("item.id"), primary_key=True),
        sa.Column("council_gss", sa.String(), sa.ForeignKey("council.gss"), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
    )
    op.create_index("ix_item_council_council_gss", "item_council", ["council_gss"])

    if op.get_bind().dialect.name == "sqlite":
        _sqlite_fts()
    else:
        _postgres_fts()


def _sqlite_fts() -> None:
    # External-content FTS5 index keyed by item.search_key (newest-first rowids).
    op.execute(
        "CREATE VIRTUAL TABLE item_fts USING fts5(title, text, facets, content='item', "
        "content_rowid='search_key', tokenize='porter unicode61 remove_diacritics 2')"
    )
    cols = "title, text, facets"
    op.execute(
        f"CREATE TRIGGER item_fts_ai AFTER INSERT ON item WHEN new.search_key IS NOT NULL "
        f"BEGIN INSERT INTO item_fts(rowid, {cols}) "
        f"VALUES (new.search_key, new.title, new.text, new.facets); END"
    )
    op.execute(
        f"CREATE TRIGGER item_fts_ad AFTER DELETE ON item WHEN old.search_key IS NOT NULL "
        f"BEGIN INSERT INTO item_fts(item_fts, rowid, {cols}) "
        f"VALUES ('delete', old.search_key, old.title, old.text, old.facets); END"
    )
    op.execute(
        f"CREATE TRIGGER item_fts_au_old AFTER UPDATE OF title, text, facets, search_key "
        f"ON item WHEN old.search_key IS NOT NULL "
        f"BEGIN INSERT INTO item_fts(item_fts, rowid, {cols}) "
        f"VALUES ('delete', old.search_key, old.title, old.text, old.facets); END"
    )
    op.execute(
        f"CREATE TRIGGER item_fts_au_new AFTER UPDATE OF title, text, facets, search_key "
        f"ON item WHEN new.search_key IS NOT NULL "
        f"BEGIN INSERT INTO item_fts(rowid, {cols}) "
        f"VALUES (new.search_key, new.title, new.text, new.facets); END"
    )


def _postgres_fts() -> None:
    op.execute(
        "ALTER TABLE item ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
        "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
        "setweight(to_tsvector('english', coalesce(text, '')), 'B') || "
        # council codes as weight-D words, so a council filter is a GIN intersection
        "setweight(to_tsvector('simple', coalesce(facets, '')), 'D')) STORED"
    )
    op.execute("CREATE INDEX ix_item_search_vector ON item USING gin (search_vector)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS item_fts")
    for table in (
        "item_council",
        "item_sighting",
        "item",
        "blob",
        "fetch_log",
        "source",
        "council",
    ):
        op.drop_table(table)
