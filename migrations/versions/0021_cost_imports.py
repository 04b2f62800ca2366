"""A council's placement costs file loaded through the same imports as its SSDA903 return: each import names
its kind, those before this one returns.

Revision ID: 0021
Revises: 0020
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "return_imports", sa.Column("kind", sa.String(length=8), server_default="ssda903", nullable=False)
    )
    op.create_check_constraint(op.f("ck_return_imports_kind"), "return_imports", "kind IN ('ssda903', 'costs')")


def downgrade() -> None:
    op.drop_constraint(op.f("ck_return_imports_kind"), "return_imports", type_="check")
    op.drop_column("return_imports", "kind")
