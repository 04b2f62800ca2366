"""A recompute request whose child failed to recompute, even alone, is marked failed: no drain takes it
again until the sweep sends it again, so one child's bad data is not retried in a tight loop. The arq job
id of each request goes: the worker is woken, not sent a job per request (shared/wakes.py).

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("recompute_requests", sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True))
    op.drop_column("recompute_requests", "job_id")


def downgrade() -> None:
    op.add_column("recompute_requests", sa.Column("job_id", sa.String(length=64), nullable=True))
    op.drop_column("recompute_requests", "failed_at")
