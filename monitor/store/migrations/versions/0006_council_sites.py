"""Each council's other sites (committee hosts besides its homepage and committee system).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # existing rows get an empty list; `init` reloads the register and fills them
    op.add_column("council", sa.Column("sites", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("council") as batch:
        batch.drop_column("sites")
