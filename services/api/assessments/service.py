import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.assessments.schemas import AssessmentAmendment, AssessmentOut, RatingOut
from services.api.batches import WriteResult, write_one
from services.api.children.service import get_children
from services.api.owned import require_owned
from shared import outbox
from shared.domain.assessments import writes
from shared.domain.assessments.content import AssessmentIn, Narrative, content_hash
from shared.domain.assessments.rows import NewVersion, write_versions
from shared.domain.assessments.writes import Checked, Recorded, apply_new, content_errors
from shared.errors import InvalidInput, PreconditionFailed, field_error
from shared.models import Assessment, AssessmentVersion, Child, Instrument, Rating

__all__ = ["Checked", "Recorded", "apply_new", "check_new"]


async def check_new(
    db: AsyncSession, la_id: uuid.UUID, bodies: dict[int, AssessmentIn], today: date
) -> dict[int, Checked | list[dict[str, Any]]]:
    """The domain's check (shared/domain/assessments), of the children the caller sees (audit.py)."""
    children = await get_children(db, la_id, (body.child_id for body in bodies.values()), lock=True)
    return await writes.check_new(db, la_id, bodies, children, today)


async def create(db: AsyncSession, la_id: uuid.UUID, body: AssessmentIn, today: date) -> tuple[Assessment, WriteResult]:
    async def checking() -> Checked | list[dict[str, Any]]:
        return (await check_new(db, la_id, {0: body}, today))[0]

    async def applying(ready: Checked) -> tuple[Assessment, WriteResult]:
        recorded, outcome = (await apply_new(db, la_id, {0: ready}))[0]
        return await db.get_one(Assessment, recorded.id), outcome

    return await write_one(db, "assessment", checking(), applying)


async def current_version(db: AsyncSession, assessment: Assessment) -> AssessmentVersion:
    version = await db.scalar(
        select(AssessmentVersion).where(
            AssessmentVersion.assessment_id == assessment.id, AssessmentVersion.version == assessment.current_version
        )
    )
    assert version is not None
    return version


def read_only_errors(
    body: AssessmentAmendment, assessment: Assessment, child: Child, current: AssessmentVersion
) -> list[dict[str, Any]]:
    """The fields GET adds that a PUT carries but that are not the assessment's own: a PUT cannot change them."""
    own = {
        "id": assessment.id,
        "external_id": assessment.external_id,
        "child_id": child.child_id,
        "version": current.version,
        "recorded_at": current.recorded_at,
    }
    return [
        field_error(
            name,
            f"is not this assessment's {name}: a PUT cannot change it (send it as GET returned it, or leave it out)",
        )
        for name, value in own.items()
        if (given := getattr(body, name)) is not None and given != value
    ]


async def amend(
    db: AsyncSession, la_id: uuid.UUID, assessment_id: uuid.UUID, if_match: int, body: AssessmentAmendment, today: date
) -> Assessment:
    # The child first, as every write about a child does, so a birth date cannot move under this check.
    child_pk = (await require_owned(db, Assessment, la_id, assessment_id)).child_pk
    child = await db.get_one(Child, child_pk, with_for_update=True)
    assessment = await require_owned(db, Assessment, la_id, assessment_id, lock=True)
    if assessment.current_version != if_match:
        raise PreconditionFailed(f"The assessment is at version {assessment.current_version}; read it again and retry.")
    previous = await current_version(db, assessment)
    instrument, errors = await content_errors(db, body, child, today)
    errors = read_only_errors(body, assessment, child, previous) + errors
    if errors or instrument is None:
        raise InvalidInput("The amendment is invalid; nothing was written.", errors=errors)
    assessment.current_version += 1
    assessment.instrument_id = instrument.id
    amended = NewVersion(assessment.id, assessment.current_version, body, content_hash(body), instrument)
    await write_versions(db, [amended])
    if "final" in (previous.status, body.status):
        await outbox.request_recompute(db, la_id, child.id)
    await db.flush()
    return assessment


async def render(db: AsyncSession, assessment: Assessment, version: AssessmentVersion | None = None) -> AssessmentOut:
    version = version or await current_version(db, assessment)
    child = await db.get_one(Child, assessment.child_pk)
    instrument = await db.get_one(Instrument, assessment.instrument_id)
    ratings = (await db.scalars(select(Rating).where(Rating.assessment_version_id == version.id))).all()
    return AssessmentOut(
        id=assessment.id,
        external_id=assessment.external_id,
        child_id=child.child_id,
        version=version.version,
        instrument_code=instrument.code,
        instrument_version=instrument.version,
        assessed_on=version.assessed_on,
        context=version.context,
        assessor_role=version.assessor_role,
        status=version.status,
        ratings={
            r.domain: RatingOut(need=r.need, strength=r.strength, not_assessed=r.not_assessed_reason) for r in ratings
        },
        narrative=Narrative.model_validate(version.narrative) if version.narrative else None,
        recorded_at=version.recorded_at,
    )


async def versions(db: AsyncSession, assessment: Assessment) -> list[AssessmentOut]:
    rows = (
        await db.scalars(
            select(AssessmentVersion)
            .where(AssessmentVersion.assessment_id == assessment.id)
            .order_by(AssessmentVersion.version)
        )
    ).all()
    return [await render(db, assessment, row) for row in rows]
