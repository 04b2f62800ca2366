"""The trend engine against hand-worked cases from domain.md §4."""

from datetime import date, timedelta

import pytest

from services.scoring.engines.trends import AssessmentInput, Scale, compute_child_trends

SCALE = Scale(domains=("a", "b", "c"))
DAY0 = date(2024, 1, 1)


def on(days: int, seq: int | None = None, **needs: int | None) -> AssessmentInput:
    return AssessmentInput(f"x{days}-{seq}", DAY0 + timedelta(days=days), seq if seq is not None else days, needs)


def domain(result, code: str):  # type: ignore[no-untyped-def]
    return next(d for d in result.domains if d.domain == code)


def test_slope_is_ordinary_least_squares_in_years() -> None:
    # t = 0, 182, 365 days = 0, 0.49829, 0.99932 years; levels 3, 2, 2; mean t 0.49920, mean y 7/3.
    # Sxy = -0.49920 * 2/3 + -0.00091 * -1/3 + 0.50012 * -1/3 = -0.49921
    # Sxx = 0.24920 + 0.00000 + 0.25012 = 0.49932, so the slope is -0.99978 a year.
    result = compute_child_trends([on(0, a=3), on(182, a=2), on(365, a=2)], SCALE)
    assert result is not None
    assert domain(result, "a").slope_per_year == pytest.approx(-0.99978, abs=1e-4)
    assert domain(result, "a").direction == "improving"


@pytest.mark.parametrize(
    ("latest", "expected"),
    [(1, "improving"), (3, "worsening"), (2, "stable")],
)
def test_direction_thresholds_at_exactly_half_a_level_a_year(latest: int, expected: str) -> None:
    # One level over exactly two years (730.5 days) is a slope of exactly 0.5; 730 days keeps it in the window.
    first = AssessmentInput("first", DAY0, 1, {"a": 2})
    last = AssessmentInput("last", DAY0 + timedelta(days=730), 2, {"a": latest})
    result = compute_child_trends([first, last], SCALE)
    assert result is not None
    slope = domain(result, "a").slope_per_year
    assert slope == pytest.approx((latest - 2) * 365.25 / 730)
    assert domain(result, "a").direction == expected


def test_a_late_rise_below_the_threshold_is_stable() -> None:
    # t = 0, 1.91650, 1.99863 years; levels 1, 1, 2; mean t 1.30504.
    # Sxy = 1.30504/3 - 0.61146/3 + 0.69359 * 2/3 = 0.69359; Sxx = 1.70313 + 0.37388 + 0.48107 = 2.55808.
    result = compute_child_trends([on(0, a=1), on(700, a=1), on(730, a=2)], SCALE)
    assert result is not None
    assert domain(result, "a").slope_per_year == pytest.approx(0.27114, abs=1e-4)
    assert domain(result, "a").direction == "stable"


def test_window_is_730_days_inclusive() -> None:
    # The rating at day 0 is 731 days before the latest: outside. Day 1 is exactly 730: inside.
    result = compute_child_trends([on(0, a=4), on(1, a=0), on(731, a=0)], SCALE)
    assert result is not None
    assert domain(result, "a").slope_per_year == 0.0
    assert domain(result, "a").baseline == 4  # the baseline still comes from the whole series


def test_ratings_closer_than_28_days_give_no_slope() -> None:
    close = compute_child_trends([on(0, a=3), on(27, a=1)], SCALE)
    apart = compute_child_trends([on(0, a=3), on(28, a=1)], SCALE)
    assert close is not None and apart is not None
    assert domain(close, "a").slope_per_year is None and domain(close, "a").direction == "insufficient_data"
    assert domain(apart, "a").slope_per_year == pytest.approx(-2 * 365.25 / 28)


def test_same_date_keeps_the_later_recorded_whatever_the_input_order() -> None:
    early = on(100, seq=5, a=4, b=4, c=4)
    late = on(100, seq=9, a=1, b=1, c=1)
    for order in ([early, late], [late, early]):
        result = compute_child_trends([on(0, a=2, b=2, c=2), *order], SCALE)
        assert result is not None
        assert result.summary.total_need == 3
        assert early.assessment_id not in result.summary.assessment_ids
        assert result.summary.assessments_count == 2


def test_not_assessed_is_skipped_never_read_as_zero() -> None:
    result = compute_child_trends([on(0, a=3, b=None, c=2), on(200, a=3, b=2, c=None), on(400, a=3, b=1, c=2)], SCALE)
    assert result is not None
    b, c = domain(result, "b"), domain(result, "c")
    assert (b.ratings_count, b.baseline, b.previous, b.latest) == (2, 2, 2, 1)
    assert b.first_assessed_on == DAY0 + timedelta(days=200)
    assert (c.ratings_count, c.previous, c.change_since_previous) == (2, 2, 0)
    assert result.summary.baseline_total_need == 5 and result.summary.baseline_max_need == 3


def test_a_single_assessment() -> None:
    result = compute_child_trends([on(0, a=3, b=1, c=4)], SCALE)
    assert result is not None
    a = domain(result, "a")
    assert (a.previous, a.change_since_previous, a.change_since_baseline, a.slope_per_year) == (None, None, 0, None)
    assert result.summary.resolved_needs == () and result.summary.new_needs == ()
    assert (result.summary.total_need, result.summary.actionable_count, result.summary.intensive_count) == (8, 2, 1)
    assert result.summary.mixed_progress is False


def test_resolved_new_and_mixed_progress() -> None:
    result = compute_child_trends([on(0, a=3, b=1, c=2), on(200, a=1, b=2, c=2)], SCALE)
    assert result is not None
    assert result.summary.resolved_needs == ("a",)
    assert result.summary.new_needs == ("b",)
    assert result.summary.mixed_progress is True


def test_progress_everywhere_is_not_mixed() -> None:
    result = compute_child_trends([on(0, a=3, b=2, c=2), on(200, a=1, b=1, c=2)], SCALE)
    assert result is not None and result.summary.mixed_progress is False


def test_no_assessments() -> None:
    assert compute_child_trends([], SCALE) is None


def test_a_domain_never_rated() -> None:
    result = compute_child_trends([on(0, a=1, b=1)], SCALE)
    assert result is not None
    c = domain(result, "c")
    assert (c.ratings_count, c.baseline, c.latest, c.direction) == (0, None, None, "insufficient_data")
