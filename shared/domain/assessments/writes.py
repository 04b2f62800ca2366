"""New assessments checked and written for a whole batch at once: what they name read in a few statements, not
a few per item, and each table written in one call."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, NamedTuple

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared import outbox
from shared.domain.assessments.content import AssessmentContent, AssessmentIn, content_hash
from shared.domain.assessments.rows import NewVersion, table_of, write_versions
from shared.domain.assessments.rules import date_errors, rating_errors
from shared.domain.lookups import find_by_external_ids, find_instrument, scale_of
from shared.errors import field_error
from shared.models import Assessment, AssessmentVersion, Child, Instrument

Errors = list[dict[str, Any]]
# What a batch reports of each item; a new assessment is never "updated".
Outcome = Literal["created", "updated", "existing"]
NO_SUCH_CHILD = "no child with this id in your council: PUT /v1/children/{child_id} first"
OTHER_CONTENT = "already used for an assessment with other content: amend it with PUT and If-Match"


@dataclass(frozen=True, slots=True)
class Checked:
    body: AssessmentIn
    digest: str  # content_hash(body)
    child: Child
    instrument: Instrument
    existing: Assessment | None


class Recorded(NamedTuple):
    """An assessment a write recorded or found: its id is all a batch's reply names."""

    id: uuid.UUID


async def content_errors(
    db: AsyncSession, body: AssessmentContent, child: Child, today: date
) -> tuple[Instrument | None, Errors]:
    instrument = await find_instrument(db, child.la_id, body.instrument_code, body.instrument_version)
    if instrument is None:
        return None, [field_error("instrument_code", f"no instrument '{body.instrument_code}' at that version")]
    errors = rating_errors(body, scale_of(instrument)) + date_errors(body.assessed_on, child.date_of_birth, today)
    return instrument, errors


async def check_new(
    db: AsyncSession, la_id: uuid.UUID, bodies: dict[int, AssessmentIn], children: Mapping[str, Child], today: date
) -> dict[int, Checked | Errors]:
    """Everything wrong with each new assessment, or what is needed to write it. `children` are those the bodies
    name, read (and locked) by the caller; the stored assessments and their contents are read once for them all,
    an instrument once a session."""
    stored = await find_by_external_ids(db, Assessment, la_id, (body.external_id for body in bodies.values()))
    held = await contents_held(db, [row.id for row in stored.values()])
    checked: dict[int, Checked | Errors] = {}
    for index, body in bodies.items():
        child = children.get(body.child_id)
        if child is None:
            checked[index] = [field_error("child_id", NO_SUCH_CHILD)]
            continue
        digest = content_hash(body)
        existing = stored.get(body.external_id)
        if existing is not None and (existing.child_pk != child.id or (existing.id, digest) not in held):
            checked[index] = [field_error("external_id", OTHER_CONTENT)]
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


async def apply_new(
    db: AsyncSession, la_id: uuid.UUID, checked: dict[int, Checked]
) -> dict[int, tuple[Recorded, Outcome]]:
    """The new assessments written in the order given, which is their recorded order (rows sent together, one
    after another); each table in one call. The children whose final assessments land are recomputed."""
    written: dict[int, tuple[Recorded, Outcome]] = {
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
