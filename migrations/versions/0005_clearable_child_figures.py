"""A child's figures can be cleared in place (no final assessment left) rather than deleted.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLEARABLE = {
    "instrument_code": sa.String(length=64),
    "instrument_version": sa.Integer(),
    "baseline_assessment_id": sa.Uuid(),
    "latest_assessment_id": sa.Uuid(),
    "baseline_assessed_on": sa.Date(),
    "latest_assessed_on": sa.Date(),
    "total_need": sa.Integer(),
    "actionable_count": sa.SmallInteger(),
    "intensive_count": sa.SmallInteger(),
    "baseline_total_need": sa.Integer(),
    "baseline_actionable_count": sa.SmallInteger(),
    "baseline_intensive_count": sa.SmallInteger(),
    "mixed_progress": sa.Boolean(),
}


def upgrade() -> None:
    for column, type_ in CLEARABLE.items():
        op.alter_column("child_needs_trends", column, existing_type=type_, nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM child_needs_trends WHERE assessments_count = 0")
    op.execute("DELETE FROM domain_needs_trends WHERE child_pk NOT IN (SELECT child_pk FROM child_needs_trends)")
    for column, type_ in CLEARABLE.items():
        op.alter_column("child_needs_trends", column, existing_type=type_, nullable=False)
