"""Load the default instrument, needs-v1, as data.

Revision ID: 0002
Revises: 0001
"""

import json
import uuid
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A snapshot taken at migration time: later edits to the file need a new instrument version.
DEFINITION = json.loads(
    (Path(__file__).resolve().parents[2] / "shared" / "instruments" / "needs-v1.json").read_text()
)

instruments = sa.table(
    "instruments",
    sa.column("id", sa.Uuid),
    sa.column("code", sa.String),
    sa.column("version", sa.Integer),
    sa.column("definition", JSONB),
    sa.column("compatible_with", sa.ARRAY(sa.Integer)),
)


def upgrade() -> None:
    op.bulk_insert(
        instruments,
        [
            {
                "id": uuid.UUID("00000000-0000-4000-8000-000000000001"),
                "code": DEFINITION["code"],
                "version": DEFINITION["version"],
                "definition": DEFINITION,
                "compatible_with": DEFINITION["compatible_with"],
            }
        ],
    )


def downgrade() -> None:
    op.execute(instruments.delete().where(instruments.c.code == DEFINITION["code"]))
