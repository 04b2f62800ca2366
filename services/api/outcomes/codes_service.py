"""A council's own measure code defined, by its admin through the API or the operator's CLI."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.outcomes.schemas import MeasureCodeIn
from shared import outbox
from shared.domain.measure_codes import codes_of, outcome_areas_of
from shared.errors import InvalidInput, field_error
from shared.models import MeasureCode, OutcomeMeasure


async def define(db: AsyncSession, la_id: uuid.UUID, code: str, body: MeasureCodeIn) -> MeasureCode:
    """The council's own definition of the code, new or replacing its earlier one (a shipped one stays for the
    other councils)."""
    areas = await outcome_areas_of(db, la_id)
    if body.outcome_area not in areas:
        message = f"is not an outcome area of your council's instruments ({', '.join(sorted(areas))})"
        raise InvalidInput(
            "The measure code is invalid; nothing was written.", errors=[field_error("outcome_area", message)]
        )
    current = (await codes_of(db, la_id)).get(code)
    row = current if current is not None and current.la_id == la_id else None
    if row is None:
        row = MeasureCode(la_id=la_id, code=code)
        db.add(row)
    row.label, row.outcome_area, row.unit = body.label, body.outcome_area, body.unit
    row.min_value, row.max_value, row.better = body.min_value, body.max_value, body.better
    row.bands = [{"label": band.label, "from": float(band.from_)} for band in body.bands]
    await db.flush()
    await db.refresh(row)
    # What the code means changed (its area, direction or bands): its measures' figures follow, child by child.
    measured = await db.scalars(
        select(OutcomeMeasure.child_pk).where(OutcomeMeasure.la_id == la_id, OutcomeMeasure.code == code).distinct()
    )
    await outbox.request_recomputes(db, la_id, sorted(measured))
    return row
