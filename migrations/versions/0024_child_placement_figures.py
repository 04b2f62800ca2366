"""The placement figures the worker keeps per child (domain.md §6), going with the child as its other figures
do: the trigger child_figures_follow_child of migration 0011 deletes them too.

Revision ID: 0024
Revises: 0023
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


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
        "child_placement_figures",
        sa.Column("child_pk", sa.Uuid(), nullable=False),
        sa.Column("la_id", sa.Uuid(), nullable=False),
        sa.Column("as_at", sa.Date(), nullable=False),
        sa.Column("looked_after", sa.Boolean(), nullable=False),
        sa.Column("current_place", sa.String(8), nullable=True),
        sa.Column("current_group", sa.String(32), nullable=True),
        sa.Column("current_placement_start", sa.Date(), nullable=True),
        sa.Column("placements_in_year", sa.Integer(), nullable=True),
        sa.Column("unstable", sa.Boolean(), nullable=True),
        sa.Column("long_term_stable", sa.Boolean(), nullable=True),
        sa.Column("placements_ended", sa.Integer(), nullable=False),
        sa.Column("placements_ended_in_year", sa.Integer(), nullable=False),
        sa.Column("ended_for_behaviour", sa.Integer(), nullable=False),
        sa.Column("reasons_ended", sa.ARRAY(sa.String(8)), nullable=False),
        sa.Column("reasons_ended_in_year", sa.ARRAY(sa.String(8)), nullable=False),
        sa.Column("weeks_in_care", sa.Double(), nullable=False),
        sa.Column("weekly_cost", sa.Numeric(10, 2), nullable=True),
        sa.Column("funding_social_care", sa.Numeric(4, 3), nullable=True),
        sa.Column("funding_health", sa.Numeric(4, 3), nullable=True),
        sa.Column("funding_education", sa.Numeric(4, 3), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("child_pk", name=op.f("pk_child_placement_figures")),
    )
    op.create_index(op.f("ix_child_placement_figures_council_as_at"), "child_placement_figures", ["la_id", "as_at"])
    op.execute(follow("child_needs_trends", "child_placement_figures"))


def downgrade() -> None:
    op.execute(follow("child_needs_trends"))
    op.drop_index("ix_child_placement_figures_council_as_at", "child_placement_figures")
    op.drop_table("child_placement_figures")
