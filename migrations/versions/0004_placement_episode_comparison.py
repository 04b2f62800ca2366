"""Placements are compared field by field as stored, so the creation-time hash goes.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_column("placements", "body_hash")


def downgrade() -> None:
    op.add_column("placements", sa.Column("body_hash", sa.String(length=64), nullable=False, server_default=""))
    op.alter_column("placements", "body_hash", server_default=None)
