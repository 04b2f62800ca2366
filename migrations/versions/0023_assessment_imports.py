"""A council's needs assessments file (a first load of its history) loaded through the same imports: a kind of
its own, longer than the column allowed.

Revision ID: 0023
Revises: 0022
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.alter_column("return_imports", "kind", type_=sa.String(length=16), existing_nullable=False)
    op.drop_constraint(op.f("ck_return_imports_kind"), "return_imports", type_="check")
    op.create_check_constraint(
        op.f("ck_return_imports_kind"), "return_imports", "kind IN ('ssda903', 'costs', 'assessments')"
    )


def downgrade() -> None:
    op.execute("DELETE FROM return_imports WHERE kind = 'assessments'")
    op.drop_constraint(op.f("ck_return_imports_kind"), "return_imports", type_="check")
    op.create_check_constraint(op.f("ck_return_imports_kind"), "return_imports", "kind IN ('ssda903', 'costs')")
    op.alter_column("return_imports", "kind", type_=sa.String(length=8), existing_nullable=False)
