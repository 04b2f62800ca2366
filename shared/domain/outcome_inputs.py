"""Each child's outcome figures (engines/outcomes.py) from what is kept: its per-domain needs figures (the stored
ones, or a window's computed into temporary tables by figures_as_at.py), the outcome areas of its instrument, and
its outcome measures. One reader for a child's endpoint and the council's link figures, so the two never differ."""

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import driver
from shared.domain.engines.outcomes import (
    AreaFigures,
    AreaSums,
    Link,
    Measure,
    MeasureCode,
    MeasureFigures,
    Window,
    area_of,
    links,
    measure_figures,
)
from shared.domain.figures_copy import STORED, Sink
from shared.domain.lookups import visible_to
from shared.domain.measure_codes import codes_of, for_engine
from shared.instruments import InstrumentScale
from shared.models import Instrument

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
    rows = await db.scalars(select(Instrument).where(visible_to(la_id)))
    found = {}
    for row in rows:
        scale = InstrumentScale.from_definition(row.definition)
        areas = {domain["code"]: domain["outcome_area"] for domain in row.definition["domains"]}
        found[(row.code, row.version)] = InstrumentAreas(areas, max(scale.levels))
    return found


def sums_query(sink: Sink, some: bool) -> str:
    """Each child's rated domains summed per outcome area of its instrument ($2: code, version, domain, area)."""
    return f"""
SELECT d.child_pk, c.instrument_code, c.instrument_version, a.area, count(*)::int AS rated,
       sum(d.baseline)::int AS baseline_sum, sum(d.latest)::int AS latest_sum, bool_or(d.ratings_count > 1) AS changed,
       min(d.first_assessed_on) AS period_start, max(d.latest_assessed_on) AS period_end
FROM {sink.domains} d
JOIN {sink.children} c ON c.child_pk = d.child_pk AND c.la_id = d.la_id
JOIN unnest($2::text[], $3::int[], $4::text[], $5::text[]) AS a(code, version, domain, area)
  ON a.code = c.instrument_code AND a.version = c.instrument_version AND a.domain = d.domain
WHERE d.la_id = $1 AND d.ratings_count > 0 {"AND d.child_pk = ANY($6::uuid[])" if some else ""}
GROUP BY d.child_pk, c.instrument_code, c.instrument_version, a.area
"""


async def area_sums(
    db: AsyncSession, la_id: uuid.UUID, sink: Sink, children: list[uuid.UUID] | None = None
) -> tuple[dict[uuid.UUID, list[AreaSums]], dict[uuid.UUID, int]]:
    """The children's (or the whole council's) outcome areas as sums of their rated domains, and each child's
    instrument's top level. Summed by the database: a council's domains are a dozen rows a child."""
    instruments = await instrument_areas(db, la_id)
    mapping = [(code, version, d, area) for (code, version), i in instruments.items() for d, area in i.areas.items()]
    columns = [list(column) for column in zip(*mapping, strict=True)] if mapping else [[], [], [], []]
    parameters = [la_id, *columns] + ([children] if children is not None else [])
    rows = await (await driver(db)).fetch(sums_query(sink, children is not None), *parameters)
    sums: dict[uuid.UUID, list[AreaSums]] = {}
    tops: dict[uuid.UUID, int] = {}
    for row in rows:
        tops[row["child_pk"]] = instruments[(row["instrument_code"], row["instrument_version"])].top_level
        sums.setdefault(row["child_pk"], []).append(
            AreaSums(
                row["area"],
                row["rated"],
                row["baseline_sum"],
                row["latest_sum"],
                row["changed"],
                row["period_start"],
                row["period_end"],
            )
        )
    return sums, tops


MEASURES = """
SELECT child_pk, code, value, period_start, period_end, recorded_seq FROM outcome_measures
WHERE la_id = $1 AND ($2::date IS NULL OR period_end >= $2) AND ($3::date IS NULL OR period_end <= $3)
  AND ($4::uuid[] IS NULL OR child_pk = ANY($4))
"""


async def measures_of(
    db: AsyncSession, la_id: uuid.UUID, window: Window, children: list[uuid.UUID] | None = None
) -> dict[uuid.UUID, list[Measure]]:
    rows = await (await driver(db)).fetch(MEASURES, la_id, window.start, window.end, children)
    found: dict[uuid.UUID, list[Measure]] = {}
    for row in rows:
        measure = Measure(row["code"], row["value"], row["period_start"], row["period_end"], row["recorded_seq"])
        found.setdefault(row["child_pk"], []).append(measure)
    return found


def outcomes(inputs: "Inputs", child: uuid.UUID) -> ChildOutcomes:
    top = inputs.tops.get(child)
    sums = inputs.sums.get(child, [])
    areas = sorted((area_of(each, top) for each in sums), key=lambda a: a.outcome_area) if top else []
    figures = measure_figures(inputs.measures_of(child), inputs.codes)
    return ChildOutcomes(areas, figures, links(areas, figures))


@dataclass(frozen=True, slots=True)
class Inputs:
    """What the children's outcome figures are made of."""

    sums: dict[uuid.UUID, list[AreaSums]]
    tops: dict[uuid.UUID, int]  # each child's instrument's top level
    measures: dict[uuid.UUID, list[Measure]]
    codes: dict[str, MeasureCode]

    @property
    def children(self) -> set[uuid.UUID]:
        return self.sums.keys() | self.measures.keys()

    def measures_of(self, child: uuid.UUID) -> list[Measure]:
        """A measure of a code the council no longer has is left out: nothing says which way it improves."""
        return [m for m in self.measures.get(child, []) if m.code in self.codes]


async def council_inputs(
    db: AsyncSession,
    la_id: uuid.UUID,
    sink: Sink = STORED,
    window: Window = EVER,
    children: list[uuid.UUID] | None = None,
) -> Inputs:
    """The council's (or the children given's) area sums, measures and measure codes."""
    codes = {code: for_engine(row) for code, row in (await codes_of(db, la_id)).items()}
    sums, tops = await area_sums(db, la_id, sink, children)
    return Inputs(sums, tops, await measures_of(db, la_id, window, children), codes)


async def council_outcomes(
    db: AsyncSession,
    la_id: uuid.UUID,
    sink: Sink = STORED,
    window: Window = EVER,
    children: list[uuid.UUID] | None = None,
) -> dict[uuid.UUID, ChildOutcomes]:
    """Every child of the council (or those given) with needs figures or a measure."""
    inputs = await council_inputs(db, la_id, sink, window, children)
    return {child: outcomes(inputs, child) for child in inputs.children}
