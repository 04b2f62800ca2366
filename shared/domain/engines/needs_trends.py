"""Needs trends for any number of children at once (domain.md §4), as numpy array operations.

Pure engine: the caller passes one row per rating of the children's final assessments (current
versions, one instrument family per child) and gets arrays back, one entry per child and one per
child and domain. One child's recompute and a whole nation's run through the same code, so the two
cannot disagree.
"""

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

DAYS_PER_YEAR = Fraction(1461, 4)  # 365.25
SLOPE_WINDOW_DAYS = 730
MIN_SLOPE_SPREAD_DAYS = 28
DIRECTED_SLOPE = Fraction(1, 2)  # a slope of at least this much a year, up or down, has a direction
NOT_RATED = -1

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Scale:
    domains: tuple[str, ...]
    actionable_from: int = 2
    intensive_level: int = 4


@dataclass(frozen=True, slots=True)
class Assessments:
    """One row per final assessment (its current version), in any order. Dates are days since any
    fixed epoch; `recorded` orders two assessments of one date by when each was first recorded (the later
    stands, whatever either's amendments); `need` and `strength` are assessments x domains matrices,
    NOT_RATED where a domain was not rated."""

    child: Ints
    assessment: Ints
    assessed_on: Ints
    recorded: Ints
    need: Ints
    strength: Ints


@dataclass(frozen=True, slots=True)
class DomainTrends:
    """One entry per child and domain: row c * len(domains) + d. Missing values are NaN or -1."""

    ratings_count: Ints
    baseline: Ints
    previous: Ints
    latest: Ints
    slope_per_year: Floats
    direction: NDArray[np.str_]
    first_assessed_on: Ints
    latest_assessed_on: Ints


@dataclass(frozen=True, slots=True)
class ChildSummaries:
    """One entry per child; children without a final assessment have assessments_count 0."""

    assessments_count: Ints
    baseline_assessment: Ints
    latest_assessment: Ints
    baseline_assessed_on: Ints
    latest_assessed_on: Ints
    total_need: Ints
    max_need: Ints
    actionable_count: Ints
    intensive_count: Ints
    baseline_total_need: Ints
    baseline_max_need: Ints
    baseline_actionable_count: Ints
    baseline_intensive_count: Ints
    previous_total_need: Ints  # of the assessment before the latest; -1 with a single assessment
    total_strength: Ints
    baseline_total_strength: Ints
    resolved: Bools  # children x domains
    new: Bools
    mixed_progress: Bools
    # The standing assessments of every child in date order: child c's are series[starts[c]:starts[c + 1]].
    series: Ints
    series_starts: Ints


@dataclass(frozen=True, slots=True)
class Trends:
    domains: DomainTrends
    strengths: DomainTrends  # the same figures for strengths, where rising is improving
    children: ChildSummaries


@dataclass(frozen=True, slots=True)
class Standing:
    """The assessments that stand, sorted by child and date (one per child and date), with each child's
    rows at [starts[c], starts[c] + counts[c])."""

    assessments: Assessments
    counts: Ints
    starts: Ints

    def by_child(self, values: NDArray[Any]) -> NDArray[Any]:
        """Per-child figures, one per row of the child's: what reduceat leaves, spread back over rows."""
        return np.repeat(values, self.counts, axis=0)

    def reduce(self, ufunc: np.ufunc, values: NDArray[Any], empty: float) -> NDArray[Any]:
        """ufunc over each child's rows (axis 0); `empty` for a child without any."""
        has = self.counts > 0
        result = np.full((len(self.counts), *values.shape[1:]), empty, dtype=values.dtype)
        if len(values):
            result[has] = ufunc.reduceat(values, self.starts[has], axis=0)
        return result


def standing(assessments: Assessments, children: int) -> Standing:
    """Of two assessments of one child on one date, the later recorded stands (the higher assessment
    number, should two share their recording time)."""
    a = assessments
    order = np.lexsort((a.assessment, a.recorded, a.assessed_on, a.child))
    child, day = a.child[order], a.assessed_on[order]
    last_of_date = np.r_[(child[1:] != child[:-1]) | (day[1:] != day[:-1]), True] if len(order) else new_bools(0)
    kept = order[last_of_date]
    # int64 throughout: sentinels such as the largest int64 must not wrap in a narrower column.
    rows = Assessments(*(getattr(a, name)[kept].astype(np.int64, copy=False) for name in Assessments.__slots__))
    counts = np.bincount(rows.child, minlength=children).astype(np.int64)
    return Standing(rows, counts, np.cumsum(counts) - counts)


def new_bools(size: int) -> Bools:
    return np.zeros(size, dtype=bool)


def compute(assessments: Assessments, children: int, scale: Scale) -> Trends:
    stand = standing(assessments, children)
    needs = domain_trends(stand, stand.assessments.need)
    return Trends(
        needs,
        domain_trends(stand, stand.assessments.strength, rising=True),
        child_summaries(stand, scale, needs),
    )


def domain_trends(stand: Standing, levels: Ints, *, rising: bool = False) -> DomainTrends:
    """Per child and domain, from its rated levels; `rising` where a higher level is the improvement."""
    rows, domains = levels.shape
    rated = levels != NOT_RATED
    row = np.arange(rows, dtype=np.int64)[:, None]
    count = stand.reduce(np.add, rated.astype(np.int64), 0)
    first = stand.reduce(np.minimum, np.where(rated, row, rows), rows)
    last = stand.reduce(np.maximum, np.where(rated, row, -1), -1)
    before_last = rated & (row < stand.by_child(last))
    previous_row = stand.reduce(np.maximum, np.where(before_last, row, -1), -1)
    column = np.broadcast_to(np.arange(domains), count.shape)
    day = stand.assessments.assessed_on

    def at(index: Ints, values: Ints) -> Ints:
        found = index >= 0
        result = np.full(index.shape, NOT_RATED, dtype=np.int64)
        result[found] = values[index[found]] if values.ndim == 1 else values[index[found], column[found]]
        return result

    has = count > 0
    first_row = np.where(has, first, -1)
    latest_on = at(last, day)
    slope, climbing, falling = slopes(stand, day, levels, rated, latest_on)
    direction = np.full(slope.shape, "insufficient_data", dtype="<U17")
    direction[~np.isnan(slope)] = "stable"
    direction[falling] = "worsening" if rising else "improving"
    direction[climbing] = "improving" if rising else "worsening"
    return DomainTrends(
        count.ravel(),
        at(first_row, levels).ravel(),
        at(previous_row, levels).ravel(),
        at(last, levels).ravel(),
        slope.ravel(),
        direction.ravel(),
        at(first_row, day).ravel(),
        latest_on.ravel(),
    )


def slopes(stand: Standing, day: Ints, levels: Ints, rated: Bools, latest_on: Ints) -> tuple[Floats, Bools, Bools]:
    """OLS slope per year per child and domain over its ratings in the 730 days up to its latest (NaN
    unless at least two ratings at least 28 days apart), and where it climbs or falls by at least
    DIRECTED_SLOPE a year.

    Days and levels are integers, so the slope per day is the ratio of two integer sums,
    (n * Sum(t * y) - Sum(t) * Sum(y)) / (n * Sum(t * t) - Sum(t) ** 2), and the direction is decided
    on those sums exactly: a slope a hair below the threshold is not one on it. With days counted from
    the window's start (at most 731 of them, one standing rating a day) and levels at most MAX_LEVEL,
    every sum stays below 2 ** 53, so the one division left gives the float nearest the exact slope."""
    days = day[:, None]
    window = rated & ((stand.by_child(latest_on) - days) <= SLOPE_WINDOW_DAYS)
    n = stand.reduce(np.add, window.astype(np.int64), 0)
    window_start = stand.reduce(np.minimum, np.where(window, days, np.iinfo(np.int64).max), 0)
    window_start[n == 0] = 0
    t = np.where(window, days - stand.by_child(window_start), 0)
    y = np.where(window, levels, 0)
    sum_t, sum_y = stand.reduce(np.add, t, 0), stand.reduce(np.add, y, 0)
    sxy = n * stand.reduce(np.add, t * y, 0) - sum_t * sum_y
    sxx = n * stand.reduce(np.add, t * t, 0) - sum_t * sum_t
    enough = (n >= 2) & ((latest_on - window_start) >= MIN_SLOPE_SPREAD_DAYS)
    # slope per year = (sxy * 1461) / (sxx * 4), sxx > 0 wherever there is enough.
    rise, run = sxy * DAYS_PER_YEAR.numerator, sxx * DAYS_PER_YEAR.denominator
    slope = np.full(n.shape, np.nan)
    slope[enough] = rise[enough] / run[enough]
    bound = run * DIRECTED_SLOPE.numerator
    climbing = enough & (rise * DIRECTED_SLOPE.denominator >= bound)
    falling = enough & (rise * DIRECTED_SLOPE.denominator <= -bound)
    return slope, climbing, falling


def child_summaries(stand: Standing, scale: Scale, trends: DomainTrends) -> ChildSummaries:
    a, counts = stand.assessments, stand.counts
    children, domains = len(counts), len(scale.domains)
    has = counts > 0
    baseline_row, latest_row = np.full(children, -1), np.full(children, -1)
    baseline_row[has], latest_row[has] = stand.starts[has], stand.starts[has] + counts[has] - 1

    def of(rows: Ints, values: Ints) -> Ints:
        result = np.full(children, -1, dtype=np.int64)
        result[has] = values[rows[has]]
        return result

    was = trends.baseline.reshape(children, domains) >= scale.actionable_from
    now = trends.latest.reshape(children, domains) >= scale.actionable_from
    rated = trends.ratings_count.reshape(children, domains) > 0
    change = (trends.latest - trends.baseline).reshape(children, domains)
    mixed: Bools = np.asarray(((change <= -1) & rated).any(axis=1) & ((change >= 1) & rated).any(axis=1))
    return ChildSummaries(
        counts,
        of(baseline_row, a.assessment),
        of(latest_row, a.assessment),
        of(baseline_row, a.assessed_on),
        of(latest_row, a.assessed_on),
        *levels_at(a.need, latest_row, scale),
        *levels_at(a.need, baseline_row, scale),
        np.where(counts >= 2, rated_total(a.need, latest_row - 1), -1),
        rated_total(a.strength, latest_row),
        rated_total(a.strength, baseline_row),
        rated & was & ~now,
        rated & ~was & now,
        mixed,
        a.assessment,
        np.r_[0, np.cumsum(counts)],
    )


def rows_of(levels: Ints, rows: Ints) -> Ints:
    """Each child's levels in the given row (NOT_RATED throughout for a child without one)."""
    result = np.full((len(rows), levels.shape[1]), NOT_RATED, dtype=np.int64)
    result[rows >= 0] = levels[rows[rows >= 0]]
    return result


def levels_at(levels: Ints, rows: Ints, scale: Scale) -> tuple[Ints, Ints, Ints, Ints]:
    """Total, max (-1 if none rated), actionable and intensive counts of each child's given assessment."""
    chosen = rows_of(levels, rows)
    rated = chosen != NOT_RATED
    return (
        np.where(rated, chosen, 0).sum(axis=1),
        chosen.max(axis=1, initial=-1),
        (rated & (chosen >= scale.actionable_from)).sum(axis=1),
        (rated & (chosen >= scale.intensive_level)).sum(axis=1),
    )


def rated_total(levels: Ints, rows: Ints) -> Ints:
    chosen = rows_of(levels, rows)
    total: Ints = np.where(chosen != NOT_RATED, chosen, 0).sum(axis=1)
    return total


RELIABLE = 1.96


def reliable_change(
    total: Ints, baseline_total: Ints, assessments: Ints, sd: Floats, reliability: Floats
) -> tuple[Floats, NDArray[np.str_]]:
    """Jacobson and Truax per child: RCI = (latest total - baseline total) / (sqrt(2) * SD * sqrt(1 - r)),
    and its verdict. NaN and an empty verdict with a single assessment or no SD."""
    with np.errstate(invalid="ignore", divide="ignore"):
        # One square root, not two: for r of 0.5 or more, 2 * (1 - r) is exact in floating point, so S_diff
        # is two roundings from the formula (SD itself when r is 0.5), and the RCI stored unrounded three.
        s_diff = sd * np.sqrt(2.0 * (1.0 - reliability))
        rci: Floats = np.where((assessments >= 2) & (s_diff > 0), (total - baseline_total) / s_diff, np.nan)
    verdict: NDArray[np.str_] = np.full(len(rci), "", dtype="<U22")
    known = ~np.isnan(rci)
    verdict[known] = "no_reliable_change"
    verdict[known & (rci <= -RELIABLE)] = "reliable_improvement"
    verdict[known & (rci >= RELIABLE)] = "reliable_deterioration"
    return rci, verdict
