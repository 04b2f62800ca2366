"""Needs trends for any number of children at once (domain.md §4), as numpy array operations.

Pure engine: the caller passes one row per rating of the children's final assessments (current
versions, one instrument family per child) and gets arrays back, one entry per child and one per
child and domain. One child's recompute and a whole nation's run through the same code, so the two
cannot disagree.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

DAYS_PER_YEAR = 365.25
SLOPE_WINDOW_DAYS = 730
MIN_SLOPE_SPREAD_DAYS = 28
IMPROVING_SLOPE = -0.5
WORSENING_SLOPE = 0.5
# OLS in floating point lands a hair either side of a slope that is exactly +/-0.5 per year
# (e.g. 0.4999999999999993), which would flip the direction. Rounding the stored slope far below any
# displayed precision keeps the figure and its direction in step.
SLOPE_DECIMALS = 9
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
class Ratings:
    """One row per (assessment, domain). Dates are days since any fixed epoch; `recorded` orders two
    assessments of one date (the later recorded stands); `level` (need) and `strength` are NOT_RATED
    where not rated."""

    child: Ints
    assessment: Ints
    assessed_on: Ints
    recorded: Ints
    domain: Ints  # index into Scale.domains
    level: Ints
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


def standing(ratings: Ratings) -> Bools:
    """Ratings of the assessments that stand: of two on one date, the later recorded replaces the other
    (the higher assessment number, should two share their recording time)."""
    if len(ratings.child) == 0:
        return new_bools(0)
    day = ratings.assessed_on.astype(np.int64)
    span = int(day.max() - day.min()) + 1
    # One int64 key per (child, date) and one sort, instead of a four-key lexsort of every rating.
    key = ratings.child.astype(np.int64) * span + (day - day.min())
    order = np.argsort(key)
    key = key[order]
    new_date = np.r_[True, key[1:] != key[:-1]]
    starts, date_group = np.flatnonzero(new_date), np.cumsum(new_date) - 1
    recorded, assessment = ratings.recorded[order].astype(np.int64), ratings.assessment[order].astype(np.int64)
    latest = np.maximum.reduceat(recorded, starts)[date_group]
    candidates = np.where(recorded == latest, assessment, np.iinfo(np.int64).min)
    winners = np.maximum.reduceat(candidates, starts)[date_group]
    result = new_bools(len(order))
    result[order] = assessment == winners
    return result


def new_bools(size: int) -> Bools:
    return np.zeros(size, dtype=bool)


def compute(ratings: Ratings, children: int, scale: Scale) -> Trends:
    keep = standing(ratings)
    kept = Ratings(*(getattr(ratings, name)[keep] for name in Ratings.__slots__))
    domains = len(scale.domains)
    needs = domain_trends(kept.child, kept.domain, kept.assessed_on, kept.level, children, domains)
    return Trends(
        needs,
        domain_trends(kept.child, kept.domain, kept.assessed_on, kept.strength, children, domains, rising=True),
        child_summaries(kept, children, scale, needs),
    )


def domain_trends(
    child: Ints, domain: Ints, assessed_on: Ints, levels: Ints, children: int, domains: int, *, rising: bool = False
) -> DomainTrends:
    """Per child and domain, from its rated levels; `rising` where a higher level is the improvement."""
    rated = levels != NOT_RATED
    group = child[rated] * domains + domain[rated]
    day, level = assessed_on[rated], levels[rated]
    # One int64 key instead of a two-key lexsort: a rating's (group, date) is unique once ties are settled.
    span = int(day.max() - day.min()) + 1 if len(day) else 1
    order = np.argsort(group.astype(np.int64) * span + (day - (day.min() if len(day) else 0)))
    group, day, level = group[order], day[order], level[order]
    cells = children * domains
    count = np.bincount(group, minlength=cells).astype(np.int64)
    ends = np.cumsum(count)
    starts = ends - count
    has = count > 0
    baseline, previous, latest = (np.full(cells, NOT_RATED, dtype=np.int64) for _ in range(3))
    first_on, latest_on = np.full(cells, NOT_RATED, dtype=np.int64), np.full(cells, NOT_RATED, dtype=np.int64)
    baseline[has], latest[has] = level[starts[has]], level[ends[has] - 1]
    first_on[has], latest_on[has] = day[starts[has]], day[ends[has] - 1]
    two = count > 1
    previous[two] = level[ends[two] - 2]
    slope = slopes(group, day, level, latest_on, cells)
    direction = np.full(cells, "insufficient_data", dtype="<U17")
    known = ~np.isnan(slope)
    direction[known] = "stable"
    falling, climbing = known & (slope <= IMPROVING_SLOPE), known & (slope >= WORSENING_SLOPE)
    direction[falling] = "worsening" if rising else "improving"
    direction[climbing] = "improving" if rising else "worsening"
    return DomainTrends(count, baseline, previous, latest, slope, direction, first_on, latest_on)


def slopes(group: Ints, day: Ints, level: Ints, latest_on: Ints, cells: int) -> Floats:
    """OLS slope per group over its ratings in the 730 days up to its latest; NaN unless at least two
    ratings at least 28 days apart. Rows come sorted by group and date."""
    in_window = (latest_on[group] - day) <= SLOPE_WINDOW_DAYS
    group, day, level = group[in_window], day[in_window], level[in_window].astype(np.float64)
    n = np.bincount(group, minlength=cells)
    window_start = np.full(cells, 0, dtype=np.int64)
    firsts = np.r_[True, group[1:] != group[:-1]] if len(group) else np.zeros(0, dtype=bool)
    window_start[group[firsts]] = day[firsts]
    # Years from the window's start, not date ordinals, keep the sums small and the float error with them.
    years = (day - window_start[group]) / DAYS_PER_YEAR
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_t = np.bincount(group, weights=years, minlength=cells) / n
        mean_y = np.bincount(group, weights=level, minlength=cells) / n
        centred = years - mean_t[group]
        sxy = np.bincount(group, weights=centred * (level - mean_y[group]), minlength=cells)
        sxx = np.bincount(group, weights=centred * centred, minlength=cells)
        slope = sxy / sxx
    spread = latest_on - window_start
    enough = (n >= 2) & (spread >= MIN_SLOPE_SPREAD_DAYS)
    result = np.full(cells, np.nan)
    # Adding 0.0 turns a rounded -0.0 into 0.0 so a flat series reads as plain zero.
    result[enough] = np.round(slope[enough], SLOPE_DECIMALS) + 0.0
    return result


def child_summaries(ratings: Ratings, children: int, scale: Scale, trends: DomainTrends) -> ChildSummaries:
    domains = len(scale.domains)
    assessments, first_row = np.unique(ratings.assessment, return_index=True)
    a_child, a_day = ratings.child[first_row], ratings.assessed_on[first_row]
    order = np.lexsort((a_day, a_child))
    assessments, a_child, a_day = assessments[order], a_child[order], a_day[order]
    count = np.bincount(a_child, minlength=children).astype(np.int64)
    ends = np.cumsum(count)
    starts = ends - count
    has = count > 0
    baseline_id, latest_id = np.full(children, -1, dtype=np.int64), np.full(children, -1, dtype=np.int64)
    baseline_on, latest_on = np.full(children, -1, dtype=np.int64), np.full(children, -1, dtype=np.int64)
    baseline_id[has], latest_id[has] = assessments[starts[has]], assessments[ends[has] - 1]
    baseline_on[has], latest_on[has] = a_day[starts[has]], a_day[ends[has] - 1]
    latest = levels_at(ratings, latest_id, children, scale)
    baseline = levels_at(ratings, baseline_id, children, scale)
    was = trends.baseline.reshape(children, domains) >= scale.actionable_from
    now = trends.latest.reshape(children, domains) >= scale.actionable_from
    rated = trends.ratings_count.reshape(children, domains) > 0
    change = (trends.latest - trends.baseline).reshape(children, domains)
    mixed: Bools = np.asarray(((change <= -1) & rated).any(axis=1) & ((change >= 1) & rated).any(axis=1))
    return ChildSummaries(
        count,
        baseline_id,
        latest_id,
        baseline_on,
        latest_on,
        *latest,
        *baseline,
        strength_total(ratings, latest_id, children),
        strength_total(ratings, baseline_id, children),
        rated & was & ~now,
        rated & ~was & now,
        mixed,
        assessments,
        np.r_[0, ends],
    )


def levels_at(ratings: Ratings, assessment: Ints, children: int, scale: Scale) -> tuple[Ints, Ints, Ints, Ints]:
    """Total, max (-1 if none rated), actionable and intensive counts of each child's given assessment."""
    rows = (ratings.assessment == assessment[ratings.child]) & (ratings.level != NOT_RATED)
    child, level = ratings.child[rows], ratings.level[rows]
    total = np.bincount(child, weights=level, minlength=children).astype(np.int64)
    maximum = np.full(children, -1, dtype=np.int64)
    np.maximum.at(maximum, child, level)
    actionable = np.bincount(child, weights=level >= scale.actionable_from, minlength=children).astype(np.int64)
    intensive = np.bincount(child, weights=level >= scale.intensive_level, minlength=children).astype(np.int64)
    return total, maximum, actionable, intensive


def strength_total(ratings: Ratings, assessment: Ints, children: int) -> Ints:
    rows = (ratings.assessment == assessment[ratings.child]) & (ratings.strength != NOT_RATED)
    return np.bincount(ratings.child[rows], weights=ratings.strength[rows], minlength=children).astype(np.int64)


RELIABLE = 1.96


def reliable_change(
    total: Ints, baseline_total: Ints, assessments: Ints, sd: Floats, reliability: Floats
) -> tuple[Floats, NDArray[np.str_]]:
    """Jacobson and Truax per child: RCI = (latest total - baseline total) / (sqrt(2) * SD * sqrt(1 - r)),
    and its verdict. NaN and an empty verdict with a single assessment or no SD."""
    with np.errstate(invalid="ignore", divide="ignore"):
        s_diff = np.sqrt(2.0) * sd * np.sqrt(1.0 - reliability)
        rci = np.where((assessments >= 2) & (s_diff > 0), (total - baseline_total) / s_diff, np.nan)
    rci = np.asarray(np.round(rci, SLOPE_DECIMALS) + 0.0, dtype=np.float64)
    verdict: NDArray[np.str_] = np.full(len(rci), "", dtype="<U22")
    known = ~np.isnan(rci)
    verdict[known] = "no_reliable_change"
    verdict[known & (rci <= -RELIABLE)] = "reliable_improvement"
    verdict[known & (rci >= RELIABLE)] = "reliable_deterioration"
    return rci, verdict
