"""Reliable change (RCI) per child with the councils' SD calibrations, and strengths trends per domain.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STRENGTH_LEVELS = (
    "strength_baseline",
    "strength_previous",
    "strength_latest",
    "strength_change_since_baseline",
    "strength_change_since_previous",
)


def upgrade() -> None:
    op.add_column("child_needs_trends", sa.Column("total_strength", sa.Integer(), nullable=True))
    op.add_column("child_needs_trends", sa.Column("baseline_total_strength", sa.Integer(), nullable=True))
    op.add_column("child_needs_trends", sa.Column("rci", sa.Double(), nullable=True))
    op.add_column("child_needs_trends", sa.Column("rci_verdict", sa.String(length=24), nullable=True))
    op.add_column(
        "domain_needs_trends", sa.Column("strength_ratings_count", sa.Integer(), server_default="0", nullable=False)
    )
    for name in STRENGTH_LEVELS:
        op.add_column("domain_needs_trends", sa.Column(name, sa.SmallInteger(), nullable=True))
    op.add_column("domain_needs_trends", sa.Column("strength_slope_per_year", sa.Double(), nullable=True))
    op.add_column(
        "domain_needs_trends",
        sa.Column("strength_direction", sa.String(length=20), server_default="insufficient_data", nullable=False),
    )
    op.create_table(
        "rci_calibrations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("la_id", sa.Uuid(), nullable=False),
        sa.Column("instrument_code", sa.String(length=64), nullable=False),
        sa.Column("sd", sa.Double(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("calibrated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["la_id"], ["local_authorities.id"], name=op.f("fk_rci_calibrations_la_id_local_authorities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rci_calibrations")),
    )
    op.create_index(
        "ix_rci_calibrations_current", "rci_calibrations", ["la_id", "instrument_code", "calibrated_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_rci_calibrations_current", table_name="rci_calibrations")
    op.drop_table("rci_calibrations")
    for name in ("strength_direction", "strength_slope_per_year", *STRENGTH_LEVELS, "strength_ratings_count"):
        op.drop_column("domain_needs_trends", name)
    for name in ("rci_verdict", "rci", "baseline_total_strength", "total_strength"):
        op.drop_column("child_needs_trends", name)
