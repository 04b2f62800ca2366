"""A child's needs profile for decision support (domain.md §8): its latest final assessment, as §4's per-child
figures are. The domains that assessment rated are those whose latest rating in the kept needs figures is of its
date (a domain it left unrated keeps an older latest, which is not the child's profile now)."""

import uuid
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# Of a domain row d and its child's row t: the domain was rated at the child's latest assessment.
RATED_AT_LATEST = "d.child_pk = t.child_pk AND d.latest_assessed_on = t.latest_assessed_on"


def rated_at_latest(domain_latest: np.ndarray[Any, Any], child_latest: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """RATED_AT_LATEST on the needs engine's arrays, before they are written (written_needs.py): [child, domain]
    from each domain's latest rating day and each child's latest assessment day, as the rows will hold them."""
    rated: np.ndarray[Any, Any] = domain_latest == child_latest[:, None]
    return rated


LATEST_LEVELS = f"""
SELECT d.domain, d.latest
FROM child_needs_trends t JOIN domain_needs_trends d ON {RATED_AT_LATEST}
WHERE t.child_pk = :child_pk AND t.assessments_count > 0
ORDER BY d.position
"""


async def latest_levels(db: AsyncSession, child_pk: uuid.UUID) -> dict[str, int]:
    """The need level of each domain the child's latest assessment rated, in the instrument's order; empty with
    no final assessment."""
    return {domain: level for domain, level in await db.execute(text(LATEST_LEVELS), {"child_pk": child_pk})}
