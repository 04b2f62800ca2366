"""Decision support (issue 17): a council's decision rules as versioned data, each child's figures under them kept
by the worker beside its placement figures, and the total need of each child's assessment before its latest,
which the rise at the last review is counted from.

The children with two assessments or more are asked for their recompute, so that their previous total is kept;
the decision figures of every council are written by the worker's sweep, which finds them missing.

Revision ID: 0030
Revises: 0029
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FOLLOWING = ("child_needs_trends", "child_placement_figures", "child_outcome_areas", "child_outcome_measures")


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
    op.add_column("child_needs_trends", sa.Column("previous_total_need", sa.Integer(), nullable=True))
    op.create_table(
        "decision_rule_versions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("la_id", sa.Uuid(), sa.ForeignKey("local_authorities.id", ondelete="CASCADE"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rules", postgresql.JSONB(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("la_id", "version", name=op.f("uq_decision_rule_versions_la_id")),
    )
    op.create_table(
        "child_decision_figures",
        sa.Column("child_pk", sa.Uuid(), primary_key=True),
        sa.Column("la_id", sa.Uuid(), nullable=False),
        sa.Column("as_at", sa.Date(), nullable=False),
        sa.Column("rules_version", sa.Integer(), nullable=False),
        sa.Column("looked_after", sa.Boolean(), nullable=False),
        sa.Column("current_group", sa.String(32), nullable=True),
        sa.Column("weekly_cost", sa.Numeric(10, 2), nullable=True),
        sa.Column("latest_assessment_id", sa.Uuid(), nullable=True),
        sa.Column("previous_assessment_id", sa.Uuid(), nullable=True),
        sa.Column("latest_assessed_on", sa.Date(), nullable=True),
        sa.Column("total_need", sa.Integer(), nullable=True),
        sa.Column("previous_total_need", sa.Integer(), nullable=True),
        sa.Column("max_need", sa.SmallInteger(), nullable=True),
        sa.Column("step_down", sa.String(12), nullable=True),
        sa.Column("step_down_reasons", postgresql.ARRAY(sa.String()), nullable=False),
        sa.Column("weekly_saving", sa.Numeric(10, 2), nullable=True),
        sa.Column("stability_flags", postgresql.ARRAY(sa.String(32)), nullable=False),
        sa.Column("total_need_change", sa.Integer(), nullable=True),
        sa.Column("rising_domains", postgresql.ARRAY(sa.String()), nullable=False),
        sa.Column("placements_in_year", sa.Integer(), nullable=True),
        sa.Column("warning_endings", sa.Integer(), nullable=True),
        sa.Column("health_needs", postgresql.ARRAY(sa.String(64)), nullable=False),
        sa.Column("education_needs", postgresql.ARRAY(sa.String(64)), nullable=False),
        sa.Column("funding_health", sa.Numeric(4, 3), nullable=True),
        sa.Column("funding_education", sa.Numeric(4, 3), nullable=True),
        sa.Column("health_unshared", sa.Boolean(), nullable=True),
        sa.Column("education_unshared", sa.Boolean(), nullable=True),
        sa.Column("cost_per_need_point", sa.Numeric(10, 2), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "row_version",
            sa.BigInteger(),
            server_default=sa.text("nextval('figures_row_version_seq')"),
            nullable=False,
        ),
    )
    op.create_index("ix_child_decision_figures_council_row_version", "child_decision_figures", ["la_id", "row_version"])
    op.execute(follow(*FOLLOWING, "child_decision_figures"))
    op.execute(
        "INSERT INTO recompute_requests (la_id, child_pk) "
        "SELECT la_id, child_pk FROM child_needs_trends WHERE assessments_count >= 2"
    )


def downgrade() -> None:
    op.execute(follow(*FOLLOWING))
    op.drop_index("ix_child_decision_figures_council_row_version", "child_decision_figures")
    op.drop_table("child_decision_figures")
    op.drop_table("decision_rule_versions")
    op.drop_column("child_needs_trends", "previous_total_need")
