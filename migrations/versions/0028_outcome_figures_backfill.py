"""The children whose outcome figures a deployment upgraded to 0027 does not hold yet asked for their recompute
(issue 16): 0027 made the tables empty, and only a child's next recompute fills its rows, so until then its
endpoint and the BI tables showed no outcome figures for children whose needs figures and measures were there.
The worker drains these requests as any others; on a new database there are none.

Revision ID: 0028
Revises: 0027
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A child with a rated domain has an outcome area's row once recomputed, and a child with a measure a measure's.
MISSING_OUTCOME_FIGURES = """
INSERT INTO recompute_requests (la_id, child_pk)
SELECT t.la_id, t.child_pk FROM child_needs_trends t
WHERE EXISTS (SELECT FROM domain_needs_trends d WHERE d.child_pk = t.child_pk AND d.ratings_count > 0)
  AND NOT EXISTS (SELECT FROM child_outcome_areas a WHERE a.child_pk = t.child_pk)
UNION
SELECT m.la_id, m.child_pk FROM outcome_measures m
WHERE NOT EXISTS (SELECT FROM child_outcome_measures k WHERE k.child_pk = m.child_pk)
"""


def upgrade() -> None:
    op.execute(MISSING_OUTCOME_FIGURES)


def downgrade() -> None:
    """The requests are done or pending work, which the schema before this does as well."""
