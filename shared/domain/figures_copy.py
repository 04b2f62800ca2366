"""Writing the needs trends engine's arrays as figure rows without a Python loop per row: the arrays go
to temporary staging tables by binary COPY (fixed-width columns, -1 and NaN for missing), and one
INSERT ... SELECT per figures table turns them into rows, codes and nulls on the server."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import Any

import numpy as np

from shared.domain.bulk_read import binary_copy
from shared.domain.engines.needs_trends import DomainTrends, Trends
from shared.domain.engines.outcomes import area_columns, index_of_sum, ten_thousandths

DIRECTIONS = ["insufficient_data", "stable", "improving", "worsening"]
VERDICTS = ["", "no_reliable_change", "reliable_improvement", "reliable_deterioration"]

STAGING = (
    """CREATE TEMP TABLE stage_domains (
        child_pk uuid, la_id uuid, instrument int2, position int2, ratings_count int4, baseline int2, previous int2,
        latest int2, slope float8, direction int2, first_day int4, latest_day int4, s_ratings_count int4,
        s_baseline int2, s_previous int2, s_latest int2, s_slope float8, s_direction int2
    ) ON COMMIT DROP""",
    """CREATE TEMP TABLE stage_children (
        child int8, child_pk uuid, la_id uuid, instrument int2, assessments_count int4, baseline_id uuid,
        latest_id uuid,
        baseline_day int4, latest_day int4, total int4, max int2, actionable int2, intensive int2,
        b_total int4, b_max int2, b_actionable int2, b_intensive int2, p_total int4, total_strength int4,
        b_total_strength int4, mixed int2, resolved int8, new int8, rci float8, verdict int2
    ) ON COMMIT DROP""",
    "CREATE TEMP TABLE stage_series (child int8, ordinal int4, assessment uuid) ON COMMIT DROP",
    """CREATE TEMP TABLE stage_areas (
        child_pk uuid, la_id uuid, area int2, rated int2, baseline_sum int4, latest_sum int4, changed int2,
        baseline_mean int4, latest_mean int4, change_mean int4, top int2, baseline_index int2, latest_index int2,
        period_start date, period_end date
    ) ON COMMIT DROP""",
)

POSITIONS = """positions AS (
    SELECT i.id, d ->> 'code' AS code, (o - 1)::int2 AS position
    FROM instruments i, jsonb_array_elements(i.definition -> 'domains') WITH ORDINALITY AS t(d, o)
)"""

DAY = "CASE WHEN {0} = -1 THEN NULL ELSE date '2000-01-01' + {0} END"
CHANGE = "CASE WHEN {0} = -1 OR {1} = -1 THEN NULL ELSE {0} - {1} END"

# {table}: the sink's (Sink), filled in when inserting.
INSERT_DOMAINS = f"""
WITH {POSITIONS}
INSERT INTO {{table}} (
    child_pk, domain, la_id, position, ratings_count, baseline, previous, latest, change_since_baseline,
    change_since_previous, slope_per_year, direction, first_assessed_on, latest_assessed_on,
    strength_ratings_count, strength_baseline, strength_previous, strength_latest,
    strength_change_since_baseline, strength_change_since_previous, strength_slope_per_year,
    strength_direction, computed_at
)
SELECT s.child_pk, p.code, s.la_id, s.position, s.ratings_count, nullif(s.baseline, -1), nullif(s.previous, -1),
    nullif(s.latest, -1), {CHANGE.format("s.latest", "s.baseline")}, {CHANGE.format("s.latest", "s.previous")},
    nullif(s.slope, 'NaN'), ($3::text[])[s.direction + 1], {DAY.format("s.first_day")},
    {DAY.format("s.latest_day")}, s.s_ratings_count, nullif(s.s_baseline, -1), nullif(s.s_previous, -1),
    nullif(s.s_latest, -1), {CHANGE.format("s.s_latest", "s.s_baseline")},
    {CHANGE.format("s.s_latest", "s.s_previous")}, nullif(s.s_slope, 'NaN'), ($3::text[])[s.s_direction + 1], $2
FROM stage_domains s
JOIN positions p ON p.id = ($1::uuid[])[s.instrument] AND p.position = s.position
"""

INSERT_CHILDREN = f"""
WITH {POSITIONS},
series AS (
    SELECT child, array_agg(assessment ORDER BY ordinal) AS ids FROM stage_series GROUP BY child
)
INSERT INTO {{table}} (
    child_pk, la_id, instrument_code, instrument_version, assessments_count, baseline_assessment_id,
    latest_assessment_id, assessment_ids, baseline_assessed_on, latest_assessed_on, total_need, max_need,
    actionable_count, intensive_count, baseline_total_need, baseline_max_need, baseline_actionable_count,
    baseline_intensive_count, previous_total_need, resolved_needs, new_needs, mixed_progress, total_strength,
    baseline_total_strength, rci, rci_verdict, computed_at
)
SELECT s.child_pk, s.la_id, i.code, i.version, s.assessments_count, s.baseline_id, s.latest_id, series.ids,
    date '2000-01-01' + s.baseline_day, date '2000-01-01' + s.latest_day, s.total, nullif(s.max, -1),
    s.actionable, s.intensive, s.b_total, nullif(s.b_max, -1), s.b_actionable, s.b_intensive, nullif(s.p_total, -1),
    ARRAY(SELECT p.code FROM positions p WHERE p.id = i.id AND (s.resolved >> p.position) & 1 = 1
          ORDER BY p.position),
    ARRAY(SELECT p.code FROM positions p WHERE p.id = i.id AND (s.new >> p.position) & 1 = 1
          ORDER BY p.position),
    s.mixed = 1, s.total_strength, s.b_total_strength, nullif(s.rci, 'NaN'),
    nullif(($3::text[])[s.verdict + 1], ''), $2
FROM stage_children s
JOIN instruments i ON i.id = ($1::uuid[])[s.instrument]
JOIN series ON series.child = s.child
"""


# The means in ten-thousandths (engines/outcomes.py ten_thousandths) times 0.0001: numerics of scale 4, exact.
INSERT_AREAS = """
INSERT INTO {table} (
    child_pk, outcome_area, la_id, domains_rated, baseline_need_sum, latest_need_sum, changed, baseline_area_need,
    latest_area_need, area_need_change, top_level, baseline_outcome_index, latest_outcome_index, period_start,
    period_end, computed_at
)
SELECT child_pk, ($1::text[])[area + 1], la_id, rated, baseline_sum, latest_sum, changed = 1, baseline_mean * 0.0001,
    latest_mean * 0.0001, CASE WHEN changed = 1 THEN change_mean * 0.0001 END, top, baseline_index, latest_index,
    period_start, period_end, $2
FROM stage_areas
"""


@dataclass(frozen=True, slots=True)
class Sink:
    """The tables figure rows go to: the stored figures, or a day's figures in temporary tables."""

    children: str = "child_needs_trends"
    domains: str = "domain_needs_trends"
    areas: str = "child_outcome_areas"


STORED = Sink()
AS_AT = Sink("as_at_child_needs_trends", "as_at_domain_needs_trends", "as_at_child_outcome_areas")


async def create_as_at_tables(apg: Any) -> Sink:
    """AS_AT's tables, shaped like the stored ones and dropped at the end of the transaction. A row takes no
    row version from the stored figures' sequence: BI cursors never see these rows."""
    statements = [
        f"CREATE TEMPORARY TABLE {scratch} (LIKE {stored}) ON COMMIT DROP;"
        f"ALTER TABLE {scratch} ALTER COLUMN row_version SET DEFAULT 0"
        for scratch, stored in (
            (AS_AT.children, STORED.children),
            (AS_AT.domains, STORED.domains),
            (AS_AT.areas, STORED.areas),
        )
    ]
    await apg.execute(";".join(statements))
    return AS_AT


# What a child's rows hold once its figures are cleared (no final assessment left).
CLEARED_CHILD: dict[str, Any] = {
    "assessments_count": 0,
    "assessment_ids": [],
    "resolved_needs": [],
    "new_needs": [],
    "instrument_code": None,
    "instrument_version": None,
    "baseline_assessment_id": None,
    "latest_assessment_id": None,
    "baseline_assessed_on": None,
    "latest_assessed_on": None,
    "total_need": None,
    "max_need": None,
    "actionable_count": None,
    "intensive_count": None,
    "baseline_total_need": None,
    "baseline_max_need": None,
    "baseline_actionable_count": None,
    "baseline_intensive_count": None,
    "previous_total_need": None,
    "mixed_progress": None,
    "total_strength": None,
    "baseline_total_strength": None,
    "rci": None,
    "rci_verdict": None,
}
CLEARED_DOMAIN: dict[str, Any] = {
    "ratings_count": 0,
    "baseline": None,
    "previous": None,
    "latest": None,
    "change_since_baseline": None,
    "change_since_previous": None,
    "slope_per_year": None,
    "direction": "insufficient_data",
    "first_assessed_on": None,
    "latest_assessed_on": None,
    "strength_ratings_count": 0,
    "strength_baseline": None,
    "strength_previous": None,
    "strength_latest": None,
    "strength_change_since_baseline": None,
    "strength_change_since_previous": None,
    "strength_slope_per_year": None,
    "strength_direction": "insufficient_data",
}


@dataclass(frozen=True, slots=True)
class Children:
    """An engine run's children: number (children.seq), id and council, as 16-byte ids."""

    seq: np.ndarray[Any, Any]
    pk: np.ndarray[Any, Any]
    la_id: np.ndarray[Any, Any]


def codes(words: np.ndarray[Any, Any], vocabulary: list[str]) -> np.ndarray[Any, Any]:
    result = np.zeros(len(words), dtype=np.int16)
    for code, word in enumerate(vocabulary):
        result[words == word] = code
    return result


def mask(flags: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Each child's domains (columns) as bits of one integer, bit n for position n."""
    bits: np.ndarray[Any, Any] = (flags.astype(np.int64) << np.arange(flags.shape[1], dtype=np.int64)).sum(axis=1)
    return bits


def domain_columns(prefix: str, t: DomainTrends, rows: np.ndarray[Any, Any]) -> list[tuple[str, str, Any]]:
    return [
        (f"{prefix}ratings_count", "int4", t.ratings_count[rows]),
        (f"{prefix}baseline", "int2", t.baseline[rows]),
        (f"{prefix}previous", "int2", t.previous[rows]),
        (f"{prefix}latest", "int2", t.latest[rows]),
        (f"{prefix}slope", "float8", t.slope_per_year[rows]),
        (f"{prefix}direction", "int2", codes(t.direction[rows], DIRECTIONS)),
    ]


def domain_rows(trends: Trends, children: Children, kept: np.ndarray[Any, Any], instrument: int) -> bytes:
    """stage_domains rows of the kept children (indexes into the engine run's children)."""
    domains = trends.domains.ratings_count.size // max(1, len(trends.children.assessments_count))
    cells = (kept[:, None] * domains + np.arange(domains)).ravel()
    d, s = trends.domains, trends.strengths
    return binary_copy(
        [
            ("child_pk", "uuid", np.repeat(children.pk[kept], domains)),
            ("la_id", "uuid", np.repeat(children.la_id[kept], domains)),
            ("instrument", "int2", np.full(len(cells), instrument)),
            ("position", "int2", np.tile(np.arange(domains), len(kept))),
            *domain_columns("", d, cells),
            ("first_day", "int4", d.first_assessed_on[cells]),
            ("latest_day", "int4", d.latest_assessed_on[cells]),
            *domain_columns("s_", s, cells),
        ]
    )


@dataclass(frozen=True, slots=True)
class AreaLayout:
    """How an engine run's domains (its scale's columns) fall into outcome areas, and the scale's top level."""

    domain_areas: tuple[str, ...]
    top_level: int


def area_rows(
    trends: Trends, children: Children, kept: np.ndarray[Any, Any], layout: AreaLayout
) -> tuple[list[str], bytes]:
    """stage_areas rows of the kept children, and the area names their `area` numbers index."""
    shape = (len(trends.children.assessments_count), len(layout.domain_areas))
    d = trends.domains
    names, a = area_columns(
        layout.domain_areas,
        *(values.reshape(shape)[kept] for values in (d.ratings_count, d.baseline, d.latest)),
        *(days.reshape(shape)[kept] for days in (d.first_assessed_on, d.latest_assessed_on)),
    )
    top = np.full(len(a.child), layout.top_level)
    rows = binary_copy(
        [
            ("child_pk", "uuid", children.pk[kept][a.child]),
            ("la_id", "uuid", children.la_id[kept][a.child]),
            ("area", "int2", a.area),
            ("rated", "int2", a.domains_rated),
            ("baseline_sum", "int4", a.baseline_sum),
            ("latest_sum", "int4", a.latest_sum),
            ("changed", "int2", a.changed),
            ("baseline_mean", "int4", ten_thousandths(a.baseline_sum, a.domains_rated)),
            ("latest_mean", "int4", ten_thousandths(a.latest_sum, a.domains_rated)),
            ("change_mean", "int4", ten_thousandths(a.latest_sum - a.baseline_sum, a.domains_rated)),
            ("top", "int2", top),
            ("baseline_index", "int2", index_of_sum(a.baseline_sum, a.domains_rated, top)),
            ("latest_index", "int2", index_of_sum(a.latest_sum, a.domains_rated, top)),
            ("period_start", "date", a.period_start),
            ("period_end", "date", a.period_end),
        ]
    )
    return names, rows


def child_rows(
    trends: Trends,
    children: Children,
    kept: np.ndarray[Any, Any],
    instrument: int,
    rci: np.ndarray[Any, Any],
    verdict: np.ndarray[Any, Any],
    assessment_ids: Callable[[np.ndarray[Any, Any]], np.ndarray[Any, Any]],
) -> tuple[bytes, bytes]:
    """stage_children and stage_series rows of the kept children; assessment_ids turns the engine's
    assessment numbers into ids."""
    c = trends.children
    staged = binary_copy(
        [
            ("child", "int8", children.seq[kept]),
            ("child_pk", "uuid", children.pk[kept]),
            ("la_id", "uuid", children.la_id[kept]),
            ("instrument", "int2", np.full(len(kept), instrument)),
            ("assessments_count", "int4", c.assessments_count[kept]),
            ("baseline_id", "uuid", assessment_ids(c.baseline_assessment[kept])),
            ("latest_id", "uuid", assessment_ids(c.latest_assessment[kept])),
            ("baseline_day", "int4", c.baseline_assessed_on[kept]),
            ("latest_day", "int4", c.latest_assessed_on[kept]),
            ("total", "int4", c.total_need[kept]),
            ("max", "int2", c.max_need[kept]),
            ("actionable", "int2", c.actionable_count[kept]),
            ("intensive", "int2", c.intensive_count[kept]),
            ("b_total", "int4", c.baseline_total_need[kept]),
            ("b_max", "int2", c.baseline_max_need[kept]),
            ("b_actionable", "int2", c.baseline_actionable_count[kept]),
            ("b_intensive", "int2", c.baseline_intensive_count[kept]),
            ("p_total", "int4", c.previous_total_need[kept]),
            ("total_strength", "int4", c.total_strength[kept]),
            ("b_total_strength", "int4", c.baseline_total_strength[kept]),
            ("mixed", "int2", c.mixed_progress[kept]),
            ("resolved", "int8", mask(c.resolved[kept])),
            ("new", "int8", mask(c.new[kept])),
            ("rci", "float8", rci[kept]),
            ("verdict", "int2", codes(verdict[kept], VERDICTS)),
        ]
    )
    lengths = c.series_starts[kept + 1] - c.series_starts[kept]
    ordinal = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    series = binary_copy(
        [
            ("child", "int8", np.repeat(children.seq[kept], lengths)),
            ("ordinal", "int4", ordinal),
            ("assessment", "uuid", assessment_ids(c.series[np.repeat(c.series_starts[kept], lengths) + ordinal])),
        ]
    )
    return staged, series


async def create_staging(apg: Any) -> None:
    # Sorts for the series arrays in memory, not on disk; for this transaction only. One round trip.
    await apg.execute(";".join(["SET LOCAL work_mem = '256MB'", *STAGING]))


async def insert_domains(
    apg: Any, rows: bytes, areas: tuple[list[str], bytes], instruments: list[Any], now: datetime, sink: Sink
) -> None:
    """One batch of domain rows and of their outcome areas' rows: staged, then inserted."""
    await apg.execute("TRUNCATE stage_domains, stage_areas")
    # Not analysed: the one join is to an instrument's dozen domains, which no plan gets wrong.
    await apg.copy_to_table("stage_domains", source=BytesIO(rows), format="binary")
    await apg.execute(INSERT_DOMAINS.format(table=sink.domains), [i.id for i in instruments], now, DIRECTIONS)
    names, staged = areas
    await apg.copy_to_table("stage_areas", source=BytesIO(staged), format="binary")
    await apg.execute(INSERT_AREAS.format(table=sink.areas), names, now)


async def insert_children(
    apg: Any, rows: list[tuple[bytes, bytes]], instruments: list[Any], now: datetime, sink: Sink
) -> None:
    for children, series in rows:
        await apg.copy_to_table("stage_children", source=BytesIO(children), format="binary")
        await apg.copy_to_table("stage_series", source=BytesIO(series), format="binary")
    await apg.execute("ANALYZE stage_children, stage_series")
    await apg.execute(INSERT_CHILDREN.format(table=sink.children), [i.id for i in instruments], now, VERDICTS)
