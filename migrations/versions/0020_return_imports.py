"""SSDA903 returns loaded as a whole (issue 15): each import a job with its progress, counts and row-level
report, and the uploaded files it waits on (deleted when it ends); each episode remembers the collection
year of the return that last wrote it, so that a later year's return corrects an earlier one's and never
the reverse; admins who manage clients may import.

Revision ID: 0020
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Admins who manage the council's clients may load its return, as they may manage its contracts.
IMPORT = "returns:import"


def upgrade() -> None:
    op.create_table(
        "return_imports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("la_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(length=16), server_default="queued", nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("files", postgresql.ARRAY(sa.String(length=200)), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=True),
        sa.Column("strict", sa.Boolean(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stage", sa.String(length=32), nullable=True),
        sa.Column("counts", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'done', 'refused', 'failed')", name=op.f("ck_return_imports_state")
        ),
        sa.ForeignKeyConstraint(
            ["la_id"],
            ["local_authorities.id"],
            name=op.f("fk_return_imports_la_id_local_authorities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_imports")),
    )
    op.create_index("ix_return_imports_la_id_requested_at", "return_imports", ["la_id", "requested_at"], unique=False)
    op.create_table(
        "import_findings",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("file", sa.String(length=200), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("column", sa.String(length=40), nullable=True),
        sa.Column("value", sa.String(length=200), nullable=True),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("conflicts_with", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["return_imports.id"],
            name=op.f("fk_import_findings_import_id_return_imports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_findings")),
    )
    op.create_index(op.f("ix_import_findings_import_id"), "import_findings", ["import_id"], unique=False)
    op.create_table(
        "import_uploads",
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"], ["return_imports.id"], name=op.f("fk_import_uploads_import_id_return_imports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("import_id", "position", name=op.f("pk_import_uploads")),
    )
    op.add_column("placements", sa.Column("return_year", sa.SmallInteger(), nullable=True))
    op.execute(
        sa.text(
            "UPDATE clients SET scopes = ARRAY(SELECT DISTINCT s FROM unnest(scopes || CAST(:scope AS varchar)) s "
            "ORDER BY s) WHERE NOT (CAST(:scope AS varchar) = ANY(scopes)) AND kind = 'admin' "
            "AND 'clients:manage' = ANY(scopes)"
        ).bindparams(scope=IMPORT)
    )


def downgrade() -> None:
    op.execute(
        sa.text("UPDATE clients SET scopes = array_remove(scopes, CAST(:scope AS varchar))").bindparams(scope=IMPORT)
    )
    op.drop_column("placements", "return_year")
    op.drop_table("import_uploads")
    op.drop_table("import_findings")
    op.drop_table("return_imports")
