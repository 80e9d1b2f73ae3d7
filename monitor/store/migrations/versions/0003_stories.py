"""Stories: syndicated copies grouped, with the outlet of every item.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from monitor.store.tables import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "story",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("first_item_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("first_seen_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("outlets", sa.Integer(), nullable=False),
    )
    op.create_index("ix_story_first_seen_at", "story", ["first_seen_at"])
    # plain ADD COLUMN (no table rebuild), so SQLite keeps the item table's FTS triggers
    op.add_column("item", sa.Column("story_id", sa.Integer(), nullable=True))
    op.add_column("item", sa.Column("outlet", sa.String(200), nullable=False, server_default=""))
    op.add_column("item", sa.Column("minhash", sa.LargeBinary(), nullable=True))
    op.create_index("ix_item_story_id", "item", ["story_id"])


def downgrade() -> None:
    op.drop_index("ix_item_story_id", "item")
    with op.batch_alter_table("item") as batch:
        batch.drop_column("minhash")
        batch.drop_column("outlet")
        batch.drop_column("story_id")
    op.drop_table("story")
