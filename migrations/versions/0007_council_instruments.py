"""Instruments owned by a council: la_id (NULL for the shipped ones), uniqueness per owner, and the
instruments scopes for the clients that exist.

Revision ID: 0007
Revises: 0006

Existing clients: every case-management, BI and admin client may now read the instruments it rates with
(reference data, no child in it); an admin client that held every scope its kind allowed before may also
manage them, so an unrestricted admin stays unrestricted and a restricted one stays restricted.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

READ, MANAGE = "instruments:read", "instruments:manage"
# The admin scopes before this revision, as a snapshot: later scopes must not change what this grants.
FULL_ADMIN_BEFORE = ("audit:read", "children:erase", "clients:manage", "providers:read", "providers:write")


def grant(scope: str, where: str, **params: object) -> None:
    op.execute(
        sa.text(
            "UPDATE clients SET scopes = ARRAY(SELECT DISTINCT s FROM unnest(scopes || CAST(:scope AS varchar)) s "
            f"ORDER BY s) WHERE NOT (CAST(:scope AS varchar) = ANY(scopes)) AND {where}"
        ).bindparams(scope=scope, **params)
    )


def upgrade() -> None:
    op.add_column("instruments", sa.Column("la_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_instruments_la_id_local_authorities"),
        "instruments",
        "local_authorities",
        ["la_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.drop_constraint(op.f("uq_instruments_code"), "instruments", type_="unique")
    op.create_unique_constraint(op.f("uq_instruments_la_id"), "instruments", ["la_id", "code", "version"])
    op.create_index(
        "uq_instruments_shipped_code_version",
        "instruments",
        ["code", "version"],
        unique=True,
        postgresql_where=sa.text("la_id IS NULL"),
    )
    grant(READ, "kind IN ('case_management', 'bi', 'admin')")
    grant(
        MANAGE,
        "kind = 'admin' AND scopes @> CAST(:full AS varchar[])",
        full=list(FULL_ADMIN_BEFORE),
    )


def downgrade() -> None:
    for scope in (READ, MANAGE):
        op.execute(
            sa.text("UPDATE clients SET scopes = array_remove(scopes, CAST(:scope AS varchar))").bindparams(scope=scope)
        )
    # Refused (foreign key) while an assessment was rated with a council's instrument: nothing is dropped silently.
    op.execute("DELETE FROM instruments WHERE la_id IS NOT NULL")
    op.drop_index("uq_instruments_shipped_code_version", table_name="instruments")
    op.drop_constraint(op.f("uq_instruments_la_id"), "instruments", type_="unique")
    op.create_unique_constraint(op.f("uq_instruments_code"), "instruments", ["code", "version"])
    op.drop_constraint(op.f("fk_instruments_la_id_local_authorities"), "instruments", type_="foreignkey")
    op.drop_column("instruments", "la_id")
