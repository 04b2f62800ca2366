"""A feed of kept outcome area rows a recompute took away and did not write again (issue 16): the table is
rewritten, not emptied in place, so without it a BI tool syncing it by cursor kept a row that had gone.

Revision ID: 0029
Revises: 0028
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outcome_area_removals",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("la_id", sa.Uuid(), nullable=False),
        sa.Column("child_pk", sa.Uuid(), sa.ForeignKey("children.id", ondelete="CASCADE"), nullable=False),
        sa.Column("outcome_area", sa.String(64), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column(
            "row_version",
            sa.BigInteger(),
            server_default=sa.text("nextval('figures_row_version_seq')"),
            nullable=False,
        ),
    )
    op.create_index(
        "ix_outcome_area_removals_council_row_version", "outcome_area_removals", ["la_id", "row_version"]
    )
    op.create_index("ix_outcome_area_removals_child_pk", "outcome_area_removals", ["child_pk"])


def downgrade() -> None:
    op.drop_table("outcome_area_removals")
