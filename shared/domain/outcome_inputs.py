"""Each child's outcome figures (engines/outcomes.py) from what is kept or computed for a window: its outcome
areas' rows (written beside its per-domain needs figures: the stored ones, or a window's computed into temporary
tables by figures_as_at.py) and its outcome measures. One reader for the kept rows and a window's, so the child's
endpoint and the council's link figures never differ."""

import uuid
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import driver
from shared.domain.bulk_read import copy_columns
from shared.domain.engines.outcomes import (
    AreaFigures,
    AreaSums,
    Link,
    MeasureCode,
    MeasureColumns,
    MeasureFigures,
    MeasureInputs,
    Window,
    area_of,
    links,
    measure_columns,
    measure_figures,
)
from shared.domain.figures_copy import Sink
from shared.domain.measure_codes import codes_of_councils, for_engine

EVER = Window()


@dataclass(frozen=True, slots=True)
class ChildOutcomes:
    areas: list[AreaFigures]
    measures: list[MeasureFigures]
    links: list[Link]


AREA_SUMS = """
SELECT child_pk, outcome_area, domains_rated, baseline_need_sum, latest_need_sum, changed, period_start, period_end,
       top_level
FROM {table} WHERE la_id = :la_id
"""


def area_of_row(row: Any) -> AreaFigures:
    """An area's figures from its row, kept or computed for a window (figures_copy.py area_rows): from the exact
    sums, never from the means rounded for BI."""
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


async def areas_in(db: AsyncSession, la_id: uuid.UUID, sink: Sink) -> dict[uuid.UUID, list[AreaFigures]]:
    """The council's children's outcome areas as the sink's pieces wrote them, by child then area."""
    query = text(AREA_SUMS.format(table=sink.areas) + " ORDER BY child_pk, outcome_area")
    rows = await db.execute(query, {"la_id": la_id})
    found: dict[uuid.UUID, list[AreaFigures]] = {}
    for row in rows:
        found.setdefault(row.child_pk, []).append(area_of_row(row))
    return found


# The council's codes ($1, $2: council, code, in the order of the engine's code numbers) name which of its
# measures count: a measure of a code the council no longer has is left out, as nothing says which way it improves.
MEASURES = """
SELECT m.child_pk, m.la_id, c.seq AS child, (k.number - 1)::int8 AS code, (m.value * 10000)::int8 AS value,
       m.period_start, m.period_end, m.recorded_seq AS recorded
FROM outcome_measures m
JOIN children c ON c.id = m.child_pk
JOIN unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS k(la_id, code, number) ON k.la_id = m.la_id AND k.code = m.code
WHERE m.la_id = ANY($3) AND ($4::date IS NULL OR m.period_end >= $4) AND ($5::date IS NULL OR m.period_end <= $5)
  AND ($6::uuid[] IS NULL OR m.child_pk = ANY($6))
"""
MEASURE_READ = [
    ("child_pk", "uuid"),
    ("la_id", "uuid"),
    ("child", "int8"),
    ("code", "int8"),
    ("value", "int8"),
    ("period_start", "date"),
    ("period_end", "date"),
    ("recorded", "int8"),
]


@dataclass(frozen=True, slots=True)
class Measured:
    """Councils' children's measures' figures (engines/outcomes.py measure_columns), with each entry's child and
    council as 16-byte ids, and the codes the entries' code numbers index."""

    columns: MeasureColumns
    child_pk: np.ndarray[Any, Any]
    la_id: np.ndarray[Any, Any]
    codes: list[MeasureCode]

    def without(self, children: set[uuid.UUID]) -> "Measured":
        kept = ~np.isin(self.child_pk, np.array([child.bytes for child in children], dtype="V16"))
        c = self.columns
        return Measured(
            MeasureColumns(*(getattr(c, field.name)[kept] for field in fields(c))),
            self.child_pk[kept],
            self.la_id[kept],
            self.codes,
        )


async def measured(
    db: AsyncSession, la_ids: list[uuid.UUID], window: Window, children: list[uuid.UUID] | None = None
) -> Measured:
    """The councils' (or the children given's) measures within the window, as figures."""
    codes: list[MeasureCode] = []
    owners: list[uuid.UUID] = []
    for la_id, theirs in (await codes_of_councils(db, la_ids)).items():
        codes += [for_engine(row) for row in theirs.values()]
        owners += [la_id] * len(theirs)
    arguments = [owners, [code.code for code in codes], la_ids, window.start, window.end, children]
    read = await copy_columns(await driver(db), MEASURES, arguments, MEASURE_READ)
    inputs = MeasureInputs(*(read[name].astype(np.int64) for name in MEASURE_INPUTS))
    columns = measure_columns(inputs, codes)
    # Each entry's ids from any measure of its child: the engine's entries name children by number.
    by_number = np.argsort(read["child"], kind="stable")
    first = by_number[np.searchsorted(read["child"][by_number], columns.child)]
    return Measured(columns, read["child_pk"][first], read["la_id"][first], codes)


MEASURE_INPUTS = ("child", "code", "value", "period_start", "period_end", "recorded")


async def council_outcomes(
    db: AsyncSession, la_id: uuid.UUID, sink: Sink, window: Window
) -> dict[uuid.UUID, ChildOutcomes]:
    """Every child of the council with figures in the sink (computed for the window) or a measure in the window."""
    areas = await areas_in(db, la_id, sink)
    read = await measured(db, [la_id], window)
    measures: dict[uuid.UUID, list[MeasureFigures]] = {}
    for child_pk, each in zip(read.child_pk, measure_figures(read.columns, read.codes), strict=True):
        measures.setdefault(uuid.UUID(bytes=child_pk.tobytes()), []).append(each)
    found = {}
    for child in areas.keys() | measures.keys():
        theirs, figures = areas.get(child, []), measures.get(child, [])
        found[child] = ChildOutcomes(theirs, figures, links(theirs, figures))
    return found
