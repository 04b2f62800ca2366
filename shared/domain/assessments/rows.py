"""An assessment's versions and their ratings written as rows, however many at once: the ORM's bookkeeping per
row cost more than the database's own work on a batch of 1,000."""

import uuid
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.domain.assessments.content import AssessmentContent
from shared.domain.lookups import scale_of
from shared.models import AssessmentVersion, Base, Instrument


def table_of(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


@dataclass(frozen=True, slots=True)
class NewVersion:
    assessment_id: uuid.UUID
    version: int
    body: AssessmentContent
    digest: str
    instrument: Instrument


async def write_versions(db: AsyncSession, new: list[NewVersion]) -> None:
    """The versions and their ratings, each table in one call however many versions: the versions' rows sent
    together (executemany), the ratings as one statement."""
    rows = [
        {
            "id": uuid.uuid4(),
            "assessment_id": v.assessment_id,
            "version": v.version,
            "assessed_on": v.body.assessed_on,
            "context": v.body.context,
            "assessor_role": v.body.assessor_role,
            "status": v.body.status,
            "narrative": v.body.narrative.model_dump() if v.body.narrative else None,
            "body_hash": v.digest,
        }
        for v in new
    ]
    if not rows:
        return
    await db.execute(insert(table_of(AssessmentVersion)), rows)
    # The domains' places by instrument, not by version: a batch names one instrument a thousand times.
    positions = {i.id: positions_of(i) for i in {v.instrument.id: v.instrument for v in new}.values()}
    ratings = [
        (row["id"], domain, positions[v.instrument.id][domain], rating.need, rating.strength, rating.not_assessed)
        for row, v in zip(rows, new, strict=True)
        for domain, rating in v.body.ratings.items()
    ]
    await db.execute(INSERT_RATINGS, dict(zip(RATING_COLUMNS, map(list, zip(*ratings, strict=True)), strict=True)))


# A column an array: one statement and a few parameters however many ratings, and the database's errors reach
# the API as SQLAlchemy's (problems.py), as a COPY's would not.
INSERT_RATINGS = text("""
INSERT INTO ratings (assessment_version_id, domain, position, need, strength, not_assessed_reason)
SELECT * FROM unnest(
    CAST(:versions AS uuid[]), CAST(:domains AS text[]), CAST(:positions AS smallint[]),
    CAST(:needs AS smallint[]), CAST(:strengths AS smallint[]), CAST(:reasons AS text[])
)
""")
RATING_COLUMNS = ("versions", "domains", "positions", "needs", "strengths", "reasons")


def positions_of(instrument: Instrument) -> dict[str, int]:
    return {domain: position for position, domain in enumerate(scale_of(instrument).domains)}
