"""A contract whose statements an input change has made stale, marked in the change's own transaction:
a refresh job, or the sweep, brings them up to date once for many changes.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("contracts", sa.Column("statements_stale_since", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_contracts_statements_stale", "contracts", ["statements_stale_since"],
        postgresql_where=sa.text("statements_stale_since IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_contracts_statements_stale", table_name="contracts")
    op.drop_column("contracts", "statements_stale_since")
