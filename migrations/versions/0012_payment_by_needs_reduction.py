"""Payment by needs reduction (domain.md §7): contracts with a provider and their versions, and the
statements the worker computes, each with its lines; the scopes to manage contracts and read statements.

Existing clients: provider, BI and admin clients may read statements (a provider only its own); an admin
client that may manage clients may manage contracts.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MANAGE, READ = "contracts:manage", "statements:read"
GRANTS = ((READ, "kind IN ('provider', 'bi', 'admin')"), (MANAGE, "kind = 'admin' AND 'clients:manage' = ANY(scopes)"))
MONEY, SHARE = sa.Numeric(14, 2), sa.Numeric(5, 4)


def upgrade() -> None:
    op.create_table(
        "contracts",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("la_id", sa.Uuid(), sa.ForeignKey("local_authorities.id", ondelete="CASCADE"), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("provider_id", sa.Uuid(), sa.ForeignKey("providers.id"), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("la_id", "code"),
    )
    op.create_index(op.f("ix_contracts_la_id"), "contracts", ["la_id"])
    op.create_index(op.f("ix_contracts_provider_id"), "contracts", ["provider_id"])
    op.create_table(
        "contract_versions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("contract_id", sa.Uuid(), sa.ForeignKey("contracts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("period", sa.String(8), nullable=False),
        sa.Column("tariff", postgresql.JSONB(), nullable=False),
        sa.Column("first_share", SHARE, nullable=False),
        sa.Column("second_share", SHARE, nullable=False),
        sa.Column("sustainment_gap_days", sa.Integer(), nullable=False),
        sa.Column("deadweight", SHARE, nullable=False),
        sa.Column("cap_per_child_year", MONEY, nullable=True),
        sa.Column("cap_per_period", MONEY, nullable=True),
        sa.Column("cap_outcome_share", SHARE, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("contract_id", "version"),
        sa.CheckConstraint("first_share + second_share = 1", name="shares_sum_to_one"),
        sa.CheckConstraint("deadweight >= 0 AND deadweight <= 1", name="deadweight_is_a_share"),
        sa.CheckConstraint("end_date >= effective_from", name="ends_after_it_applies"),
    )
    op.create_index(op.f("ix_contract_versions_contract_id"), "contract_versions", ["contract_id"])
    op.create_table(
        "payment_statements",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("la_id", sa.Uuid(), sa.ForeignKey("local_authorities.id", ondelete="CASCADE"), nullable=False),
        sa.Column("contract_id", sa.Uuid(), sa.ForeignKey("contracts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rules_version", sa.String(16), nullable=False),
        sa.Column("contract_version", sa.Integer(), nullable=False),
        sa.Column("cutoff", sa.Date(), nullable=False),
        sa.Column("inputs_hash", sa.String(64), nullable=False),
        sa.Column("earned", MONEY, nullable=False),
        sa.Column("paid", MONEY, nullable=False),
        sa.Column("withheld", MONEY, nullable=False),
        sa.Column("guard", postgresql.JSONB(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("contract_id", "period_start", "version"),
    )
    op.create_index(op.f("ix_payment_statements_la_id"), "payment_statements", ["la_id"])
    op.create_index(op.f("ix_payment_statements_contract_id"), "payment_statements", ["contract_id"])
    op.create_table(
        "statement_lines",
        sa.Column(
            "statement_id", sa.Uuid(), sa.ForeignKey("payment_statements.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("line", sa.Integer(), primary_key=True),
        sa.Column("child_pseudonym", sa.String(64), nullable=False),
        sa.Column("stay", sa.String(128), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("rule", sa.String(120), nullable=False),
        sa.Column("domain", sa.String(64), nullable=True),
        sa.Column("instalment", sa.SmallInteger(), nullable=True),
        sa.Column("baseline_assessment", sa.String(128), nullable=True),
        sa.Column("confirming_assessment", sa.String(128), nullable=True),
        sa.Column("earned", MONEY, nullable=False),
        sa.Column("paid", MONEY, nullable=False),
        sa.Column("withheld", MONEY, nullable=False),
        sa.Column("capped_by", postgresql.ARRAY(sa.String(20)), nullable=False),
    )
    for scope, where in GRANTS:
        op.execute(
            sa.text(
                "UPDATE clients SET scopes = ARRAY(SELECT DISTINCT s FROM unnest(scopes || CAST(:scope AS varchar)) s "
                f"ORDER BY s) WHERE NOT (CAST(:scope AS varchar) = ANY(scopes)) AND {where}"
            ).bindparams(scope=scope)
        )


def downgrade() -> None:
    for scope, _ in GRANTS:
        op.execute(
            sa.text("UPDATE clients SET scopes = array_remove(scopes, CAST(:scope AS varchar))").bindparams(scope=scope)
        )
    for table in ("statement_lines", "payment_statements", "contract_versions", "contracts"):
        op.drop_table(table)
