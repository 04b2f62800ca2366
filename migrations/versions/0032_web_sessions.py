"""People signed in to the web pages (issue 18): sessions, and one-time sign-in links, each kept as the digest
of a token only the browser holds.

Revision ID: 0032
Revises: 0031
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("la_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("provider_pk", sa.Uuid(), nullable=True),
        sa.Column("actor", sa.String(length=220), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name=op.f("fk_web_sessions_client_id_clients")),
        sa.ForeignKeyConstraint(
            ["la_id"], ["local_authorities.id"], name=op.f("fk_web_sessions_la_id_local_authorities"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["provider_pk"], ["providers.id"], name=op.f("fk_web_sessions_provider_pk_providers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_sessions_token_hash")),
    )
    op.create_index(op.f("ix_web_sessions_la_id"), "web_sessions", ["la_id"], unique=False)
    op.create_table(
        "web_sign_in_links",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("la_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("provider_pk", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["la_id"],
            ["local_authorities.id"],
            name=op.f("fk_web_sign_in_links_la_id_local_authorities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["provider_pk"], ["providers.id"], name=op.f("fk_web_sign_in_links_provider_pk_providers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sign_in_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_web_sign_in_links_token_hash")),
    )
    op.create_index(op.f("ix_web_sign_in_links_la_id"), "web_sign_in_links", ["la_id"], unique=False)


def downgrade() -> None:
    op.drop_table("web_sign_in_links")
    op.drop_table("web_sessions")
