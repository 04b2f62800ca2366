"""The needs trends engine (shared/domain/engines/needs_trends.py) run for one child, with named fields, as
hand-worked tests read it: the child's final assessments of one instrument family in, in any order, and its
per-domain series and summary (domain.md section 4) out. And the series the tests share."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from numpy.typing import NDArray

from shared.domain.engines.needs_trends import NOT_RATED, Assessments, DomainTrends, Scale, Trends, compute

__all__ = [
    "JUST_UNDER_HALF",
    "AssessmentInput",
    "ChildSummary",
    "ChildTrends",
    "DomainTrend",
    "Scale",
    "compute_child_trends",
]


@dataclass(frozen=True, slots=True)
class AssessmentInput:
    assessment_id: str
    assessed_on: date
    recorded_seq: int
    needs: Mapping[str, int | None]
    strengths: Mapping[str, int | None] = field(default_factory=dict)


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
    total_strength: int
    baseline_total_strength: int
    resolved_needs: tuple[str, ...]
    new_needs: tuple[str, ...]
    mixed_progress: bool


@dataclass(frozen=True, slots=True)
class ChildTrends:
    domains: tuple[DomainTrend, ...]
    strengths: tuple[DomainTrend, ...]  # the same figures for strengths, where rising is improving
    summary: ChildSummary


def compute_child_trends(assessments: Sequence[AssessmentInput], scale: Scale) -> ChildTrends | None:
    """None when there is no assessment."""
    if not assessments:
        return None
    # The engine keys assessments by number; sorted ids make the last-resort tie-break the same as by id.
    ids = sorted(a.assessment_id for a in assessments)
    number = {assessment_id: n for n, assessment_id in enumerate(ids)}
    batch = Assessments(
        np.zeros(len(assessments), dtype=np.int64),
        np.array([number[a.assessment_id] for a in assessments], dtype=np.int64),
        np.array([a.assessed_on.toordinal() for a in assessments], dtype=np.int64),
        np.array([a.recorded_seq for a in assessments], dtype=np.int64),
        levels_of([a.needs for a in assessments], scale),
        levels_of([a.strengths for a in assessments], scale),
    )
    trends = compute(batch, 1, scale)
    return ChildTrends(
        domains=domain_rows(trends.domains, scale),
        strengths=domain_rows(trends.strengths, scale),
        summary=summary_of(trends, scale, ids),
    )


def levels_of(ratings: Sequence[Mapping[str, int | None]], scale: Scale) -> NDArray[np.int64]:
    """Assessments x domains, NOT_RATED where a domain has no level."""
    rows = [
        [NOT_RATED if (level := levels.get(domain)) is None else level for domain in scale.domains]
        for levels in ratings
    ]
    return np.array(rows, dtype=np.int64).reshape(len(ratings), len(scale.domains))


def optional(value: int) -> int | None:
    return None if value == NOT_RATED else int(value)


def on_date(ordinal: int) -> date | None:
    return None if ordinal == NOT_RATED else date.fromordinal(int(ordinal))


def domain_rows(t: DomainTrends, scale: Scale) -> tuple[DomainTrend, ...]:
    rows = []
    for d, domain in enumerate(scale.domains):
        baseline, previous, latest = optional(t.baseline[d]), optional(t.previous[d]), optional(t.latest[d])
        slope = float(t.slope_per_year[d])
        rows.append(
            DomainTrend(
                domain=domain,
                ratings_count=int(t.ratings_count[d]),
                baseline=baseline,
                previous=previous,
                latest=latest,
                change_since_baseline=None if latest is None or baseline is None else latest - baseline,
                change_since_previous=None if latest is None or previous is None else latest - previous,
                slope_per_year=None if np.isnan(slope) else slope,
                direction=str(t.direction[d]),
                first_assessed_on=on_date(t.first_assessed_on[d]),
                latest_assessed_on=on_date(t.latest_assessed_on[d]),
            )
        )
    return tuple(rows)


def summary_of(trends: Trends, scale: Scale, ids: list[str]) -> ChildSummary:
    c = trends.children
    return ChildSummary(
        assessments_count=int(c.assessments_count[0]),
        baseline_assessment_id=ids[int(c.baseline_assessment[0])],
        latest_assessment_id=ids[int(c.latest_assessment[0])],
        assessment_ids=tuple(ids[int(n)] for n in c.series[c.series_starts[0] : c.series_starts[1]]),
        total_need=int(c.total_need[0]),
        max_need=optional(c.max_need[0]),
        actionable_count=int(c.actionable_count[0]),
        intensive_count=int(c.intensive_count[0]),
        baseline_total_need=int(c.baseline_total_need[0]),
        baseline_max_need=optional(c.baseline_max_need[0]),
        baseline_actionable_count=int(c.baseline_actionable_count[0]),
        baseline_intensive_count=int(c.baseline_intensive_count[0]),
        total_strength=int(c.total_strength[0]),
        baseline_total_strength=int(c.baseline_total_strength[0]),
        resolved_needs=tuple(d for n, d in enumerate(scale.domains) if c.resolved[0, n]),
        new_needs=tuple(d for n, d in enumerate(scale.domains) if c.new[0, n]),
        mixed_progress=bool(c.mixed_progress[0]),
    )


# A slope 3.6e-10 a year short of +0.5 (it takes many ratings for the integer sums to come this close):
# days 0-28 at level 0, days 35 and 127 at 1, days 684-730 at 1. n = 78, Sum(t) = 406 + 162 + 33229 =
# 33797, Sum(y) = 49, Sum(t*t) = 7714 + 17354 + 23501551 = 23526619, Sum(t*y) = 162 + 33229 = 33391;
# n*Sum(t*t) - Sum(t)^2 = 1835076282 - 1142237209 = 692839073, n*Sum(t*y) - Sum(t)*Sum(y) = 2604498 -
# 1656053 = 948445; slope = 948445 * 365.25 / 692839073 = 1385678145 / 2771356292 = 1/2 - 1/2771356292.
# Rounded to 9 decimals it would read 0.5, and worsening.
JUST_UNDER_HALF = [(day, 0) for day in range(29)] + [(35, 1), (127, 1)] + [(day, 1) for day in range(684, 731)]
