"""One child's journey: every final assessment's levels, in the order the trends read them, one
statement. What a chart of the child's needs and strengths over time draws."""

import uuid
from datetime import date

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models import (
    Assessment,
    AssessmentVersion,
    Child,
    Instrument,
    Rating,
    first_recorded,
    is_childs_own_final,
    is_standing_final,
)


class SeriesPoint(BaseModel):
    assessment_id: uuid.UUID = Field(description="The assessment")
    assessed_on: date = Field(description="Its date")
    instrument_code: str = Field(description="Its instrument")
    instrument_version: int = Field(description="Its instrument's version")
    context: str = Field(description="Why it was made")
    assessor_role: str = Field(description="Who assessed, by role")
    stands: bool = Field(
        description="False where a final assessment of the same date, first recorded later, replaces this one"
    )
    needs: dict[str, int | None] = Field(description="Level per domain; null where the domain was not assessed")
    strengths: dict[str, int | None] = Field(description="Strength level per domain; null where not rated")


class SeriesOut(BaseModel):
    """What a provider portal reads: the child by pseudonym only."""

    child_pseudonym: str = Field(description="The child's pseudonym")
    points: list[SeriesPoint] = Field(description="Every final assessment, in date order")


DISAGREEMENT = 2  # levels apart: where the child and the professionals see a need differently


class Disagreement(BaseModel):
    domain: str = Field(description="The domain")
    childs_level: int = Field(description="The child's own latest rating of its need in the domain")
    childs_assessed_on: date = Field(description="When the child rated it")
    professional_level: int = Field(description="The professionals' latest rating of the need")
    professional_assessed_on: date = Field(description="When they rated it")


class ChildSeriesOut(SeriesOut):
    """What the council's case-management system reads: its own child id as well, and the child's own view."""

    child_id: str = Field(description="The council's own id for the child")
    childs_own: list[SeriesPoint] = Field(
        description="The child's own ratings (assessor_role child), in date order: the child's view, not a "
        "professional judgement, so no figure counts them (points holds the professionals')"
    )
    disagreements: list[Disagreement] = Field(
        description=f"The domains where the child's latest own need level and the professionals' latest differ by "
        f"{DISAGREEMENT} levels or more"
    )


def latest_needs(points: list[SeriesPoint]) -> dict[str, tuple[int, date]]:
    """Each domain's latest level in a series, from its standing points."""
    latest: dict[str, tuple[int, date]] = {}
    for point in points:
        if point.stands:
            latest |= {domain: (level, point.assessed_on) for domain, level in point.needs.items() if level is not None}
    return latest


def disagreements(professional: list[SeriesPoint], own: list[SeriesPoint]) -> list[Disagreement]:
    theirs, childs = latest_needs(professional), latest_needs(own)
    return [
        Disagreement(
            domain=domain,
            childs_level=childs[domain][0],
            childs_assessed_on=childs[domain][1],
            professional_level=theirs[domain][0],
            professional_assessed_on=theirs[domain][1],
        )
        for domain in childs
        if domain in theirs and abs(childs[domain][0] - theirs[domain][0]) >= DISAGREEMENT
    ]


async def read_series(db: AsyncSession, child: Child, *, own: bool = False) -> list[SeriesPoint]:
    """The professionals' series, or (own) the child's own ratings, each standing by the same rule."""
    recorded = func.row_number().over(
        partition_by=AssessmentVersion.assessed_on, order_by=[column.desc() for column in first_recorded()]
    )
    rows = (
        await db.execute(
            select(
                Assessment.id,
                AssessmentVersion.assessed_on,
                Instrument.code,
                Instrument.version,
                AssessmentVersion.context,
                AssessmentVersion.assessor_role,
                recorded.label("recorded_rank"),
                func.array_agg(Rating.domain),
                func.array_agg(Rating.need),
                func.array_agg(Rating.strength),
            )
            .join(AssessmentVersion, is_childs_own_final() if own else is_standing_final())
            .join(Instrument, Instrument.id == Assessment.instrument_id)
            .join(Rating, Rating.assessment_version_id == AssessmentVersion.id)
            .where(Assessment.child_pk == child.id)
            .group_by(Assessment.id, AssessmentVersion.id, Instrument.id)
            .order_by(AssessmentVersion.assessed_on, *first_recorded())
        )
    ).all()
    return [
        SeriesPoint(
            assessment_id=row[0],
            assessed_on=row[1],
            instrument_code=row[2],
            instrument_version=row[3],
            context=row[4],
            assessor_role=row[5],
            stands=row[6] == 1,
            needs=dict(zip(row[7], row[8], strict=True)),
            strengths=dict(zip(row[7], row[9], strict=True)),
        )
        for row in rows
    ]
