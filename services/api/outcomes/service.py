"""Recording a child's outcome measures: checked against the council's measure codes, one value per child, code
and period, re-sending the same is no change, and an amendment is a new version with the old one kept."""

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Uuid, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.batches import Errors, WriteResult, write_one
from services.api.children.service import get_children
from services.api.outcomes.schemas import (
    OutcomeMeasureAmendment,
    OutcomeMeasureIn,
    OutcomeMeasureOut,
    OutcomeMeasureVersionOut,
)
from services.api.owned import require_owned
from shared import outbox
from shared.db import among
from shared.domain.lookups import find_by_external_ids
from shared.domain.measure_codes import value_problem
from shared.errors import InvalidInput, PreconditionFailed, field_error
from shared.models import Child, MeasureCode, OutcomeMeasure, OutcomeMeasureVersion
from shared.ssda903 import date_problem

# A measure's place: another value there is another version of the same measure, never a second one.
Place = tuple[uuid.UUID, str, date, date]
NO_SUCH_CHILD = "no child with this id in your council: PUT /v1/children/{child_id} first"
OTHER_CONTENT = "already used for a measure with other content: amend it with PUT"


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


async def held_places(db: AsyncSession, places: list[Place]) -> dict[Place, str]:
    """The measures stored at any of the places, by place: their external ids. One read for a batch's places."""
    if not places:
        return {}
    rows = await db.execute(
        select(
            OutcomeMeasure.child_pk,
            OutcomeMeasure.code,
            OutcomeMeasure.period_start,
            OutcomeMeasure.period_end,
            OutcomeMeasure.external_id,
        ).where(
            among(OutcomeMeasure.child_pk, {place[0] for place in places}, Uuid),
            OutcomeMeasure.code.in_({place[1] for place in places}),
        )
    )
    wanted = set(places)
    return {place: row.external_id for row in rows if (place := (row[0], row[1], row[2], row[3])) in wanted}


def field_errors(body: OutcomeMeasureIn, child: Child, codes: dict[str, MeasureCode], today: date) -> Errors:
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
    return errors


async def check_new(
    db: AsyncSession, la_id: uuid.UUID, bodies: dict[int, OutcomeMeasureIn], codes: dict[str, MeasureCode], today: date
) -> dict[int, Checked | Errors]:
    """Everything wrong with each new measure, or what is needed to write it; what the bodies name read once for
    them all. An earlier item holds its place, as if already written."""
    children = await get_children(db, la_id, (body.child_id for body in bodies.values()), lock=True)
    stored = await find_by_external_ids(db, OutcomeMeasure, la_id, (body.external_id for body in bodies.values()))
    named = {index: children[body.child_id] for index, body in bodies.items() if body.child_id in children}
    held = await held_places(db, [place_of(child, bodies[index]) for index, child in named.items()])
    checked: dict[int, Checked | Errors] = {}
    for index, body in bodies.items():
        child = named.get(index)
        if child is None:
            checked[index] = [field_error("child_id", NO_SUCH_CHILD)]
            continue
        errors = field_errors(body, child, codes, today)
        existing = stored.get(body.external_id)
        if existing is not None:
            if not same_content(existing, child, body):
                checked[index] = [field_error("external_id", OTHER_CONTENT)]
            else:
                checked[index] = errors or Checked(body, child, existing)
            continue
        place = place_of(child, body)
        if (other := held.get(place)) is not None:
            message = f"the child already has {body.code} for this period, as measure '{other}': amend that one"
            errors.append(field_error("period_start", message))
        if not errors:
            held[place] = body.external_id
        checked[index] = errors or Checked(body, child, None)
    return checked


async def apply_new(
    db: AsyncSession, la_id: uuid.UUID, checked: dict[int, Checked]
) -> dict[int, tuple[OutcomeMeasure, WriteResult]]:
    """The new measures written in the order given; the children measured recomputed."""
    written: dict[int, tuple[OutcomeMeasure, WriteResult]] = {}
    for index, ready in checked.items():
        if ready.existing is not None:
            written[index] = (ready.existing, "existing")
            continue
        body = ready.body
        measure = OutcomeMeasure(
            id=uuid.uuid4(),
            la_id=la_id,
            child_pk=ready.child.id,
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
        written[index] = (measure, "created")
    created = [measure.child_pk for measure, outcome in written.values() if outcome == "created"]
    await outbox.request_recomputes(db, la_id, created)
    return written


async def create(
    db: AsyncSession, la_id: uuid.UUID, body: OutcomeMeasureIn, codes: dict[str, MeasureCode], today: date
) -> tuple[OutcomeMeasure, WriteResult]:
    async def checking() -> Checked | Errors:
        return (await check_new(db, la_id, {0: body}, codes, today))[0]

    async def applying(ready: Checked) -> tuple[OutcomeMeasure, WriteResult]:
        return (await apply_new(db, la_id, {0: ready}))[0]

    return await write_one(db, "measure", checking(), applying)


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
