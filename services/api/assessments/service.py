import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.assessments.rows import NewVersion, table_of, write_versions
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
from services.api.children.service import get_children
from services.api.instruments import find_instrument, scale_of
from services.api.owned import find_by_external_ids, require_owned
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
    digest: str  # content_hash(body)
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
    db: AsyncSession, la_id: uuid.UUID, bodies: dict[int, AssessmentIn], today: date
) -> dict[int, Checked | list[dict[str, Any]]]:
    """Everything wrong with each new assessment, or what is needed to write it. What they name is read once
    for them all (children, stored assessments, their contents; an instrument once a session), so a batch
    costs a few statements, not a few per item."""
    children = await get_children(db, la_id, (body.child_id for body in bodies.values()), lock=True)
    stored = await find_by_external_ids(db, Assessment, la_id, (body.external_id for body in bodies.values()))
    held = await contents_held(db, [row.id for row in stored.values()])
    checked: dict[int, Checked | list[dict[str, Any]]] = {}
    for index, body in bodies.items():
        child = children.get(body.child_id)
        if child is None:
            checked[index] = [
                field_error("child_id", "no child with this id in your council: PUT /v1/children/{child_id} first")
            ]
            continue
        digest = content_hash(body)
        existing = stored.get(body.external_id)
        if existing is not None and (existing.child_pk != child.id or (existing.id, digest) not in held):
            checked[index] = [
                field_error(
                    "external_id", "already used for an assessment with other content: amend it with PUT and If-Match"
                )
            ]
            continue
        instrument, errors = await content_errors(db, body, child, today)
        checked[index] = errors if errors or instrument is None else Checked(body, digest, child, instrument, existing)
    return checked


async def contents_held(db: AsyncSession, assessment_ids: list[uuid.UUID]) -> set[tuple[uuid.UUID, str]]:
    """(assessment, content hash) of every version of those assessments: sent again, any version's content
    is the assessment's, not a conflict."""
    if not assessment_ids:
        return set()
    rows = await db.execute(
        select(AssessmentVersion.assessment_id, AssessmentVersion.body_hash).where(
            AssessmentVersion.assessment_id.in_(assessment_ids)
        )
    )
    return {(row.assessment_id, row.body_hash) for row in rows}


class Recorded(NamedTuple):
    """An assessment a write recorded or found: its id is all a batch's reply names."""

    id: uuid.UUID


async def apply_new(
    db: AsyncSession, la_id: uuid.UUID, checked: dict[int, Checked]
) -> dict[int, tuple[Recorded, WriteResult]]:
    """The new assessments written in the order given, which is their recorded order (rows sent together, one
    after another); each table in one call."""
    written: dict[int, tuple[Recorded, WriteResult]] = {
        index: (Recorded(ready.existing.id), "existing")
        for index, ready in checked.items()
        if ready.existing is not None
    }
    new = {index: ready for index, ready in checked.items() if ready.existing is None}
    if not new:
        return written
    ids = {index: uuid.uuid4() for index in new}
    rows = [
        {
            "id": ids[index],
            "la_id": la_id,
            "child_pk": ready.child.id,
            "external_id": ready.body.external_id,
            "instrument_id": ready.instrument.id,
            "current_version": 1,
        }
        for index, ready in new.items()
    ]
    await db.execute(insert(table_of(Assessment)), rows)
    written |= {index: (Recorded(ids[index]), "created") for index in new}
    versions = [NewVersion(ids[index], 1, ready.body, ready.digest, ready.instrument) for index, ready in new.items()]
    await write_versions(db, versions)
    final = [ready.child.id for ready in new.values() if ready.body.status == "final"]
    await outbox.request_recomputes(db, la_id, final)
    return written


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
