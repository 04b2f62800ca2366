"""Each child's outcome figures (domain.md §5) kept by the worker, in the transaction that writes its needs
figures: a drain's burst rewrites its children's, a council's recompute the council's, from the needs figures as
just written and the child's outcome measures (a measure recorded or amended asks for the child's recompute, as
an assessment does). What the child's endpoint and the council's link figures read, as outcome_inputs.py would
compute them."""

import uuid
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Uuid, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import among, driver
from shared.domain.engines.outcomes import (
    AreaFigures,
    AreaSums,
    MeasureFigures,
    area_of,
    index_of_sum,
    links,
    measure_figures,
)
from shared.domain.outcome_inputs import ChildOutcomes, Inputs, council_inputs
from shared.models import ChildOutcomeArea, ChildOutcomeMeasure

# Every column but the row version, which the database sets on each write.
AREA_COLUMNS = tuple(c.name for c in ChildOutcomeArea.__table__.columns if c.name != "row_version")
MEASURE_COLUMNS = tuple(c.name for c in ChildOutcomeMeasure.__table__.columns if c.name != "row_version")


FOUR_PLACES = Decimal("0.0001")


def places(total: int, count: int) -> Decimal:
    """A mean to 4 places, half up, as BI reads it (the exact fraction stays in the sums)."""
    return (Decimal(total) / Decimal(count)).quantize(FOUR_PLACES, ROUND_HALF_UP)


def area_row(child: uuid.UUID, la_id: uuid.UUID, sums: AreaSums, top: int, now: datetime | None) -> tuple[Any, ...]:
    """The kept row of an area, from its sums as the engine reads them (engines/outcomes.py area_of)."""
    rated = sums.domains_rated
    values = {
        "child_pk": child,
        "outcome_area": sums.outcome_area,
        "la_id": la_id,
        "domains_rated": rated,
        "baseline_need_sum": sums.baseline_sum,
        "latest_need_sum": sums.latest_sum,
        "changed": sums.changed,
        "baseline_area_need": places(sums.baseline_sum, rated),
        "latest_area_need": places(sums.latest_sum, rated),
        "area_need_change": places(sums.latest_sum - sums.baseline_sum, rated) if sums.changed else None,
        "top_level": top,
        "baseline_outcome_index": index_of_sum(sums.baseline_sum, rated, top),
        "latest_outcome_index": index_of_sum(sums.latest_sum, rated, top),
        "period_start": sums.period_start,
        "period_end": sums.period_end,
        "computed_at": now,
    }
    return tuple(values[column] for column in AREA_COLUMNS)


def rows(
    la_id: uuid.UUID, inputs: Inputs, now: datetime | None, left_out: set[uuid.UUID]
) -> tuple[list[Any], list[Any]]:
    """The kept rows of the children's areas and measures."""
    children = inputs.children - left_out
    areas = [
        area_row(child, la_id, each, inputs.tops[child], now)
        for child in children
        for each in inputs.sums.get(child, [])
    ]
    measures = [
        measure_row(child, la_id, figures, now)
        for child in children
        for figures in measure_figures(inputs.measures_of(child), inputs.codes)
    ]
    return areas, measures


def measure_row(child: uuid.UUID, la_id: uuid.UUID, measure: MeasureFigures, now: datetime | None) -> tuple[Any, ...]:
    values = {"child_pk": child, "la_id": la_id, "computed_at": now} | {
        name: getattr(measure, name) for name in MEASURE_COLUMNS if name not in ("child_pk", "la_id", "computed_at")
    }
    return tuple(values[column] for column in MEASURE_COLUMNS)


async def write(
    db: AsyncSession, la_id: uuid.UUID, children: list[uuid.UUID] | None, excluded: set[uuid.UUID], now: datetime
) -> None:
    """Rewrites the kept outcome figures of the children given (None: the whole council), leaving out those
    written to since the recompute's read: their own recompute follows."""
    inputs = await council_inputs(db, la_id, children=children)
    for model in (ChildOutcomeArea, ChildOutcomeMeasure):
        gone = delete(model).where(model.la_id == la_id)
        if children is not None:
            gone = gone.where(among(model.child_pk, children, Uuid))
        if excluded:
            gone = gone.where(~among(model.child_pk, sorted(excluded), Uuid))
        await db.execute(gone)
    areas, measures = rows(la_id, inputs, now, excluded)
    apg = await driver(db)
    await apg.copy_records_to_table("child_outcome_areas", records=areas, columns=list(AREA_COLUMNS))
    await apg.copy_records_to_table("child_outcome_measures", records=measures, columns=list(MEASURE_COLUMNS))


def area_of_row(row: Any) -> AreaFigures:
    sums = AreaSums(
        row.outcome_area,
        row.domains_rated,
        row.baseline_need_sum,
        row.latest_need_sum,
        row.changed,
        row.period_start,
        row.period_end,
    )
    return area_of(sums, row.top_level)


def measure_of(row: Any) -> MeasureFigures:
    return MeasureFigures(
        code=row.code,
        outcome_area=row.outcome_area,
        measures_count=row.measures_count,
        baseline=Decimal(row.baseline),
        latest=Decimal(row.latest),
        change=None if row.change is None else Decimal(row.change),
        improved=row.improved,
        baseline_band=row.baseline_band,
        latest_band=row.latest_band,
        period_start=row.period_start,
        period_end=row.period_end,
    )


async def kept_rows(
    db: AsyncSession, la_id: uuid.UUID, children: list[uuid.UUID] | None = None
) -> tuple[list[ChildOutcomeArea], list[ChildOutcomeMeasure]]:
    """The kept rows of the children given (None: the whole council), by child then area or code."""
    areas = select(ChildOutcomeArea).where(ChildOutcomeArea.la_id == la_id)
    measures = select(ChildOutcomeMeasure).where(ChildOutcomeMeasure.la_id == la_id)
    if children is not None:
        areas = areas.where(among(ChildOutcomeArea.child_pk, children, Uuid))
        measures = measures.where(among(ChildOutcomeMeasure.child_pk, children, Uuid))
    return (
        list(await db.scalars(areas.order_by(ChildOutcomeArea.child_pk, ChildOutcomeArea.outcome_area))),
        list(await db.scalars(measures.order_by(ChildOutcomeMeasure.child_pk, ChildOutcomeMeasure.code))),
    )


def with_links(areas: list[ChildOutcomeArea], measures: list[ChildOutcomeMeasure]) -> dict[uuid.UUID, ChildOutcomes]:
    by_child: dict[uuid.UUID, tuple[list[AreaFigures], list[MeasureFigures]]] = {}
    for area in areas:
        by_child.setdefault(area.child_pk, ([], []))[0].append(area_of_row(area))
    for measure in measures:
        by_child.setdefault(measure.child_pk, ([], []))[1].append(measure_of(measure))
    return {child: ChildOutcomes(a, m, links(a, m)) for child, (a, m) in by_child.items()}


async def read(
    db: AsyncSession, la_id: uuid.UUID, children: list[uuid.UUID] | None = None
) -> dict[uuid.UUID, ChildOutcomes]:
    """The kept figures of the children given (None: the whole council), with their links."""
    return with_links(*await kept_rows(db, la_id, children))
