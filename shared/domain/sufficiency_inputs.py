"""The council's sufficiency profiles (engines/sufficiency.py) from what it keeps: each child's profile from its
kept needs figures (child_profile.py), whether it is looked after and where from its kept decision figures and its
open episode, and the offers its providers declared, under its rules in force."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import driver
from shared.domain.child_profile import RATED_AT_LATEST
from shared.domain.decision_rules import current_rules
from shared.domain.engines.sufficiency import PLACED, WAITING, ChildNeeds, ProfileRow, profiles
from shared.domain.provider_offers import offers_of
from shared.ssda903 import sector_district

WAITS = "placement_request"  # the context of an assessment asking for a placement

CHILDREN = f"""
WITH profile AS (
    SELECT t.child_pk, t.latest_assessment_id, array_agg(d.domain ORDER BY d.position) AS domains,
        array_agg(d.latest ORDER BY d.position) AS levels
    FROM child_needs_trends t JOIN domain_needs_trends d ON {RATED_AT_LATEST}
    WHERE t.la_id = $1 AND t.assessments_count > 0
    GROUP BY t.child_pk, t.latest_assessment_id
)
SELECT p.domains, p.levels, coalesce(f.looked_after, false) AS looked_after, f.current_group, v.context,
    (SELECT e.postcode_sector FROM placements e WHERE e.child_pk = p.child_pk AND e.end_date IS NULL
     ORDER BY e.start_date DESC LIMIT 1) AS sector
FROM profile p
LEFT JOIN child_decision_figures f ON f.child_pk = p.child_pk
JOIN assessments a ON a.id = p.latest_assessment_id
JOIN assessment_versions v ON v.assessment_id = a.id AND v.version = a.current_version
"""


@dataclass(frozen=True, slots=True)
class Sufficiency:
    rules_version: int
    rows: list[ProfileRow]


def child_of(row: Mapping[str, Any]) -> ChildNeeds | None:
    """A child looked after is placed; one not, whose latest assessment asks for a placement, is waiting."""
    if row["looked_after"]:
        status = PLACED
    elif row["context"] == WAITS:
        status = WAITING
    else:
        return None
    sector = row["sector"]
    district = sector_district(sector) if isinstance(sector, str) else None
    levels = dict(zip(row["domains"], row["levels"], strict=True))
    return ChildNeeds(status, levels, row["current_group"] if status == PLACED else None, district)


async def sufficiency(db: AsyncSession, la_id: uuid.UUID) -> Sufficiency:
    version, rules = (await current_rules(db, [la_id]))[la_id]
    rows = await (await driver(db)).fetch(CHILDREN, la_id)
    children = [found for found in map(child_of, rows) if found is not None]
    offers = await offers_of(db, la_id)
    return Sufficiency(
        version,
        profiles(
            children,
            offers,
            rules.sufficiency,
            rules.matching.needs_from,
            rules.savings.family_groups,
            rules.step_down.residential_groups,
        ),
    )
