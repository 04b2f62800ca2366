"""Reliable change (Jacobson and Truax, domain.md §4) and strengths trends, against hand-worked figures."""

import math
from datetime import date

import numpy as np
import pytest

from shared.domain.engines.needs_trends import reliable_change
from tests.unit.trends_builders import AssessmentInput, Scale, compute_child_trends

SCALE = Scale(("a", "b"), actionable_from=2, intensive_level=4)


def ints(*values: int) -> np.ndarray:  # type: ignore[type-arg]
    return np.array(values, dtype=np.int64)


def test_rci_and_its_verdicts() -> None:
    # SD 5 and r 0.8: S_diff = sqrt(2) * 5 * sqrt(0.2) = 3.16227766...
    s_diff = math.sqrt(2) * 5 * math.sqrt(0.2)
    rci, verdict = reliable_change(
        total=ints(12, 20, 31, 24, 24),
        baseline_total=ints(24, 24, 24, 24, 24),
        assessments=ints(2, 2, 3, 1, 2),
        sd=np.array([5.0, 5.0, 5.0, 5.0, np.nan]),
        reliability=np.full(5, 0.8),
    )
    assert rci[0] == pytest.approx(-12 / s_diff) and rci[0] == pytest.approx(-3.794733192)
    assert rci[1] == pytest.approx(-4 / s_diff) and rci[2] == pytest.approx(7 / s_diff)
    assert verdict[:3].tolist() == ["reliable_improvement", "no_reliable_change", "reliable_deterioration"]
    # One assessment, or no SD calibrated yet: no RCI and no verdict.
    assert math.isnan(rci[3]) and math.isnan(rci[4]) and verdict[3:].tolist() == ["", ""]


def test_the_1_96_edges_belong_to_the_reliable_verdicts() -> None:
    # With r = 0.5 and SD = 1/sqrt(2)... S_diff = 1 exactly when sqrt(2) * SD * sqrt(0.5) = SD = 1.
    rci, verdict = reliable_change(
        total=ints(0, 4),
        baseline_total=ints(0, 0),
        assessments=ints(2, 2),
        sd=np.array([1.0, 2.0]),
        reliability=np.array([0.5, 0.5]),
    )
    assert rci.tolist() == [0.0, 2.0] and verdict.tolist() == ["no_reliable_change", "reliable_deterioration"]


def test_an_rci_a_hair_below_1_96_is_no_reliable_change_and_stored_unrounded() -> None:
    # r = 0.5 makes S_diff = SD: a rise of 196 over SD 100.00000001 is 1.96 / (1 + 1e-10) =
    # 1.959999999804..., which rounded to 9 decimals would read 1.96, a reliable deterioration.
    rci, verdict = reliable_change(
        total=ints(196),
        baseline_total=ints(0),
        assessments=ints(2),
        sd=np.array([100.00000001]),
        reliability=np.array([0.5]),
    )
    assert rci[0] == pytest.approx(1.959999999804, rel=1e-13) and verdict[0] == "no_reliable_change"


def test_strengths_get_the_same_figures_with_rising_as_improving() -> None:
    assessments = [
        AssessmentInput("x1", date(2024, 1, 1), 1, {"a": 3, "b": 1}, {"a": 1, "b": 2}),
        AssessmentInput("x2", date(2024, 7, 1), 2, {"a": 2, "b": 1}, {"a": 2, "b": None}),
        AssessmentInput("x3", date(2025, 1, 1), 3, {"a": 1, "b": 1}, {"a": 3, "b": 1}),
    ]
    trends = compute_child_trends(assessments, SCALE)
    assert trends is not None
    a, b = trends.strengths
    assert (a.baseline, a.previous, a.latest, a.change_since_baseline, a.ratings_count) == (1, 2, 3, 2, 3)
    # OLS over days 0, 182 and 366: slope = sum((t - t_mean) * (y - y_mean)) / sum((t - t_mean) ** 2).
    t = [0, 182 / 365.25, 366 / 365.25]
    t_mean = sum(t) / 3
    expected = sum((ti - t_mean) * (yi - 2) for ti, yi in zip(t, [1, 2, 3], strict=True)) / sum(
        (ti - t_mean) ** 2 for ti in t
    )
    assert a.slope_per_year == pytest.approx(expected, abs=1e-9) and a.direction == "improving"
    # b's strength was not rated in July: its series skips it.
    assert (b.baseline, b.previous, b.latest, b.ratings_count, b.direction) == (2, 2, 1, 2, "worsening")
    assert (trends.summary.baseline_total_strength, trends.summary.total_strength) == (3, 4)
    # Needs keep their own sense: a falling need is the improvement.
    assert trends.domains[0].direction == "improving"
