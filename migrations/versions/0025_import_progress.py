"""How far a running import has got: the files read or rows checked of its stage, and of how many.

Revision ID: 0025
Revises: 0024
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("return_imports", sa.Column("progress_done", sa.Integer(), nullable=True))
    op.add_column("return_imports", sa.Column("progress_total", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("return_imports", "progress_total")
    op.drop_column("return_imports", "progress_done")
