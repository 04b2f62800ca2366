"""Closed periods (domain.md §7.9): a statement version the council closed when it paid it, and
adjustment lines that settle a later change to a closed period in the first open one.

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("payment_statements", sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("statement_lines", sa.Column("adjusts_period", sa.Date(), nullable=True))
    op.add_column("statement_lines", sa.Column("cause", sa.String(400), nullable=True))


def downgrade() -> None:
    op.drop_column("statement_lines", "cause")
    op.drop_column("statement_lines", "adjusts_period")
    op.drop_column("payment_statements", "closed_at")
