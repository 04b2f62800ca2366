"""What an erasure keeps of a child's stays in a contract's closed periods: their cost days (base fees
times 7), so the outcome share cap of a period already paid still counts them (domain.md §7.7, §9).

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "erased_cost_days",
        sa.Column("contract_id", sa.Uuid(), sa.ForeignKey("contracts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("la_id", sa.Uuid(), sa.ForeignKey("local_authorities.id", ondelete="CASCADE"), nullable=False),
        sa.Column("cost_days", sa.Numeric(18, 2), nullable=False),
        sa.PrimaryKeyConstraint("contract_id", "period_start"),
    )
    op.create_index(op.f("ix_erased_cost_days_la_id"), "erased_cost_days", ["la_id"])


def downgrade() -> None:
    op.drop_table("erased_cost_days")
