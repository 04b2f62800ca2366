"""An admin's recompute of a whole council is a job row the worker runs and the admin polls (queued,
running with its progress, done with its counts, failed with the error's type), not an HTTP request
held open for the length of the recompute.

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "council_recomputes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("la_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(length=16), server_default="queued", nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stage", sa.String(length=32), nullable=True),
        sa.Column("stage_done", sa.Integer(), nullable=True),
        sa.Column("stage_total", sa.Integer(), nullable=True),
        sa.Column("children", sa.Integer(), nullable=True),
        sa.Column("written", sa.Integer(), nullable=True),
        sa.Column("cleared", sa.Integer(), nullable=True),
        sa.Column("left_to_incremental", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=100), nullable=True),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'done', 'failed')", name=op.f("ck_council_recomputes_state")
        ),
        sa.ForeignKeyConstraint(
            ["la_id"], ["local_authorities.id"], name=op.f("fk_council_recomputes_la_id_local_authorities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_recomputes")),
    )
    op.create_index(
        "ix_council_recomputes_active", "council_recomputes", ["la_id"], unique=True,
        postgresql_where=sa.text("state IN ('queued', 'running')"),
    )
    op.create_index(
        "ix_council_recomputes_la_id_requested_at", "council_recomputes", ["la_id", "requested_at"], unique=False
    )


def downgrade() -> None:
    op.drop_table("council_recomputes")
