"""A compact number per child, for the full recompute's bulk reads into arrays.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # An identity column added to a filled table numbers the existing rows.
    op.add_column("children", sa.Column("seq", sa.BigInteger(), sa.Identity(always=False), nullable=False))
    op.create_unique_constraint(op.f("uq_children_seq"), "children", ["seq"])


def downgrade() -> None:
    op.drop_constraint(op.f("uq_children_seq"), "children", type_="unique")
    op.drop_column("children", "seq")
