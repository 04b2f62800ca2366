"""Outcome measures (domain.md §5, issue 16): the measure codes, shipped ones and a council's own, and each
child's measures with their versions. The six codes domain.md names ship here. Each council's small-number
suppression threshold, 5 unless its admin sets another.

Revision ID: 0026
Revises: 0025
"""

import json
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# code, label, outcome area, unit, lowest, highest, better, bands (label, from) ascending
SHIPPED = (
    (
        "sdq_total",
        "Strengths and Difficulties Questionnaire: total difficulties",
        "be_healthy",
        "score",
        0,
        40,
        "lower",
        [("normal", 0), ("borderline", 14), ("concern", 17)],
    ),
    (
        "school_attendance_pct",
        "School attendance",
        "be_ambitious",
        "percent",
        0,
        100,
        "higher",
        [("severely_absent", 0), ("persistently_absent", 50), ("attending", 90)],
    ),
    ("exclusion_days", "Days excluded from school", "be_ambitious", "days", 0, 366, "lower", []),
    ("missing_episodes", "Episodes of going missing", "be_safe", "episodes", 0, 1000, "lower", []),
    ("offences", "Offences: convictions and final warnings", "be_safe", "offences", 0, 1000, "lower", []),
    (
        "neet",
        "Not in education, employment or training (1) or in it (0)",
        "be_independent",
        "flag",
        0,
        1,
        "lower",
        [("in_education_employment_or_training", 0), ("neet", 1)],
    ),
)


def upgrade() -> None:
    op.add_column(
        "local_authorities", sa.Column("suppression_threshold", sa.Integer(), server_default="5", nullable=False)
    )
    codes = op.create_table(
        "measure_codes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("la_id", sa.Uuid(), nullable=True),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("outcome_area", sa.String(64), nullable=False),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.Column("min_value", sa.Numeric(12, 4), nullable=False),
        sa.Column("max_value", sa.Numeric(12, 4), nullable=False),
        sa.Column("better", sa.String(6), nullable=False),
        sa.Column("bands", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("better IN ('lower', 'higher')", name=op.f("ck_measure_codes_better_is_a_direction")),
        sa.CheckConstraint("min_value < max_value", name=op.f("ck_measure_codes_range_is_not_empty")),
        sa.ForeignKeyConstraint(
            ["la_id"],
            ["local_authorities.id"],
            name=op.f("fk_measure_codes_la_id_local_authorities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measure_codes")),
        sa.UniqueConstraint("la_id", "code", name=op.f("uq_measure_codes_la_id")),
    )
    op.create_index(
        "uq_measure_codes_shipped_code",
        "measure_codes",
        ["code"],
        unique=True,
        postgresql_where=sa.text("la_id IS NULL"),
    )
    op.bulk_insert(
        codes,
        [
            {
                "id": uuid.uuid5(uuid.NAMESPACE_URL, f"measure-code:{code}"),
                "la_id": None,
                "code": code,
                "label": label,
                "outcome_area": area,
                "unit": unit,
                "min_value": lowest,
                "max_value": highest,
                "better": better,
                "bands": json.loads(json.dumps([{"label": name, "from": start} for name, start in bands])),
            }
            for code, label, area, unit, lowest, highest, better, bands in SHIPPED
        ],
    )
    op.create_table(
        "outcome_measures",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("la_id", sa.Uuid(), nullable=False),
        sa.Column("child_pk", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("value", sa.Numeric(12, 4), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("source", sa.String(64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("recorded_seq", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("period_start <= period_end", name=op.f("ck_outcome_measures_period_in_order")),
        sa.ForeignKeyConstraint(
            ["child_pk"], ["children.id"], name=op.f("fk_outcome_measures_child_pk_children"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["la_id"],
            ["local_authorities.id"],
            name=op.f("fk_outcome_measures_la_id_local_authorities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_measures")),
        sa.UniqueConstraint("la_id", "external_id", name=op.f("uq_outcome_measures_la_id")),
        sa.UniqueConstraint(
            "child_pk", "code", "period_start", "period_end", name=op.f("uq_outcome_measures_one_value")
        ),
        sa.UniqueConstraint("recorded_seq", name=op.f("uq_outcome_measures_recorded_seq")),
    )
    op.create_index(op.f("ix_outcome_measures_child_pk"), "outcome_measures", ["child_pk"])
    op.create_index(op.f("ix_outcome_measures_la_id"), "outcome_measures", ["la_id"])
    op.create_table(
        "outcome_measure_versions",
        sa.Column("measure_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("value", sa.Numeric(12, 4), nullable=False),
        sa.Column("source", sa.String(64), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["outcome_measures.id"],
            name=op.f("fk_outcome_measure_versions_measure_id_outcome_measures"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("measure_id", "version", name=op.f("pk_outcome_measure_versions")),
    )


def downgrade() -> None:
    op.drop_table("outcome_measure_versions")
    op.drop_table("outcome_measures")
    op.drop_index("uq_measure_codes_shipped_code", table_name="measure_codes", postgresql_where=sa.text("la_id IS NULL"))
    op.drop_table("measure_codes")
    op.drop_column("local_authorities", "suppression_threshold")
