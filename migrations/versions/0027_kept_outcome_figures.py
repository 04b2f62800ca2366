"""Each child's outcome figures kept by the worker with its needs figures (issue 16): per outcome area and per
measure code, going with the child as its other figures do (the trigger child_figures_follow_child).

Revision ID: 0027
Revises: 0026
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOLLOWING = ("child_needs_trends", "child_placement_figures")


def row_version_column() -> sa.Column[int]:
    """Bumped on every write, so a BI tool paging by it never misses a row rewritten mid-read."""
    return sa.Column(
        "row_version", sa.BigInteger(), server_default=sa.text("nextval('figures_row_version_seq')"), nullable=False
    )


def follow(*tables: str) -> str:
    deletes = "\n".join(f"    DELETE FROM {table} c USING gone WHERE c.child_pk = gone.id;" for table in tables)
    return f"""
CREATE OR REPLACE FUNCTION child_figures_follow_child() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{deletes}
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.create_table(
        "child_outcome_areas",
        sa.Column("child_pk", sa.Uuid(), nullable=False),
        sa.Column("outcome_area", sa.String(64), nullable=False),
        sa.Column("la_id", sa.Uuid(), nullable=False),
        sa.Column("domains_rated", sa.SmallInteger(), nullable=False),
        sa.Column("baseline_need_sum", sa.Integer(), nullable=False),
        sa.Column("latest_need_sum", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Boolean(), nullable=False),
        sa.Column("baseline_area_need", sa.Numeric(7, 4), nullable=False),
        sa.Column("latest_area_need", sa.Numeric(7, 4), nullable=False),
        sa.Column("area_need_change", sa.Numeric(7, 4), nullable=True),
        sa.Column("top_level", sa.SmallInteger(), nullable=False),
        sa.Column("baseline_outcome_index", sa.SmallInteger(), nullable=False),
        sa.Column("latest_outcome_index", sa.SmallInteger(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        row_version_column(),
        sa.PrimaryKeyConstraint("child_pk", "outcome_area", name=op.f("pk_child_outcome_areas")),
    )
    op.create_index("ix_child_outcome_areas_council_row_version", "child_outcome_areas", ["la_id", "row_version"])
    op.create_table(
        "child_outcome_measures",
        sa.Column("child_pk", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("la_id", sa.Uuid(), nullable=False),
        sa.Column("outcome_area", sa.String(64), nullable=False),
        sa.Column("measures_count", sa.Integer(), nullable=False),
        sa.Column("baseline", sa.Numeric(12, 4), nullable=False),
        sa.Column("latest", sa.Numeric(12, 4), nullable=False),
        sa.Column("change", sa.Numeric(13, 4), nullable=True),
        sa.Column("improved", sa.Boolean(), nullable=True),
        sa.Column("baseline_band", sa.String(64), nullable=True),
        sa.Column("latest_band", sa.String(64), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        row_version_column(),
        sa.PrimaryKeyConstraint("child_pk", "code", name=op.f("pk_child_outcome_measures")),
    )
    op.create_index(
        "ix_child_outcome_measures_council_row_version", "child_outcome_measures", ["la_id", "row_version"]
    )
    op.execute(follow(*FOLLOWING, "child_outcome_areas", "child_outcome_measures"))


def downgrade() -> None:
    op.execute(follow(*FOLLOWING))
    op.drop_index("ix_child_outcome_measures_council_row_version", "child_outcome_measures")
    op.drop_table("child_outcome_measures")
    op.drop_index("ix_child_outcome_areas_council_row_version", "child_outcome_areas")
    op.drop_table("child_outcome_areas")
