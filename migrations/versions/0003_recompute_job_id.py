"""Keep the arq job id sent for each recompute request, so the sweep can tell late from lost.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("recompute_requests", sa.Column("job_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("recompute_requests", "job_id")
