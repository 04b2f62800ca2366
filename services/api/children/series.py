"""One child's journey: every final assessment's levels, in the order the trends read them, one
statement. What a chart of the child's needs and strengths over time draws."""

import uuid
from datetime import date

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models import Assessment, AssessmentVersion, Child, Instrument, Rating, first_recorded, is_standing_final


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


class ChildSeriesOut(SeriesOut):
    """What the council's case-management system reads: its own child id as well."""

    child_id: str = Field(description="The council's own id for the child")


async def read_series(db: AsyncSession, child: Child) -> list[SeriesPoint]:
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
            .join(AssessmentVersion, is_standing_final())
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
