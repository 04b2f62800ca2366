"""Idempotency-Key replies are kept per client, not per council: two systems of one council choose their
keys without knowing of each other, so one's key must never replay, or refuse, the other's request.

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("idempotency_records", sa.Column("client_id", sa.Uuid(), nullable=True))
    op.drop_constraint("uq_idempotency_records_la_id", "idempotency_records", type_="unique")
    # Which client sent a stored reply was never recorded. Until it is pruned (IDEMPOTENCY_RETAIN_HOURS),
    # each goes on replaying for every client that could have sent it, the council's case-management ones,
    # so a retry across the upgrade is still answered as before.
    op.execute(
        "INSERT INTO idempotency_records "
        "(id, la_id, client_id, key, request_hash, status_code, response, children, created_at) "
        "SELECT gen_random_uuid(), record.la_id, client.id, record.key, record.request_hash, record.status_code, "
        "record.response, record.children, record.created_at "
        "FROM idempotency_records record "
        "JOIN clients client ON client.la_id = record.la_id AND client.kind = 'case_management'"
    )
    op.execute("DELETE FROM idempotency_records WHERE client_id IS NULL")
    op.alter_column("idempotency_records", "client_id", nullable=False)
    op.create_foreign_key(
        op.f("fk_idempotency_records_client_id_clients"), "idempotency_records", "clients", ["client_id"], ["id"]
    )
    op.create_unique_constraint(op.f("uq_idempotency_records_client_id"), "idempotency_records", ["client_id", "key"])


def downgrade() -> None:
    # A council's key again: of the replies several clients hold under one key, the first stands.
    op.execute(
        "DELETE FROM idempotency_records later USING idempotency_records earlier "
        "WHERE later.la_id = earlier.la_id AND later.key = earlier.key "
        "AND (later.created_at, later.id) > (earlier.created_at, earlier.id)"
    )
    op.drop_constraint(op.f("uq_idempotency_records_client_id"), "idempotency_records", type_="unique")
    op.drop_constraint(op.f("fk_idempotency_records_client_id_clients"), "idempotency_records", type_="foreignkey")
    op.drop_column("idempotency_records", "client_id")
    op.create_unique_constraint(op.f("uq_idempotency_records_la_id"), "idempotency_records", ["la_id", "key"])
