"""Classifications and signal tags.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from monitor.store.tables import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "classification",
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("item.id"), primary_key=True),
        sa.Column("council_gss", sa.String(12), primary_key=True),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("sentiment", sa.Float(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("classified_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_classification_model_version", "classification", ["model_version"])
    op.create_table(
        "item_tag",
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("item.id"), primary_key=True),
        sa.Column("council_gss", sa.String(12), primary_key=True),
        sa.Column("label", sa.String(32), primary_key=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("evidence", sa.String(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
    )
    op.create_index("ix_item_tag_label_item", "item_tag", ["label", "item_id"])


def downgrade() -> None:
    op.drop_table("item_tag")
    op.drop_table("classification")
