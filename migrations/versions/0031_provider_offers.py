"""What each provider declares it can offer (issue 17, matching): placement group, weekly cost, places, the
postcode districts it takes children from, and per domain the need levels it can meet.

Revision ID: 0031
Revises: 0030
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "provider_offers",
        sa.Column(
            "provider_pk", sa.Uuid(), sa.ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("la_id", sa.Uuid(), sa.ForeignKey("local_authorities.id", ondelete="CASCADE"), nullable=False),
        sa.Column("placement_group", sa.String(32), nullable=False),
        sa.Column("weekly_cost", sa.Numeric(10, 2), nullable=False),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("areas", postgresql.ARRAY(sa.String(8)), nullable=False),
        sa.Column("meets", postgresql.JSONB(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_provider_offers_la_id", "provider_offers", ["la_id"])


def downgrade() -> None:
    op.drop_table("provider_offers")
