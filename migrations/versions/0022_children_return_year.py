"""Each child remembers the collection year of the SSDA903 return that last wrote its details (null: written
through the API), so that an earlier year's return loaded after a later one does not undo its corrections.

Revision ID: 0022
Revises: 0021
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("children", sa.Column("return_year", sa.SmallInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("children", "return_year")
