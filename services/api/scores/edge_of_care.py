"""The council's edge of care (issue 16): the children first assessed before any placement episode, by their
highest need at that first assessment: how many are still on the edge of care and how their needs moved since,
and how many came into care within 6 and within 12 months of that assessment, counted among those first
assessed long enough ago to tell. Small numbers withheld for BI, whole for the admin."""

import uuid
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.scores.withheld_rows import Layout, council_threshold, withhold

# Each child's first assessment (the baseline of its kept needs figures) and first episode; the cohort are those
# first assessed before any episode began. An episode begun by today means the child came into care.
EDGE_OF_CARE = """
WITH children AS (
    SELECT t.baseline_max_need AS need, t.baseline_assessed_on AS first_assessed,
           t.total_need - t.baseline_total_need AS change,
           (SELECT min(p.start_date) FROM placements p WHERE p.child_pk = t.child_pk) AS first_placed
    FROM child_needs_trends t
    WHERE t.la_id = :la_id AND t.assessments_count > 0
),
cohort AS (
    SELECT *, first_placed IS NULL OR first_placed > :today AS on_edge,
           (first_assessed + interval '6 months')::date AS six, (first_assessed + interval '12 months')::date AS twelve
    FROM children WHERE first_placed IS NULL OR first_placed > first_assessed
)
SELECT need AS max_need_at_first_assessment,
       count(*) AS first_assessed_on_edge,
       count(*) FILTER (WHERE on_edge) AS on_edge_now,
       round(avg(change) FILTER (WHERE on_edge), 4)::float8 AS on_edge_mean_total_need_change,
       count(*) FILTER (WHERE six <= :today) AS followed_6_months,
       count(*) FILTER (WHERE six <= :today AND first_placed <= six) AS came_into_care_within_6_months,
       count(*) FILTER (WHERE twelve <= :today) AS followed_12_months,
       count(*) FILTER (WHERE twelve <= :today AND first_placed <= twelve) AS came_into_care_within_12_months
FROM cohort
GROUP BY need
ORDER BY need NULLS LAST
"""

LAYOUT = Layout(
    counts=(
        "first_assessed_on_edge",
        "on_edge_now",
        "followed_6_months",
        "came_into_care_within_6_months",
        "followed_12_months",
        "came_into_care_within_12_months",
    ),
    derived={
        "in_care_since": ("first_assessed_on_edge", ("on_edge_now",)),
        "not_in_care_6_months": ("followed_6_months", ("came_into_care_within_6_months",)),
        "not_in_care_12_months": ("followed_12_months", ("came_into_care_within_12_months",)),
    },
    sums=(
        ("first_assessed_on_edge", ("on_edge_now", "in_care_since")),
        ("followed_6_months", ("came_into_care_within_6_months", "not_in_care_6_months")),
        ("followed_12_months", ("came_into_care_within_12_months", "not_in_care_12_months")),
    ),
)
SHARES: dict[str, tuple[str, str]] = {
    "share_into_care_within_6_months": ("came_into_care_within_6_months", "followed_6_months"),
    "share_into_care_within_12_months": ("came_into_care_within_12_months", "followed_12_months"),
}
COLUMNS = (
    "max_need_at_first_assessment",
    "first_assessed_on_edge",
    "on_edge_now",
    "on_edge_mean_total_need_change",
    "followed_6_months",
    "came_into_care_within_6_months",
    "share_into_care_within_6_months",
    "followed_12_months",
    "came_into_care_within_12_months",
    "share_into_care_within_12_months",
    "suppressed",
    "suppressed_columns",
)


def share(part: int | None, whole: int | None) -> float | None:
    return None if part is None or not whole else round(part / whole, 4)


async def read_edge_of_care(
    db: AsyncSession, la_id: uuid.UUID, today: date, *, suppressed: bool
) -> tuple[list[dict[str, Any]], int | None]:
    """The rows, and the threshold they were withheld by (None: whole)."""
    rows = [dict(row) for row in (await db.execute(text(EDGE_OF_CARE), {"la_id": la_id, "today": today})).mappings()]
    threshold = await council_threshold(db, la_id) if suppressed else None
    gone = withhold(rows, LAYOUT, threshold) if threshold is not None else [[] for _ in rows]
    for row, names in zip(rows, gone, strict=True):
        if row["on_edge_now"] is None:
            row["on_edge_mean_total_need_change"] = None  # a mean of a withheld number of children
        for name, (part, whole) in SHARES.items():
            row[name] = share(row[part], row[whole])
        row["suppressed"], row["suppressed_columns"] = bool(names), " ".join(names)
    return [{column: row[column] for column in COLUMNS} for row in rows], threshold
