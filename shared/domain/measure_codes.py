"""A council's measure codes: the shipped ones, each replaced by the council's own of the same code where it has
one (one lookup for the API, the return's import and the figures)."""

import uuid
from decimal import Decimal

from sqlalchemy import Uuid, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import among
from shared.domain.engines.outcomes import Band
from shared.domain.engines.outcomes import MeasureCode as EngineCode
from shared.domain.lookups import visible_to
from shared.models import Instrument, MeasureCode


async def codes_of(db: AsyncSession, la_id: uuid.UUID) -> dict[str, MeasureCode]:
    return (await codes_of_councils(db, [la_id]))[la_id]


async def codes_of_councils(db: AsyncSession, la_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, MeasureCode]]:
    """Each council's codes by code, read at once for them all."""
    rows = (
        await db.scalars(
            select(MeasureCode).where(or_(MeasureCode.la_id.is_(None), among(MeasureCode.la_id, la_ids, Uuid)))
        )
    ).all()
    shipped = {row.code: row for row in rows if row.la_id is None}
    return {
        la_id: dict(sorted((shipped | {row.code: row for row in rows if row.la_id == la_id}).items()))
        for la_id in la_ids
    }


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
