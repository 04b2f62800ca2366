"""A child's outcome figures (domain.md §5): per outcome area, the area's need at baseline and now and its
`outcome_index`; per outcome measure, its baseline, latest, change and band; and the pairs of the two whose
periods overlap, which the council's link figures count (outcome_links.py).

Pure engine: the caller passes the needs trends engine's per-domain figures of many children at once
(needs_trends.py), which `area_columns` adds up per outcome area, and the child's outcome measures; no I/O."""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

Better = Literal["lower", "higher"]


@dataclass(frozen=True, slots=True)
class Band:
    label: str
    lowest: Decimal  # the band runs from here to the next band's lowest


@dataclass(frozen=True, slots=True)
class MeasureCode:
    code: str
    outcome_area: str
    better: Better
    bands: tuple[Band, ...] = ()  # ascending by lowest


@dataclass(frozen=True, slots=True)
class AreaFigures:
    outcome_area: str
    domains_rated: int
    baseline_area_need: Fraction
    latest_area_need: Fraction
    area_need_change: Fraction | None  # None: no domain of the area rated twice
    baseline_outcome_index: int
    latest_outcome_index: int
    period_start: date
    period_end: date
    top_level: int  # the scale's highest level, which the index is of


@dataclass(frozen=True, slots=True)
class MeasureFigures:
    code: str
    outcome_area: str
    measures_count: int
    baseline: Decimal
    latest: Decimal
    change: Decimal | None  # None: a single measure
    improved: bool | None  # the change in the measure's better direction; None without a change
    baseline_band: str | None
    latest_band: str | None
    period_start: date  # from the first measure's period to the last's
    period_end: date


@dataclass(frozen=True, slots=True)
class Link:
    """One child's area-need change beside one measure's change, over overlapping periods."""

    outcome_area: str
    code: str
    area_need_change: Fraction
    measure_change: Decimal
    need_fell: bool
    measure_improved: bool


@dataclass(frozen=True, slots=True)
class Window:
    """Only what is dated within it counts: an assessment by its date, a measure by its period's end."""

    start: date | None = None
    end: date | None = None


Whole = Any  # an int, or a numpy array of them: the integer rules below serve one child and a nation alike


def index_of_sum(need_sum: Whole, domains: Whole, top_level: Whole) -> Whole:
    """The outcome index of a mean of `domains` levels summing to `need_sum`, in integers: floor((200 * (domains
    * top - need_sum) + domains * top) / (2 * domains * top)) is round(100 * (1 - mean / top)) half up."""
    scale = domains * top_level
    return (200 * (scale - need_sum) + scale) // (2 * scale)


def ten_thousandths(total: Whole, count: Whole) -> Whole:
    """total / count to 4 places, half away from zero (as Decimal's ROUND_HALF_UP), as a whole number of
    ten-thousandths: what BI reads of a mean of levels or of its change."""
    rounded = (2 * 10_000 * abs(total) + count) // (2 * count)
    return rounded * (1 - 2 * (total < 0))


@dataclass(frozen=True, slots=True)
class AreaSums:
    """An outcome area's rated domains taken together: what its figures are made of (area_columns adds them up
    for many children at once; an area's row keeps them)."""

    outcome_area: str
    domains_rated: int
    baseline_sum: int
    latest_sum: int
    changed: bool  # a domain of the area rated twice
    period_start: date
    period_end: date


@dataclass(frozen=True, slots=True)
class AreaColumns:
    """Many children's AreaSums at once: one entry per child and outcome area with a domain rated, by child then
    area. Days are counted as the needs engine counts them."""

    child: NDArray[np.int64]  # the child's row in the engine's run
    area: NDArray[np.int64]  # into the area names given with these
    domains_rated: NDArray[np.int64]
    baseline_sum: NDArray[np.int64]
    latest_sum: NDArray[np.int64]
    changed: NDArray[np.bool_]
    period_start: NDArray[np.int64]
    period_end: NDArray[np.int64]


def area_columns(
    domain_areas: Sequence[str],
    ratings_count: NDArray[np.int64],
    baseline: NDArray[np.int64],
    latest: NDArray[np.int64],
    first_day: NDArray[np.int64],
    latest_day: NDArray[np.int64],
) -> tuple[list[str], AreaColumns]:
    """Each child's rated domains (children x domains matrices, a domain's area in `domain_areas`) added up per
    outcome area: an area's need is the mean of its rated domains' levels, each domain's own baseline and latest
    (a domain never rated is left out; the area's need changed once a domain of it was rated twice), over the
    period from its domains' first rating to their latest. The area names, sorted, and the sums."""
    names = sorted(set(domain_areas))
    parts: list[tuple[Any, ...]] = []
    for number, name in enumerate(names):
        columns = np.array([d for d, area in enumerate(domain_areas) if area == name])
        children = np.flatnonzero((ratings_count[:, columns] > 0).any(axis=1))
        cells = np.ix_(children, columns)
        rated = ratings_count[cells] > 0
        parts.append(
            (
                children,
                np.full(len(children), number),
                rated.sum(axis=1),
                np.where(rated, baseline[cells], 0).sum(axis=1),
                np.where(rated, latest[cells], 0).sum(axis=1),
                (ratings_count[cells] > 1).any(axis=1),
                np.where(rated, first_day[cells], np.iinfo(np.int64).max).min(axis=1),
                np.where(rated, latest_day[cells], np.iinfo(np.int64).min).max(axis=1),
            )
        )
    # An instrument has a domain, so there is a part to join.
    joined = [np.concatenate(column).astype(np.int64) for column in zip(*parts, strict=True)]
    order = np.lexsort((joined[1], joined[0]))
    child, area, rated_count, baseline_sum, latest_sum, changed, start, end = (column[order] for column in joined)
    return names, AreaColumns(child, area, rated_count, baseline_sum, latest_sum, changed > 0, start, end)


def area_of(sums: AreaSums, top_level: int) -> AreaFigures:
    baseline = Fraction(sums.baseline_sum, sums.domains_rated)
    latest = Fraction(sums.latest_sum, sums.domains_rated)
    return AreaFigures(
        outcome_area=sums.outcome_area,
        domains_rated=sums.domains_rated,
        baseline_area_need=baseline,
        latest_area_need=latest,
        area_need_change=latest - baseline if sums.changed else None,
        baseline_outcome_index=index_of_sum(sums.baseline_sum, sums.domains_rated, top_level),
        latest_outcome_index=index_of_sum(sums.latest_sum, sums.domains_rated, top_level),
        period_start=sums.period_start,
        period_end=sums.period_end,
        top_level=top_level,
    )


TEN_THOUSANDTHS = 10_000  # a measure's value is stored to 4 places: the engine counts in whole ten-thousandths
EPOCH = date(2000, 1, 1)  # days are counted from it, as the needs engine and PostgreSQL's binary dates count them


@dataclass(frozen=True, slots=True)
class MeasureInputs:
    """One entry per outcome measure, in any order: the child (any whole number naming it), the code (an index into
    the codes given with these), the value in ten-thousandths, the period it describes in days, and the order it
    was recorded in (of two measures of one period, the later recorded stands)."""

    child: NDArray[np.int64]
    code: NDArray[np.int64]
    value: NDArray[np.int64]
    period_start: NDArray[np.int64]
    period_end: NDArray[np.int64]
    recorded: NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class MeasureColumns:
    """One entry per child and code measured, by child then code. `change` and `improved` mean something only
    where `changed` (more than one measure); a band is an index into the code's bands, -1 for none."""

    child: NDArray[np.int64]
    code: NDArray[np.int64]
    measures_count: NDArray[np.int64]
    baseline: NDArray[np.int64]
    latest: NDArray[np.int64]
    change: NDArray[np.int64]
    changed: NDArray[np.bool_]
    improved: NDArray[np.bool_]
    baseline_band: NDArray[np.int64]
    latest_band: NDArray[np.int64]
    period_start: NDArray[np.int64]
    period_end: NDArray[np.int64]


def band_floors(code: MeasureCode) -> NDArray[np.int64]:
    """Each band's lowest value in ten-thousandths, rounded up: a value (a whole number of them) reaches the band
    exactly when it reaches this."""
    return np.array([math.ceil(band.lowest * TEN_THOUSANDTHS) for band in code.bands], dtype=np.int64)


def bands_of(values: NDArray[np.int64], codes_of_values: NDArray[np.int64], codes: Sequence[MeasureCode]) -> Any:
    """Each value's band: the last band of its code whose lowest value it reaches; -1 below the first, or where
    the code has no bands."""
    found = np.full(len(values), -1, dtype=np.int64)
    for number, code in enumerate(codes):
        chosen = codes_of_values == number
        if code.bands and chosen.any():
            found[chosen] = np.searchsorted(band_floors(code), values[chosen], side="right") - 1
    return found


def measure_columns(measures: MeasureInputs, codes: Sequence[MeasureCode]) -> MeasureColumns:
    """Per child and code, from its measures in the order of the periods they describe (by period end, then
    start, then the later recorded): the first is the baseline, the last the latest; the change runs from one to
    the other, and improved is the change in the code's better direction (no change is no improvement); the period
    runs from the earliest start to the latest's end."""
    order = np.lexsort((measures.recorded, measures.period_start, measures.period_end, measures.code, measures.child))
    child, code, value = measures.child[order], measures.code[order], measures.value[order]
    boundary = (child[1:] != child[:-1]) | (code[1:] != code[:-1])
    first = np.flatnonzero(np.r_[True, boundary]) if len(order) else np.zeros(0, dtype=np.int64)
    last = np.r_[first[1:], len(order)][: len(first)] - 1
    baseline, latest, group_code = value[first], value[last], code[first]
    change = latest - baseline
    lower = np.array([each.better == "lower" for each in codes], dtype=bool)[group_code]
    starts = measures.period_start[order]
    return MeasureColumns(
        child=child[first],
        code=group_code,
        measures_count=last - first + 1,
        baseline=baseline,
        latest=latest,
        change=change,
        changed=last > first,
        improved=np.where(lower, change < 0, change > 0),
        baseline_band=bands_of(baseline, group_code, codes),
        latest_band=bands_of(latest, group_code, codes),
        period_start=np.minimum.reduceat(starts, first) if len(first) else first,
        period_end=measures.period_end[order][last],
    )


def exact(ten_thousandths: Any) -> Decimal:
    return Decimal(int(ten_thousandths)).scaleb(-4)


def day(days: Any) -> date:
    return EPOCH + timedelta(days=int(days))


def measure_figures(columns: MeasureColumns, codes: Sequence[MeasureCode]) -> list[MeasureFigures]:
    """The columns as figures, one for each of their entries, in their order."""
    found = []
    for n in range(len(columns.child)):
        code, changed = codes[int(columns.code[n])], bool(columns.changed[n])
        bands = [band.label for band in code.bands]
        baseline_band, latest_band = int(columns.baseline_band[n]), int(columns.latest_band[n])
        found.append(
            MeasureFigures(
                code=code.code,
                outcome_area=code.outcome_area,
                measures_count=int(columns.measures_count[n]),
                baseline=exact(columns.baseline[n]),
                latest=exact(columns.latest[n]),
                change=exact(columns.change[n]) if changed else None,
                improved=bool(columns.improved[n]) if changed else None,
                baseline_band=bands[baseline_band] if baseline_band >= 0 else None,
                latest_band=bands[latest_band] if latest_band >= 0 else None,
                period_start=day(columns.period_start[n]),
                period_end=day(columns.period_end[n]),
            )
        )
    return found


def overlap(first: tuple[date, date], second: tuple[date, date]) -> bool:
    return first[0] <= second[1] and second[0] <= first[1]


def links(areas: Iterable[AreaFigures], measures: Iterable[MeasureFigures]) -> list[Link]:
    """Each measure with a change beside its outcome area's need change, where the two periods overlap."""
    changed_areas = {a.outcome_area: a for a in areas if a.area_need_change is not None}
    found = []
    for measure in measures:
        area = changed_areas.get(measure.outcome_area)
        if area is None or measure.change is None or area.area_need_change is None:
            continue
        if not overlap((area.period_start, area.period_end), (measure.period_start, measure.period_end)):
            continue
        found.append(
            Link(
                outcome_area=area.outcome_area,
                code=measure.code,
                area_need_change=area.area_need_change,
                measure_change=measure.change,
                need_fell=area.area_need_change < 0,
                measure_improved=bool(measure.improved),
            )
        )
    return found
