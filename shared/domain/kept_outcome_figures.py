"""Each child's outcome figures (domain.md §5) kept by the worker, in the transaction that writes its needs
figures: a drain's burst rewrites its children's, a council's recompute the council's. The areas' rows are
written by the needs figures' own pieces (figures_copy.py area_rows), beside their domains' rows; the measures'
rows here, from the child's outcome measures (a measure recorded or amended asks for the child's recompute, as an
assessment does). What the child's endpoint and the council's link figures read, as outcome_inputs.py would
compute them."""

import uuid
from datetime import datetime
from decimal import Decimal
from io import BytesIO
from typing import Any

import numpy as np
from sqlalchemy import Uuid, column, delete, insert, select, table, text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import among, driver, unsynced
from shared.domain.bulk_read import binary_copy
from shared.domain.engines.outcomes import AreaFigures, MeasureFigures, links, ten_thousandths
from shared.domain.outcome_inputs import ChildOutcomes, Measured, area_of_row
from shared.domain.snapshot import RecomputeTarget
from shared.models import ChildOutcomeArea, ChildOutcomeMeasure


def places(total: int, count: int) -> Decimal:
    """A mean to 4 places, half up, as BI reads it (the exact fraction stays in the sums)."""
    return Decimal(ten_thousandths(total, count)).scaleb(-4)


STAGE_MEASURES = """CREATE TEMP TABLE stage_measures (
    child_pk uuid, la_id uuid, code int4, count int4, baseline int8, latest int8, change int8, changed int2,
    improved int2, baseline_band int4, latest_band int4, period_start date, period_end date
) ON COMMIT DROP"""

# Values in ten-thousandths times 0.0001: numerics of scale 4, exact. A band numbered -1 (none) indexes the
# labels at 0, which PostgreSQL's arrays (numbered from 1) answer with NULL.
INSERT_MEASURES = """
INSERT INTO child_outcome_measures (
    child_pk, code, la_id, outcome_area, measures_count, baseline, latest, change, improved, baseline_band,
    latest_band, period_start, period_end, computed_at
)
SELECT child_pk, ($1::text[])[code + 1], la_id, ($2::text[])[code + 1], count, baseline * 0.0001, latest * 0.0001,
    CASE WHEN changed = 1 THEN change * 0.0001 END, CASE WHEN changed = 1 THEN improved = 1 END,
    ($3::text[])[baseline_band + 1], ($3::text[])[latest_band + 1], period_start, period_end, $4
FROM stage_measures
"""


# The area rows `clear` took away, kept for `record_removals` until the transaction ends.
GONE = "CREATE TEMP TABLE IF NOT EXISTS gone_areas (la_id uuid, child_pk uuid, outcome_area text) ON COMMIT DROP"
GONE_AREAS = table("gone_areas", column("la_id"), column("child_pk"), column("outcome_area"))

# An area taken away and not written again is a removal; one written again is a newer row, which a cursor sees.
RECORD_REMOVALS = """
INSERT INTO outcome_area_removals (la_id, child_pk, outcome_area)
SELECT g.la_id, g.child_pk, g.outcome_area FROM gone_areas g
WHERE NOT EXISTS (SELECT FROM child_outcome_areas a WHERE a.child_pk = g.child_pk AND a.outcome_area = g.outcome_area)
"""


async def clear(db: AsyncSession, target: RecomputeTarget, excluded: set[uuid.UUID]) -> None:
    """The target's kept outcome rows deleted, but for the children written to since the recompute's read (their
    own recompute follows); the areas that went kept for `record_removals`."""
    await db.execute(text(GONE))
    for model in (ChildOutcomeArea, ChildOutcomeMeasure):
        gone = delete(model).where(among(model.la_id, target.la_ids, Uuid))
        if target.children is not None:
            gone = gone.where(among(model.child_pk, target.children, Uuid))
        if excluded:
            gone = gone.where(~among(model.child_pk, sorted(excluded), Uuid))
        if model is ChildOutcomeMeasure:  # a measure's row is always written again: its measures stay
            await db.execute(unsynced(gone))
            continue
        taken = gone.returning(ChildOutcomeArea.la_id, ChildOutcomeArea.child_pk, ChildOutcomeArea.outcome_area)
        columns = ["la_id", "child_pk", "outcome_area"]
        await db.execute(unsynced(insert(GONE_AREAS).from_select(columns, select(taken.cte("taken")))))


async def record_removals(db: AsyncSession) -> None:
    """Once the target's areas are written again: those `clear` took away for good, as removals."""
    await db.execute(text(RECORD_REMOVALS))


async def write_measures(db: AsyncSession, read: Measured, excluded: set[uuid.UUID], now: datetime) -> None:
    """The measures' rows, once `clear` has taken the target's old ones, staged and inserted; but
    for the children written to since the read (their own recompute follows)."""
    read = read.without(excluded)
    c, codes = read.columns, read.codes
    first_band = np.cumsum([0] + [len(code.bands) for code in codes])[:-1]

    def numbered(band: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        return np.where(band >= 0, first_band[c.code] + band, -1)

    rows = binary_copy(
        [
            ("child_pk", "uuid", read.child_pk),
            ("la_id", "uuid", read.la_id),
            ("code", "int4", c.code),
            ("count", "int4", c.measures_count),
            ("baseline", "int8", c.baseline),
            ("latest", "int8", c.latest),
            ("change", "int8", c.change),
            ("changed", "int2", c.changed),
            ("improved", "int2", c.improved),
            ("baseline_band", "int4", numbered(c.baseline_band)),
            ("latest_band", "int4", numbered(c.latest_band)),
            ("period_start", "date", c.period_start),
            ("period_end", "date", c.period_end),
        ]
    )
    apg = await driver(db)
    await apg.execute(STAGE_MEASURES)
    await apg.copy_to_table("stage_measures", source=BytesIO(rows), format="binary")
    labels = [band.label for code in codes for band in code.bands]
    names, areas = [code.code for code in codes], [code.outcome_area for code in codes]
    await apg.execute(INSERT_MEASURES, names, areas, labels, now)


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
