"""Figures written in bulk at national scale (issue 4).

- Each rating keeps its domain's place in its instrument, so the full recompute reads the ratings table
  alone, with no join per rating.
- Figure rows carry no foreign key checked per row: the council is the child's (denormalised for
  filtering), and a child's domain rows go with its child row by a statement trigger, one DELETE
  however many children. A recompute of 10 million ratings writes a million domain rows; two
  per-row key checks each more than doubled the write.
- One index (council, row version) serves the BI pages, which filter by council and page by row
  version, in place of three single-column indexes.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIGURES = ("child_needs_trends", "domain_needs_trends")

POSITIONS = """
UPDATE ratings r SET position = p.position
FROM assessment_versions v, assessments a,
     LATERAL (SELECT (o - 1)::int2 AS position, d ->> 'code' AS code
              FROM instruments i, jsonb_array_elements(i.definition -> 'domains') WITH ORDINALITY AS t(d, o)
              WHERE i.id = a.instrument_id) p
WHERE v.id = r.assessment_version_id AND a.id = v.assessment_id AND p.code = r.domain
"""

CASCADE = (
    """
CREATE FUNCTION domain_figures_follow_child() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM domain_needs_trends d USING gone WHERE d.child_pk = gone.child_pk;
    RETURN NULL;
END $$
""",
    """
CREATE TRIGGER domain_figures_follow_child AFTER DELETE ON child_needs_trends
REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION domain_figures_follow_child()
""",
)


def upgrade() -> None:
    op.add_column("ratings", sa.Column("position", sa.SmallInteger(), nullable=True))
    op.execute(POSITIONS)
    op.alter_column("ratings", "position", nullable=False)
    op.execute("DELETE FROM domain_needs_trends d WHERE NOT EXISTS "
               "(SELECT 1 FROM child_needs_trends c WHERE c.child_pk = d.child_pk)")
    op.drop_constraint("fk_domain_needs_trends_child_pk_children", "domain_needs_trends", type_="foreignkey")
    for statement in CASCADE:
        op.execute(statement)
    for table in FIGURES:
        op.drop_constraint(f"fk_{table}_la_id_local_authorities", table, type_="foreignkey")
        for column in ("la_id", "row_version", "computed_at"):
            op.drop_index(f"ix_{table}_{column}", table_name=table)
        op.create_index(f"ix_{table}_council_row_version", table, ["la_id", "row_version"])


def downgrade() -> None:
    for table in FIGURES:
        op.drop_index(f"ix_{table}_council_row_version", table_name=table)
        for column in ("la_id", "row_version", "computed_at"):
            op.create_index(f"ix_{table}_{column}", table, [column])
        op.create_foreign_key(
            f"fk_{table}_la_id_local_authorities", table, "local_authorities", ["la_id"], ["id"], ondelete="CASCADE"
        )
    op.execute("DROP TRIGGER domain_figures_follow_child ON child_needs_trends")
    op.execute("DROP FUNCTION domain_figures_follow_child()")
    op.create_foreign_key(
        "fk_domain_needs_trends_child_pk_children", "domain_needs_trends", "children", ["child_pk"], ["id"],
        ondelete="CASCADE",
    )
    op.drop_column("ratings", "position")
