"""Each child's outcome figures (engines/outcomes.py) from what is kept: its per-domain needs figures (the stored
ones, or a window's computed into temporary tables by figures_as_at.py), the outcome areas of its instrument, and
its outcome measures. One reader for a child's endpoint and the council's link figures, so the two never differ."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ARRAY, Uuid, bindparam, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import among
from shared.domain.engines.outcomes import (
    AreaFigures,
    DomainNeed,
    Link,
    Measure,
    MeasureCode,
    MeasureFigures,
    Window,
    area_figures,
    links,
    measure_figures,
)
from shared.domain.figures_copy import STORED, Sink
from shared.domain.measure_codes import codes_of, for_engine
from shared.instruments import InstrumentScale
from shared.models import Instrument, OutcomeMeasure

EVER = Window()


@dataclass(frozen=True, slots=True)
class ChildOutcomes:
    areas: list[AreaFigures]
    measures: list[MeasureFigures]
    links: list[Link]


@dataclass(frozen=True, slots=True)
class InstrumentAreas:
    areas: dict[str, str]  # domain -> outcome area
    top_level: int


async def instrument_areas(db: AsyncSession, la_id: uuid.UUID) -> dict[tuple[str, int], InstrumentAreas]:
    """Every instrument the council may rate with, by (code, version): its domains' outcome areas and top level."""
    rows = await db.scalars(select(Instrument).where(or_(Instrument.la_id.is_(None), Instrument.la_id == la_id)))
    found = {}
    for row in rows:
        scale = InstrumentScale.from_definition(row.definition)
        areas = {domain["code"]: domain["outcome_area"] for domain in row.definition["domains"]}
        found[(row.code, row.version)] = InstrumentAreas(areas, max(scale.levels))
    return found


def domains_query(sink: Sink, some: bool) -> str:
    return f"""
SELECT d.child_pk, c.instrument_code, c.instrument_version, d.domain, d.baseline, d.latest, d.ratings_count,
       d.first_assessed_on, d.latest_assessed_on
FROM {sink.domains} d JOIN {sink.children} c ON c.child_pk = d.child_pk
WHERE d.la_id = :la_id AND d.ratings_count > 0 {"AND d.child_pk = ANY(:children)" if some else ""}
"""


async def domain_needs(
    db: AsyncSession, la_id: uuid.UUID, sink: Sink, children: list[uuid.UUID] | None = None
) -> tuple[dict[uuid.UUID, list[DomainNeed]], dict[uuid.UUID, int]]:
    """The children's (or the whole council's) rated domains with their outcome areas, and each child's
    instrument's top level."""
    instruments = await instrument_areas(db, la_id)
    query = text(domains_query(sink, children is not None))
    if children is not None:
        query = query.bindparams(bindparam("children", children, type_=ARRAY(Uuid)))
    rows = await db.execute(query, {"la_id": la_id})
    needs: dict[uuid.UUID, list[DomainNeed]] = {}
    tops: dict[uuid.UUID, int] = {}
    for row in rows:
        instrument = instruments.get((row.instrument_code, row.instrument_version))
        if instrument is None or row.domain not in instrument.areas:
            continue
        tops[row.child_pk] = instrument.top_level
        needs.setdefault(row.child_pk, []).append(
            DomainNeed(
                row.domain,
                instrument.areas[row.domain],
                row.baseline,
                row.latest,
                row.ratings_count,
                row.first_assessed_on,
                row.latest_assessed_on,
            )
        )
    return needs, tops


async def measures_of(
    db: AsyncSession, la_id: uuid.UUID, window: Window, children: list[uuid.UUID] | None = None
) -> dict[uuid.UUID, list[Measure]]:
    query = select(
        OutcomeMeasure.child_pk,
        OutcomeMeasure.code,
        OutcomeMeasure.value,
        OutcomeMeasure.period_start,
        OutcomeMeasure.period_end,
        OutcomeMeasure.recorded_seq,
    ).where(OutcomeMeasure.la_id == la_id)
    if children is not None:
        query = query.where(among(OutcomeMeasure.child_pk, children, Uuid))
    if window.start is not None:
        query = query.where(OutcomeMeasure.period_end >= window.start)
    if window.end is not None:
        query = query.where(OutcomeMeasure.period_end <= window.end)
    found: dict[uuid.UUID, list[Measure]] = {}
    for row in await db.execute(query):
        measure = Measure(row.code, Decimal(row.value), row.period_start, row.period_end, row.recorded_seq)
        found.setdefault(row.child_pk, []).append(measure)
    return found


def outcomes(
    needs: Iterable[DomainNeed], top_level: int | None, measures: Iterable[Measure], codes: dict[str, MeasureCode]
) -> ChildOutcomes:
    """A measure of a code the council no longer has is left out: nothing says which way it improves."""
    areas = area_figures(needs, top_level) if top_level is not None else []
    figures = measure_figures([m for m in measures if m.code in codes], codes)
    return ChildOutcomes(areas, figures, links(areas, figures))


async def council_outcomes(
    db: AsyncSession,
    la_id: uuid.UUID,
    sink: Sink = STORED,
    window: Window = EVER,
    children: list[uuid.UUID] | None = None,
) -> dict[uuid.UUID, ChildOutcomes]:
    """Every child of the council (or those given) with needs figures or a measure."""
    codes = {code: for_engine(row) for code, row in (await codes_of(db, la_id)).items()}
    needs, tops = await domain_needs(db, la_id, sink, children)
    measures = await measures_of(db, la_id, window, children)
    return {
        child: outcomes(needs.get(child, []), tops.get(child), measures.get(child, []), codes)
        for child in needs.keys() | measures.keys()
    }
