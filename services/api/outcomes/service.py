"""Recording a child's outcome measures: checked against the council's measure codes, one value per child, code
and period, re-sending the same is no change, and an amendment is a new version with the old one kept."""

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.batches import WriteResult, write_one
from services.api.children.service import get_child
from services.api.outcomes.schemas import (
    OutcomeMeasureAmendment,
    OutcomeMeasureIn,
    OutcomeMeasureOut,
    OutcomeMeasureVersionOut,
)
from services.api.owned import find_by_external_id, require_owned
from shared import outbox
from shared.domain.measure_codes import value_problem
from shared.errors import InvalidInput, PreconditionFailed, field_error
from shared.models import Child, MeasureCode, OutcomeMeasure, OutcomeMeasureVersion
from shared.ssda903 import date_problem

# A measure's place: another value there is another version of the same measure, never a second one.
Place = tuple[uuid.UUID, str, date, date]


@dataclass(frozen=True, slots=True)
class Checked:
    body: OutcomeMeasureIn
    child: Child
    existing: OutcomeMeasure | None


def place_of(child: Child, body: OutcomeMeasureIn) -> Place:
    return child.id, body.code, body.period_start, body.last_day


def same_content(stored: OutcomeMeasure, child: Child, body: OutcomeMeasureIn) -> bool:
    return (stored.child_pk, stored.code, stored.period_start, stored.period_end, stored.value, stored.source) == (
        *place_of(child, body),
        body.value,
        body.source,
    )


async def measure_at(db: AsyncSession, place: Place) -> OutcomeMeasure | None:
    child_pk, code, start, end = place
    return await db.scalar(
        select(OutcomeMeasure).where(
            OutcomeMeasure.child_pk == child_pk,
            OutcomeMeasure.code == code,
            OutcomeMeasure.period_start == start,
            OutcomeMeasure.period_end == end,
        )
    )


async def check_new(
    db: AsyncSession,
    la_id: uuid.UUID,
    body: OutcomeMeasureIn,
    codes: dict[str, MeasureCode],
    today: date,
    batch: dict[Place, str] | None = None,
) -> Checked | list[dict[str, Any]]:
    child = await get_child(db, la_id, body.child_id, lock=True)
    if child is None:
        return [field_error("child_id", "no child with this id in your council: PUT /v1/children/{child_id} first")]
    errors = []
    code = codes.get(body.code)
    if code is None:
        errors.append(field_error("code", f"'{body.code}' is not one of your council's measure codes"))
    elif (problem := value_problem(code, body.value)) is not None:
        errors.append(field_error("value", problem))
    if (problem := date_problem(body.period_start, None, child.date_of_birth)) is not None:
        errors.append(field_error("period_start", problem))
    if (problem := date_problem(body.last_day, today)) is not None:
        errors.append(field_error("period_end" if body.period_end else "period_start", problem))
    existing = await find_by_external_id(db, OutcomeMeasure, la_id, body.external_id)
    if existing is not None:
        if not same_content(existing, child, body):
            return [field_error("external_id", "already used for a measure with other content: amend it with PUT")]
        return errors or Checked(body, child, existing)
    place = place_of(child, body)
    other = (batch or {}).get(place)
    if other is None and (stored := await measure_at(db, place)) is not None:
        other = stored.external_id
    if other is not None:
        message = f"the child already has {body.code} for this period, as measure '{other}': amend that one"
        errors.append(field_error("period_start", message))
    return errors or Checked(body, child, None)


async def apply_new(db: AsyncSession, la_id: uuid.UUID, checked: Checked) -> tuple[OutcomeMeasure, WriteResult]:
    if checked.existing is not None:
        return checked.existing, "existing"
    body = checked.body
    measure = OutcomeMeasure(
        id=uuid.uuid4(),
        la_id=la_id,
        child_pk=checked.child.id,
        external_id=body.external_id,
        code=body.code,
        value=body.value,
        period_start=body.period_start,
        period_end=body.last_day,
        source=body.source,
        version=1,
    )
    db.add(measure)
    db.add(OutcomeMeasureVersion(measure_id=measure.id, version=1, value=body.value, source=body.source))
    await outbox.request_recompute(db, la_id, checked.child.id)
    return measure, "created"


async def create(
    db: AsyncSession, la_id: uuid.UUID, body: OutcomeMeasureIn, codes: dict[str, MeasureCode], today: date
) -> tuple[OutcomeMeasure, WriteResult]:
    return await write_one(
        db, "measure", check_new(db, la_id, body, codes, today), lambda ready: apply_new(db, la_id, ready)
    )


async def amend(
    db: AsyncSession,
    la_id: uuid.UUID,
    measure_id: uuid.UUID,
    expected_version: int,
    body: OutcomeMeasureAmendment,
    codes: dict[str, MeasureCode],
) -> OutcomeMeasure:
    child_pk = (await require_owned(db, OutcomeMeasure, la_id, measure_id)).child_pk
    await db.get_one(Child, child_pk, with_for_update=True)
    measure = await require_owned(db, OutcomeMeasure, la_id, measure_id, lock=True)
    if measure.version != expected_version:
        raise PreconditionFailed(f"The measure is at version {measure.version}; read it again before amending.")
    if (measure.value, measure.source) == (body.value, body.source):
        return measure
    code = codes.get(measure.code)
    if code is not None and (problem := value_problem(code, body.value)) is not None:
        raise InvalidInput("The amendment is invalid; nothing was written.", errors=[field_error("value", problem)])
    measure.version += 1
    measure.value, measure.source = body.value, body.source
    db.add(OutcomeMeasureVersion(measure_id=measure.id, version=measure.version, value=body.value, source=body.source))
    await outbox.request_recompute(db, la_id, measure.child_pk)
    await db.flush()
    await db.refresh(measure)
    return measure


async def render(db: AsyncSession, measure: OutcomeMeasure, child_id: str | None = None) -> OutcomeMeasureOut:
    """The measure as the API shows it; the child's id read unless the caller has it (a list of one child's)."""
    if child_id is None:
        child_id = await db.scalar(select(Child.child_id).where(Child.id == measure.child_pk))
    fields = OutcomeMeasureOut.model_fields.keys() - {"child_id"}
    return OutcomeMeasureOut(**{name: getattr(measure, name) for name in fields}, child_id=child_id)


async def versions(db: AsyncSession, measure: OutcomeMeasure) -> list[OutcomeMeasureVersionOut]:
    rows = await db.scalars(
        select(OutcomeMeasureVersion)
        .where(OutcomeMeasureVersion.measure_id == measure.id)
        .order_by(OutcomeMeasureVersion.version)
    )
    return [OutcomeMeasureVersionOut.model_validate(row, from_attributes=True) for row in rows]
