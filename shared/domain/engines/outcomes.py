"""A child's outcome figures (domain.md §5): per outcome area, the area's need at baseline and now and its
`outcome_index`; per outcome measure, its baseline, latest, change and band; and the pairs of the two whose
periods overlap, which the council's link figures count (outcome_links.py).

Pure engine: the caller passes the sums of the child's rated domains per area (its kept per-domain needs
figures, needs_trends.py, added up by the database: outcome_inputs.py) and the child's outcome measures; no
I/O."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Literal

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
class Measure:
    code: str
    value: Decimal
    period_start: date
    period_end: date
    recorded: int  # orders two measures of one period: the later recorded stands


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


def index_of_sum(need_sum: int, domains: int, top_level: int) -> int:
    """The outcome index of a mean of `domains` levels summing to `need_sum`, in integers: floor((200 * (domains
    * top - need_sum) + domains * top) / (2 * domains * top)) is round(100 * (1 - mean / top)) half up."""
    scale = domains * top_level
    return (200 * (scale - need_sum) + scale) // (2 * scale)


@dataclass(frozen=True, slots=True)
class AreaSums:
    """An outcome area's rated domains taken together: what its figures are made of (the database sums them
    for a whole council, area_figures for a list of domains)."""

    outcome_area: str
    domains_rated: int
    baseline_sum: int
    latest_sum: int
    changed: bool  # a domain of the area rated twice
    period_start: date
    period_end: date


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


def band_of(value: Decimal, bands: Sequence[Band]) -> str | None:
    """The last band whose lowest value the value reaches; None below the first, or without bands."""
    reached = [band.label for band in bands if value >= band.lowest]
    return reached[-1] if reached else None


def improved(change: Decimal, better: Better) -> bool:
    return change < 0 if better == "lower" else change > 0


def measure_figures(measures: Iterable[Measure], codes: Mapping[str, MeasureCode]) -> list[MeasureFigures]:
    """Per measure code, from its measures in the order of the periods they describe (by period end, then
    start, then the later recorded): the first is the baseline, the last the latest."""
    by_code: dict[str, list[Measure]] = {}
    for measure in measures:
        by_code.setdefault(measure.code, []).append(measure)
    figures = []
    for code, series in sorted(by_code.items()):
        series.sort(key=lambda m: (m.period_end, m.period_start, m.recorded))
        first, last, definition = series[0], series[-1], codes[code]
        change = last.value - first.value if len(series) > 1 else None
        figures.append(
            MeasureFigures(
                code=code,
                outcome_area=definition.outcome_area,
                measures_count=len(series),
                baseline=first.value,
                latest=last.value,
                change=change,
                improved=None if change is None else improved(change, definition.better),
                baseline_band=band_of(first.value, definition.bands),
                latest_band=band_of(last.value, definition.bands),
                period_start=min(m.period_start for m in series),
                period_end=last.period_end,
            )
        )
    return figures


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
