"""Needs trends for one child (domain.md §4). Pure: no I/O, so it is tested exhaustively and fast."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

DAYS_PER_YEAR = 365.25
SLOPE_WINDOW = timedelta(days=730)
MIN_SLOPE_SPREAD = timedelta(days=28)
DIRECTION_THRESHOLD = 0.5


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


def series(assessments: Sequence[AssessmentInput]) -> list[AssessmentInput]:
    """Date order; of two on one date the later recorded stands and the other is dropped."""
    by_date: dict[date, AssessmentInput] = {}
    for item in sorted(assessments, key=lambda a: (a.assessed_on, a.recorded_seq)):
        by_date[item.assessed_on] = item
    return [by_date[day] for day in sorted(by_date)]


def slope_per_year(dates: list[date], levels: list[int]) -> float | None:
    window_start = dates[-1] - SLOPE_WINDOW
    points = [(day, level) for day, level in zip(dates, levels, strict=True) if day >= window_start]
    if len(points) < 2 or points[-1][0] - points[0][0] < MIN_SLOPE_SPREAD:
        return None
    # Days from the window's first rating keep the regression well conditioned.
    years = np.array([(day - points[0][0]).days for day, _ in points], dtype=float) / DAYS_PER_YEAR
    values = np.array([level for _, level in points], dtype=float)
    centred = years - years.mean()
    return float((centred * (values - values.mean())).sum() / (centred * centred).sum())


def direction(slope: float | None) -> str:
    if slope is None:
        return "insufficient_data"
    if slope <= -DIRECTION_THRESHOLD:
        return "improving"
    if slope >= DIRECTION_THRESHOLD:
        return "worsening"
    return "stable"


def domain_trend(domain: str, ordered: list[AssessmentInput]) -> DomainTrend:
    rated = [(item.assessed_on, level) for item in ordered if (level := item.needs.get(domain)) is not None]
    if not rated:
        return DomainTrend(domain, 0, None, None, None, None, None, None, "insufficient_data", None, None)
    dates = [day for day, _ in rated]
    levels = [level for _, level in rated]
    baseline, latest = levels[0], levels[-1]
    previous = levels[-2] if len(levels) > 1 else None
    slope = slope_per_year(dates, levels)
    return DomainTrend(
        domain=domain,
        ratings_count=len(levels),
        baseline=baseline,
        previous=previous,
        latest=latest,
        change_since_baseline=latest - baseline,
        change_since_previous=None if previous is None else latest - previous,
        slope_per_year=slope,
        direction=direction(slope),
        first_assessed_on=dates[0],
        latest_assessed_on=dates[-1],
    )


def totals(item: AssessmentInput, scale: Scale) -> tuple[int, int | None, int, int]:
    levels = [level for domain in scale.domains if (level := item.needs.get(domain)) is not None]
    return (
        sum(levels),
        max(levels, default=None),
        sum(level >= scale.actionable_from for level in levels),
        sum(level >= scale.intensive_level for level in levels),
    )


def compute_child_trends(assessments: Sequence[AssessmentInput], scale: Scale) -> ChildTrends | None:
    ordered = series(assessments)
    if not ordered:
        return None
    domains = tuple(domain_trend(domain, ordered) for domain in scale.domains)
    # Only domains rated at least twice can have changed state.
    changed = [d for d in domains if d.ratings_count > 1 and d.baseline is not None and d.latest is not None]
    resolved = tuple(d.domain for d in changed if d.baseline >= scale.actionable_from > d.latest)  # type: ignore[operator]
    new = tuple(d.domain for d in changed if d.baseline < scale.actionable_from <= d.latest)  # type: ignore[operator]
    changes = [d.change_since_baseline for d in changed if d.change_since_baseline is not None]
    first, last = ordered[0], ordered[-1]
    total, top, actionable, intensive = totals(last, scale)
    base_total, base_top, base_actionable, base_intensive = totals(first, scale)
    summary = ChildSummary(
        assessments_count=len(ordered),
        baseline_assessment_id=first.assessment_id,
        latest_assessment_id=last.assessment_id,
        assessment_ids=tuple(item.assessment_id for item in ordered),
        total_need=total,
        max_need=top,
        actionable_count=actionable,
        intensive_count=intensive,
        baseline_total_need=base_total,
        baseline_max_need=base_top,
        baseline_actionable_count=base_actionable,
        baseline_intensive_count=base_intensive,
        resolved_needs=resolved,
        new_needs=new,
        mixed_progress=any(c <= -1 for c in changes) and any(c >= 1 for c in changes),
    )
    return ChildTrends(domains, summary)
