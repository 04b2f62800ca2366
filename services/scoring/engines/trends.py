"""Needs trends for one child: per-domain series and the child summary (domain.md section 4).

Pure engine: the caller passes the child's final assessments of one instrument family,
in any order, and stores what comes back.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

DAYS_PER_YEAR = 365.25
SLOPE_WINDOW_DAYS = 730
MIN_SLOPE_SPREAD_DAYS = 28
IMPROVING_SLOPE = -0.5
WORSENING_SLOPE = 0.5
# OLS in floating point lands a hair either side of a slope that is exactly +/-0.5 per
# year (e.g. 0.4999999999999993), which would flip the direction. Rounding the stored
# slope far below any displayed precision keeps the figure and its direction in step.
_SLOPE_DECIMALS = 9


@dataclass(frozen=True, slots=True)
class Scale:
    domains: tuple[str, ...]
    actionable_from: int = 2
    intensive_level: int = 4


@dataclass(frozen=True, slots=True)
class AssessmentInput:
    assessment_id: str
    assessed_on: date
    recorded_seq: int
    needs: Mapping[str, int | None]


@dataclass(frozen=True, slots=True)
class DomainTrend:
    domain: str
    ratings_count: int
    baseline: int | None
    previous: int | None
    latest: int | None
    change_since_baseline: int | None
    change_since_previous: int | None
    slope_per_year: float | None
    direction: str
    first_assessed_on: date | None
    latest_assessed_on: date | None


@dataclass(frozen=True, slots=True)
class ChildSummary:
    assessments_count: int
    baseline_assessment_id: str
    latest_assessment_id: str
    assessment_ids: tuple[str, ...]
    total_need: int
    max_need: int | None
    actionable_count: int
    intensive_count: int
    baseline_total_need: int
    baseline_max_need: int | None
    baseline_actionable_count: int
    baseline_intensive_count: int
    resolved_needs: tuple[str, ...]
    new_needs: tuple[str, ...]
    mixed_progress: bool


@dataclass(frozen=True, slots=True)
class ChildTrends:
    domains: tuple[DomainTrend, ...]
    summary: ChildSummary


def compute_child_trends(assessments: Sequence[AssessmentInput], scale: Scale) -> ChildTrends | None:
    """None when there is no assessment."""
    series = _series(assessments)
    if not series:
        return None
    trends = tuple(_domain_trend(domain, series) for domain in scale.domains)
    baseline, latest = series[0], series[-1]
    b_total, b_max, b_actionable, b_intensive = _levels_summary(baseline, scale)
    total, max_need, actionable, intensive = _levels_summary(latest, scale)
    return ChildTrends(
        domains=trends,
        summary=ChildSummary(
            assessments_count=len(series),
            baseline_assessment_id=baseline.assessment_id,
            latest_assessment_id=latest.assessment_id,
            assessment_ids=tuple(a.assessment_id for a in series),
            total_need=total,
            max_need=max_need,
            actionable_count=actionable,
            intensive_count=intensive,
            baseline_total_need=b_total,
            baseline_max_need=b_max,
            baseline_actionable_count=b_actionable,
            baseline_intensive_count=b_intensive,
            resolved_needs=tuple(t.domain for t in trends if _crossed(t, scale, into_actionable=False)),
            new_needs=tuple(t.domain for t in trends if _crossed(t, scale, into_actionable=True)),
            mixed_progress=_mixed_progress(trends),
        ),
    )


def _series(assessments: Sequence[AssessmentInput]) -> list[AssessmentInput]:
    # The id is a last-resort key so that even an (invalid) tie on date and
    # recorded_seq gives the same answer whatever order the caller used.
    ordered = sorted(assessments, key=lambda a: (a.assessed_on, a.recorded_seq, a.assessment_id))
    # Keep the last recorded assessment of each date: the same-date ones it beats are
    # superseded, not extra data points.
    return [a for i, a in enumerate(ordered) if i + 1 == len(ordered) or ordered[i + 1].assessed_on != a.assessed_on]


def _rated(assessment: AssessmentInput, scale: Scale) -> list[int]:
    return [level for domain in scale.domains if (level := assessment.needs.get(domain)) is not None]


def _levels_summary(assessment: AssessmentInput, scale: Scale) -> tuple[int, int | None, int, int]:
    levels = _rated(assessment, scale)
    return (
        sum(levels),
        max(levels, default=None),
        sum(1 for level in levels if level >= scale.actionable_from),
        sum(1 for level in levels if level >= scale.intensive_level),
    )


def _domain_trend(domain: str, series: Sequence[AssessmentInput]) -> DomainTrend:
    ratings = [(a.assessed_on, level) for a in series if (level := a.needs.get(domain)) is not None]
    if not ratings:
        return DomainTrend(
            domain=domain,
            ratings_count=0,
            baseline=None,
            previous=None,
            latest=None,
            change_since_baseline=None,
            change_since_previous=None,
            slope_per_year=None,
            direction="insufficient_data",
            first_assessed_on=None,
            latest_assessed_on=None,
        )
    baseline, latest = ratings[0][1], ratings[-1][1]
    # domain.md §4: the change since baseline is latest - baseline (0 with one rating); only the
    # change since previous needs a previous rating.
    previous = ratings[-2][1] if len(ratings) > 1 else None
    slope = _slope_per_year(ratings)
    return DomainTrend(
        domain=domain,
        ratings_count=len(ratings),
        baseline=baseline,
        previous=previous,
        latest=latest,
        change_since_baseline=latest - baseline,
        change_since_previous=None if previous is None else latest - previous,
        slope_per_year=slope,
        direction=_direction(slope),
        first_assessed_on=ratings[0][0],
        latest_assessed_on=ratings[-1][0],
    )


def _slope_per_year(ratings: Sequence[tuple[date, int]]) -> float | None:
    latest_on = ratings[-1][0]
    window = [(on, level) for on, level in ratings if (latest_on - on).days <= SLOPE_WINDOW_DAYS]
    first_on = window[0][0]
    if len(window) < 2 or (latest_on - first_on).days < MIN_SLOPE_SPREAD_DAYS:
        return None
    # Days from the window's start, not date ordinals, keep the sums small and the
    # float error with them.
    years = np.array([(on - first_on).days for on, _ in window], dtype=float)
    years /= DAYS_PER_YEAR
    levels = np.array([level for _, level in window], dtype=float)
    centred = years - years.mean()
    slope = float(centred @ (levels - levels.mean()) / (centred @ centred))
    # Adding 0.0 turns a rounded -0.0 into 0.0 so a flat series reads as plain zero.
    return round(slope, _SLOPE_DECIMALS) + 0.0


def _direction(slope: float | None) -> str:
    if slope is None:
        return "insufficient_data"
    if slope <= IMPROVING_SLOPE:
        return "improving"
    if slope >= WORSENING_SLOPE:
        return "worsening"
    return "stable"


def _crossed(trend: DomainTrend, scale: Scale, *, into_actionable: bool) -> bool:
    if trend.baseline is None or trend.latest is None:
        return False
    was = trend.baseline >= scale.actionable_from
    now = trend.latest >= scale.actionable_from
    return was != now and now == into_actionable


def _mixed_progress(trends: Sequence[DomainTrend]) -> bool:
    changes = [t.change_since_baseline for t in trends if t.change_since_baseline is not None]
    return any(c <= -1 for c in changes) and any(c >= 1 for c in changes)
