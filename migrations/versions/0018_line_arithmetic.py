"""Each statement line's arithmetic, so a provider can check it by hand (domain.md §7.6-§7.7): the
tariff, the instalment's share, the attribution's days (with the provider, and in all), the deadweight,
and the room left under each cap in force before it was paid. Outputs of the engine, stored with the
line; never part of the statement's inputs hash.

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY, SHARE = sa.Numeric(14, 2), sa.Numeric(5, 4)
COLUMNS = (
    ("tariff", MONEY), ("share", SHARE), ("days_with_provider", sa.Integer()), ("days_in_interval", sa.Integer()),
    ("deadweight", SHARE), ("room_per_child_year", MONEY), ("room_per_period", MONEY),
    ("room_outcome_share", MONEY),
)


def upgrade() -> None:
    for name, kind in COLUMNS:
        op.add_column("statement_lines", sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    for name, _ in reversed(COLUMNS):
        op.drop_column("statement_lines", name)
