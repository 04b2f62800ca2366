"""A council's measure codes: the shipped ones, each replaced by the council's own of the same code where it has
one (one lookup for the API, the return's import and the figures)."""

import uuid
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.domain.engines.outcomes import Band
from shared.domain.engines.outcomes import MeasureCode as EngineCode
from shared.domain.lookups import visible_to
from shared.models import Instrument, MeasureCode


async def codes_of(db: AsyncSession, la_id: uuid.UUID) -> dict[str, MeasureCode]:
    rows = (
        await db.scalars(
            select(MeasureCode)
            .where(or_(MeasureCode.la_id.is_(None), MeasureCode.la_id == la_id))
            .order_by(MeasureCode.la_id.nulls_first())
        )
    ).all()
    # Shipped first, so the council's own of a code is the one left.
    return dict(sorted({row.code: row for row in rows}.items()))


async def outcome_areas_of(db: AsyncSession, la_id: uuid.UUID) -> set[str]:
    """The outcome areas of every instrument the council can rate with."""
    definitions = await db.scalars(select(Instrument.definition).where(visible_to(la_id)))
    return {area["code"] for definition in definitions for area in definition.get("outcome_areas", [])}


def value_problem(code: MeasureCode, value: Decimal) -> str | None:
    if not code.min_value <= value <= code.max_value:
        return f"must be between {code.min_value.normalize():f} and {code.max_value.normalize():f} for {code.code}"
    return None


def for_engine(code: MeasureCode) -> EngineCode:
    bands = tuple(Band(band["label"], Decimal(str(band["from"]))) for band in code.bands)
    return EngineCode(code.code, code.outcome_area, "lower" if code.better == "lower" else "higher", bands)
