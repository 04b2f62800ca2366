"""Clients with kinds and scopes, expiring keys, child pseudonyms, the append-only audit log, erasures.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from shared.access import KIND_SCOPES, Kind
from shared.pseudonyms import pseudonym
from shared.settings import get_settings

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = (
    """CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$""",
    """CREATE TRIGGER audit_events_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()""",
    """CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()""",
)


def upgrade() -> None:
    op.create_table(
        "clients",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("la_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("scopes", postgresql.ARRAY(sa.String(length=40)), nullable=False),
        sa.Column("provider_pk", sa.Uuid(), nullable=True),
        sa.Column("oauth_subject", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('case_management', 'provider', 'bi', 'admin')", name=op.f("ck_clients_kind")),
        sa.CheckConstraint(
            "(kind = 'provider') = (provider_pk IS NOT NULL)", name=op.f("ck_clients_provider_bound")
        ),
        sa.ForeignKeyConstraint(
            ["la_id"], ["local_authorities.id"], name=op.f("fk_clients_la_id_local_authorities"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["provider_pk"], ["providers.id"], name=op.f("fk_clients_provider_pk_providers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clients")),
        sa.UniqueConstraint("oauth_subject", name=op.f("uq_clients_oauth_subject")),
    )
    op.create_index(op.f("ix_clients_la_id"), "clients", ["la_id"], unique=False)
    op.create_index(op.f("ix_clients_provider_pk"), "clients", ["provider_pk"], unique=False)

    # Each existing key becomes a case-management client, which is what every key could do before.
    op.add_column("api_keys", sa.Column("client_id", sa.Uuid(), nullable=True))
    op.add_column("api_keys", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    scopes = sorted(KIND_SCOPES[Kind.CASE_MANAGEMENT])
    op.execute(
        sa.text(
            "INSERT INTO clients (id, la_id, kind, name, scopes, created_at) "
            "SELECT id, la_id, 'case_management', name, :scopes, created_at FROM api_keys"
        ).bindparams(sa.bindparam("scopes", scopes, type_=postgresql.ARRAY(sa.String())))
    )
    # Keys from before expiry existed get the default lifetime from now, like a key issued today.
    op.execute("UPDATE api_keys SET client_id = id, expires_at = now() + interval '365 days'")
    op.alter_column("api_keys", "client_id", nullable=False)
    op.alter_column("api_keys", "expires_at", nullable=False)
    op.create_foreign_key(op.f("fk_api_keys_client_id_clients"), "api_keys", "clients", ["client_id"], ["id"])
    op.create_index(op.f("ix_api_keys_client_id"), "api_keys", ["client_id"], unique=False)
    op.drop_index(op.f("ix_api_keys_la_id"), table_name="api_keys")
    op.drop_constraint(op.f("fk_api_keys_la_id_local_authorities"), "api_keys", type_="foreignkey")
    op.drop_column("api_keys", "la_id")
    op.drop_column("api_keys", "name")

    op.add_column(
        "idempotency_records",
        sa.Column("children", postgresql.ARRAY(sa.Uuid()), server_default="{}", nullable=False),
    )

    op.add_column("children", sa.Column("pseudonym", sa.String(length=32), nullable=True))
    key = get_settings().pseudonym_key_bytes
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, la_id, child_id FROM children")).all()
    if rows:
        connection.execute(
            sa.text("UPDATE children SET pseudonym = :pseudonym WHERE id = :id"),
            [{"id": row.id, "pseudonym": pseudonym(key, row.la_id, row.child_id)} for row in rows],
        )
    op.alter_column("children", "pseudonym", nullable=False)
    op.create_unique_constraint("uq_children_pseudonym", "children", ["la_id", "pseudonym"])

    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("clock_timestamp()"), nullable=False),
        sa.Column("la_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("client_kind", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=220), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("route", sa.String(length=200), nullable=False),
        sa.Column("children", postgresql.ARRAY(sa.String(length=32)), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=True),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name=op.f("fk_audit_events_client_id_clients")),
        sa.ForeignKeyConstraint(
            ["la_id"], ["local_authorities.id"], name=op.f("fk_audit_events_la_id_local_authorities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index("ix_audit_events_council", "audit_events", ["la_id", "id"], unique=False)
    op.create_index("ix_audit_events_client", "audit_events", ["la_id", "client_id", "id"], unique=False)
    op.create_index("ix_audit_events_children", "audit_events", ["children"], unique=False, postgresql_using="gin")
    for statement in APPEND_ONLY:
        op.execute(statement)

    op.create_table(
        "erasures",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("la_id", sa.Uuid(), nullable=False),
        sa.Column("child_pseudonym", sa.String(length=32), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["la_id"], ["local_authorities.id"], name=op.f("fk_erasures_la_id_local_authorities"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasures")),
    )
    op.create_index("ix_erasures_council", "erasures", ["la_id", "id"], unique=False)


def downgrade() -> None:
    raise NotImplementedError("0006 keeps the audit log; restore from a backup to go back")
