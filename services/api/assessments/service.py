import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.assessments.schemas import (
    AssessmentAmendment,
    AssessmentContent,
    AssessmentIn,
    AssessmentOut,
    Narrative,
    RatingOut,
)
from services.api.assessments.validation import date_errors, rating_errors
from services.api.batches import WriteResult, write_one
from services.api.children.service import get_child
from services.api.instruments import find_instrument, scale_of
from services.api.owned import find_by_external_id, require_owned
from shared import outbox
from shared.errors import InvalidInput, PreconditionFailed, field_error
from shared.models import Assessment, AssessmentVersion, Child, Instrument, Rating


def content_hash(body: AssessmentContent) -> str:
    # The content alone: the ids a new assessment or an amendment also carries are not part of it.
    content = body.model_dump(mode="json", include=set(AssessmentContent.model_fields))
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Checked:
    body: AssessmentIn
    child: Child
    instrument: Instrument
    existing: Assessment | None


async def content_errors(
    db: AsyncSession, body: AssessmentContent, child: Child, today: date
) -> tuple[Instrument | None, list[dict[str, Any]]]:
    instrument = await find_instrument(db, child.la_id, body.instrument_code, body.instrument_version)
    if instrument is None:
        return None, [field_error("instrument_code", f"no instrument '{body.instrument_code}' at that version")]
    errors = rating_errors(body, scale_of(instrument)) + date_errors(body.assessed_on, child.date_of_birth, today)
    return instrument, errors


async def check_new(
    db: AsyncSession, la_id: uuid.UUID, body: AssessmentIn, today: date
) -> Checked | list[dict[str, Any]]:
    """Everything wrong with a new assessment, or what is needed to write it."""
    child = await get_child(db, la_id, body.child_id, lock=True)
    if child is None:
        return [field_error("child_id", "no child with this id in your council: PUT /v1/children/{child_id} first")]
    existing = await find_by_external_id(db, Assessment, la_id, body.external_id)
    if existing is not None and (
        existing.child_pk != child.id or not await has_content(db, existing, content_hash(body))
    ):
        return [
            field_error(
                "external_id", "already used for an assessment with other content: amend it with PUT and If-Match"
            )
        ]
    instrument, errors = await content_errors(db, body, child, today)
    if errors or instrument is None:
        return errors
    return Checked(body, child, instrument, existing)


async def has_content(db: AsyncSession, assessment: Assessment, digest: str) -> bool:
    found = await db.scalar(
        select(AssessmentVersion.id).where(
            AssessmentVersion.assessment_id == assessment.id, AssessmentVersion.body_hash == digest
        )
    )
    return found is not None


async def write_version(
    db: AsyncSession, assessment: Assessment, version: int, body: AssessmentContent, instrument: Instrument
) -> AssessmentVersion:
    row = AssessmentVersion(
        id=uuid.uuid4(),
        assessment_id=assessment.id,
        version=version,
        assessed_on=body.assessed_on,
        context=body.context,
        assessor_role=body.assessor_role,
        status=body.status,
        narrative=body.narrative.model_dump() if body.narrative else None,
        body_hash=content_hash(body),
    )
    db.add(row)
    domains = scale_of(instrument).domains
    db.add_all(
        Rating(
            assessment_version_id=row.id,
            domain=domain,
            position=domains.index(domain),
            need=rating.need,
            strength=rating.strength,
            not_assessed_reason=rating.not_assessed,
        )
        for domain, rating in body.ratings.items()
    )
    return row


async def apply_new(db: AsyncSession, la_id: uuid.UUID, checked: Checked) -> tuple[Assessment, WriteResult]:
    if checked.existing is not None:
        return checked.existing, "existing"
    assessment = Assessment(
        id=uuid.uuid4(),
        la_id=la_id,
        child_pk=checked.child.id,
        external_id=checked.body.external_id,
        instrument_id=checked.instrument.id,
        current_version=1,
    )
    db.add(assessment)
    await write_version(db, assessment, 1, checked.body, checked.instrument)
    if checked.body.status == "final":
        await outbox.request_recompute(db, la_id, checked.child.id)
    return assessment, "created"


async def create(db: AsyncSession, la_id: uuid.UUID, body: AssessmentIn, today: date) -> tuple[Assessment, WriteResult]:
    return await write_one(
        db, "assessment", check_new(db, la_id, body, today), lambda ready: apply_new(db, la_id, ready)
    )


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
    await write_version(db, assessment, assessment.current_version, body, instrument)
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
