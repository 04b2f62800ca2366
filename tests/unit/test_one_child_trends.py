"""Needs trends engine (domain.md section 4), checked against hand-worked figures."""

from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.trends_builders import (
    JUST_UNDER_HALF,
    AssessmentInput,
    ChildTrends,
    DomainTrend,
    Scale,
    compute_child_trends,
)

DAY0 = date(2024, 1, 1)
DOMAINS = ("emotional_health", "safety", "behaviour", "learning")
SCALE = Scale(domains=DOMAINS)


def on(day: int) -> date:
    return DAY0 + timedelta(days=day)


def assessment(assessment_id: str, day: int, seq: int | None = None, **needs: int | None) -> AssessmentInput:
    return AssessmentInput(
        assessment_id=assessment_id,
        assessed_on=on(day),
        recorded_seq=day if seq is None else seq,
        needs=needs,
    )


def trends(*assessments: AssessmentInput, scale: Scale = SCALE) -> ChildTrends:
    result = compute_child_trends(list(assessments), scale)
    assert result is not None
    return result


def domain(result: ChildTrends, code: str) -> DomainTrend:
    (found,) = [t for t in result.domains if t.domain == code]
    return found


def one_domain_series(points: list[tuple[int, int]]) -> DomainTrend:
    """The safety trend of a child rated only on safety, at (day, level) points."""
    result = trends(*(assessment(f"a{day}", day, safety=level) for day, level in points))
    return domain(result, "safety")


def test_no_assessment_gives_none() -> None:
    assert compute_child_trends([], SCALE) is None


def test_one_trend_per_scale_domain_in_scale_order() -> None:
    result = trends(assessment("a1", 0, learning=1, emotional_health=2))
    assert [t.domain for t in result.domains] == list(DOMAINS)


def test_worked_slope_three_ratings_over_a_year() -> None:
    # Days 0, 182, 365 at levels 4, 3, 2. Mean day 547/3, mean level 3.
    # Sxx = ((-547)^2 + (-1)^2 + 548^2) / 9 = 599514 / 9 day^2
    # Sxy = (-547/3)(1) + (-1/3)(0) + (548/3)(-1) = -365 level*day
    # slope = Sxy / Sxx = -3285 / 599514 per day; times 365.25 = -2.00136 per year.
    trend = one_domain_series([(0, 4), (182, 3), (365, 2)])
    assert trend.slope_per_year == pytest.approx(-3285 * 365.25 / 599514)
    assert trend.slope_per_year == pytest.approx(-2.0014, abs=1e-4)
    assert trend.direction == "improving"
    assert (trend.baseline, trend.previous, trend.latest) == (4, 3, 2)
    assert (trend.change_since_baseline, trend.change_since_previous) == (-2, -1)
    assert trend.ratings_count == 3
    assert (trend.first_assessed_on, trend.latest_assessed_on) == (on(0), on(365))


def test_flat_series_has_zero_slope_and_is_stable() -> None:
    trend = one_domain_series([(0, 2), (100, 2), (200, 2)])
    assert trend.slope_per_year == 0.0
    assert trend.direction == "stable"


# Days 0, 75, 132: mean day 69, deviations -69, 6, 63, Sxx = 8766 = 24 * 365.25.
# Levels 2, 0, 2: deviations 2/3, -4/3, 2/3, Sxy = (-138 - 24 + 126) / 3 = -12,
# so slope = -12 * 365.25 / 8766 = -0.5 per year exactly (and +0.5 for levels 0, 2, 0).
# Floating point gives -0.4999999999999994 here, so this also checks that a slope
# exactly on the threshold is not misread as stable.
# Days 0, 24, 54: mean day 26, Sxx = 676 + 4 + 784 = 1464. Levels 2, 3, 2 give
# Sxy = -2, slope = -2 * 365.25 / 1464 = -0.49898 per year: just inside, stable.
@pytest.mark.parametrize(
    ("points", "slope", "direction"),
    [
        ([(0, 2), (75, 0), (132, 2)], -0.5, "improving"),
        ([(0, 0), (75, 2), (132, 0)], 0.5, "worsening"),
        ([(0, 2), (24, 3), (54, 2)], -730.5 / 1464, "stable"),
        ([(0, 2), (24, 1), (54, 2)], 730.5 / 1464, "stable"),
    ],
)
def test_direction_at_and_just_inside_the_half_point_thresholds(
    points: list[tuple[int, int]], slope: float, direction: str
) -> None:
    trend = one_domain_series(points)
    assert trend.slope_per_year == pytest.approx(slope, abs=1e-9)
    assert trend.direction == direction


def test_slope_is_stored_exactly_on_the_threshold_it_is_classified_by() -> None:
    # The figure a BI user filters on must agree with the direction shown beside it.
    assert one_domain_series([(0, 2), (75, 0), (132, 2)]).slope_per_year == -0.5
    assert one_domain_series([(0, 0), (75, 2), (132, 0)]).slope_per_year == 0.5


@pytest.mark.parametrize("falling", [False, True])
def test_a_slope_a_hair_inside_the_half_point_threshold_is_stable_and_stored_unrounded(falling: bool) -> None:
    # Levels turned upside down (1 - level) give the same slope falling.
    trend = one_domain_series([(day, 1 - level if falling else level) for day, level in JUST_UNDER_HALF])
    exact = Fraction(1, 2) - Fraction(1, 2771356292)
    assert trend.direction == "stable"
    assert trend.slope_per_year == float(-exact if falling else exact)


def test_window_includes_a_rating_exactly_730_days_before_the_latest() -> None:
    # Days 0, 365, 730 at 4, 1, 1: deviations -365, 0, 365, Sxx = 2 * 365^2,
    # Sxy = -365 * 2 + 365 * (-1) = -1095, slope = -1095 * 365.25 / 266450 = -1.501.
    trend = one_domain_series([(0, 4), (365, 1), (730, 1)])
    assert trend.slope_per_year == pytest.approx(-1095 * 365.25 / 266450)
    assert trend.direction == "improving"


def test_window_excludes_a_rating_731_days_before_the_latest() -> None:
    # Only days 366 and 731 (both level 1) are in the window: flat, stable. The old
    # rating still sets the baseline: the window limits the slope, nothing else.
    trend = one_domain_series([(0, 4), (366, 1), (731, 1)])
    assert trend.slope_per_year == 0.0
    assert trend.direction == "stable"
    assert trend.baseline == 4
    assert trend.change_since_baseline == -3
    assert trend.ratings_count == 3


def test_window_is_measured_from_the_domain_latest_rating_not_the_child_latest() -> None:
    # The child's last assessment (day 1000) does not rate safety, so safety's window
    # ends at day 600 and still reaches back to day 0.
    result = trends(
        assessment("a1", 0, safety=4),
        assessment("a2", 600, safety=2),
        assessment("a3", 1000, learning=1),
    )
    trend = domain(result, "safety")
    assert trend.slope_per_year == pytest.approx(-2 * 365.25 / 600)
    assert trend.latest_assessed_on == on(600)


def test_ratings_27_days_apart_are_insufficient_data() -> None:
    trend = one_domain_series([(0, 3), (27, 2)])
    assert trend.slope_per_year is None
    assert trend.direction == "insufficient_data"
    # Change figures do not need the spread.
    assert trend.change_since_baseline == -1


def test_ratings_28_days_apart_give_a_slope() -> None:
    trend = one_domain_series([(0, 3), (28, 2)])
    assert trend.slope_per_year == pytest.approx(-365.25 / 28)
    assert trend.direction == "improving"


def test_spread_counts_only_ratings_inside_the_window() -> None:
    # Day 0 is more than 730 days before day 1000, leaving days 1000 and 1020:
    # three ratings, but only 20 days of spread in the window.
    trend = one_domain_series([(0, 4), (1000, 2), (1020, 1)])
    assert trend.slope_per_year is None
    assert trend.direction == "insufficient_data"


@pytest.mark.parametrize("loser_first", [True, False])
def test_same_date_later_recorded_assessment_stands(loser_first: bool) -> None:
    first = assessment("first", 0, safety=2, behaviour=2)
    loser = assessment("amended-away", 100, seq=5, safety=4, behaviour=4, learning=3)
    winner = assessment("stands", 100, seq=9, safety=1, behaviour=None)
    pair = [loser, winner] if loser_first else [winner, loser]
    result = trends(*pair, first)

    assert result.summary.assessment_ids == ("first", "stands")
    assert result.summary.assessments_count == 2
    assert result.summary.latest_assessment_id == "stands"
    assert result.summary.total_need == 1
    safety = domain(result, "safety")
    assert (safety.ratings_count, safety.latest, safety.previous) == (2, 1, 2)
    # The loser's ratings vanish with it, even for domains the winner left unrated.
    assert domain(result, "behaviour").ratings_count == 1
    assert domain(result, "learning").ratings_count == 0


@pytest.mark.parametrize("reverse", [False, True])
def test_same_date_and_recorded_seq_is_settled_the_same_whatever_the_input_order(reverse: bool) -> None:
    # Invalid input (the store gives each version its own seq), but the figures must
    # not depend on the order the caller happened to read the rows in.
    pair = [assessment("x", 0, seq=1, safety=1), assessment("y", 0, seq=1, safety=3)]
    result = trends(*(reversed(pair) if reverse else pair))
    assert result.summary.assessment_ids == ("y",)
    assert domain(result, "safety").latest == 3


def test_not_assessed_is_skipped_never_read_as_zero() -> None:
    result = trends(
        assessment("a1", 0, emotional_health=3, safety=None),
        assessment("a2", 100, emotional_health=None, safety=2, learning=2),
        assessment("a3", 200, safety=3),  # emotional_health and learning missing
    )
    emotional = domain(result, "emotional_health")
    assert emotional.ratings_count == 1
    assert emotional.latest == 3
    assert emotional.latest_assessed_on == on(0)

    safety = domain(result, "safety")
    # Rated only from day 100, so that is its baseline; day 0's None is not a 0.
    assert (safety.baseline, safety.latest, safety.change_since_baseline) == (2, 3, 1)
    assert safety.first_assessed_on == on(100)
    assert safety.ratings_count == 2

    # Totals count what that assessment rated, nothing carried forward.
    assert (result.summary.total_need, result.summary.max_need) == (3, 3)
    assert result.summary.actionable_count == 1
    assert (result.summary.baseline_total_need, result.summary.baseline_max_need) == (
        3,
        3,
    )


def test_never_rated_domain_has_no_figures() -> None:
    result = trends(assessment("a1", 0, safety=2), assessment("a2", 100, safety=1))
    never = domain(result, "learning")
    assert never == DomainTrend(
        domain="learning",
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


def test_assessment_rating_nothing_has_zero_total_and_no_max() -> None:
    result = trends(assessment("a1", 0, safety=None), assessment("a2", 100, safety=3))
    summary = result.summary
    assert (summary.baseline_total_need, summary.baseline_max_need) == (0, None)
    assert (summary.baseline_actionable_count, summary.baseline_intensive_count) == (
        0,
        0,
    )
    assert (summary.total_need, summary.max_need) == (3, 3)


def test_single_assessment() -> None:
    result = trends(assessment("only", 0, emotional_health=4, safety=1, behaviour=2))
    for code in ("emotional_health", "safety", "behaviour"):
        trend = domain(result, code)
        assert trend.ratings_count == 1
        assert trend.baseline == trend.latest
        assert trend.previous is None
        assert trend.change_since_baseline == 0
        assert trend.change_since_previous is None
        assert trend.slope_per_year is None
        assert trend.direction == "insufficient_data"
    summary = result.summary
    assert summary.assessments_count == 1
    assert summary.baseline_assessment_id == summary.latest_assessment_id == "only"
    assert summary.assessment_ids == ("only",)
    assert (summary.total_need, summary.baseline_total_need) == (7, 7)
    assert (summary.resolved_needs, summary.new_needs) == ((), ())
    assert summary.mixed_progress is False


def test_summary_counts_at_baseline_and_latest() -> None:
    # Level 1 is not actionable, 2 is; 3 is not intensive, 4 is.
    result = trends(
        assessment("base", 0, emotional_health=4, safety=3, behaviour=2, learning=1),
        assessment("mid", 100, emotional_health=4, safety=4, behaviour=4, learning=4),
        assessment("last", 200, emotional_health=4, safety=1, behaviour=0, learning=2),
    )
    s = result.summary
    assert (s.baseline_assessment_id, s.latest_assessment_id) == ("base", "last")
    assert (s.baseline_total_need, s.baseline_max_need) == (10, 4)
    assert (s.baseline_actionable_count, s.baseline_intensive_count) == (3, 1)
    assert (s.total_need, s.max_need) == (7, 4)
    assert (s.actionable_count, s.intensive_count) == (2, 1)


def test_summary_uses_the_scale_thresholds() -> None:
    scale = Scale(domains=DOMAINS, actionable_from=3, intensive_level=3)
    result = trends(assessment("a1", 0, safety=2, behaviour=3), scale=scale)
    assert (result.summary.actionable_count, result.summary.intensive_count) == (1, 1)


def test_resolved_and_new_needs() -> None:
    result = trends(
        assessment("a1", 0, emotional_health=2, safety=1, behaviour=4, learning=0),
        assessment("a2", 200, learning=1, behaviour=2, safety=2, emotional_health=1),
    )
    # 2 -> 1 resolves; 1 -> 2 is new; 4 -> 2 stays actionable; 0 -> 1 stays below.
    assert result.summary.resolved_needs == ("emotional_health",)
    assert result.summary.new_needs == ("safety",)


def test_resolved_and_new_needs_listed_in_scale_order() -> None:
    # Needs listed in an order that is neither the scale's nor alphabetical.
    result = trends(
        assessment("a1", 0, learning=0, behaviour=3, safety=0, emotional_health=3),
        assessment("a2", 200, learning=3, behaviour=0, safety=3, emotional_health=0),
    )
    assert result.summary.resolved_needs == ("emotional_health", "behaviour")
    assert result.summary.new_needs == ("safety", "learning")


def test_resolved_needs_use_each_domain_series_not_the_baseline_assessment() -> None:
    # Safety is not rated at the child's baseline assessment; its own baseline (3, on
    # day 100) is actionable and its latest (1) is not, so it is resolved.
    result = trends(
        assessment("a1", 0, learning=1),
        assessment("a2", 100, safety=3, learning=1),
        assessment("a3", 200, safety=1, learning=1),
    )
    assert result.summary.resolved_needs == ("safety",)


def test_a_domain_rated_once_is_neither_resolved_nor_new() -> None:
    result = trends(
        assessment("a1", 0, safety=3, learning=0),
        assessment("a2", 200, behaviour=3, learning=0),
    )
    assert (result.summary.resolved_needs, result.summary.new_needs) == ((), ())


@pytest.mark.parametrize(
    ("later", "mixed"),
    [
        ({"safety": 1, "behaviour": 3}, True),  # -1 and +1: the minimum that counts
        ({"safety": 0, "behaviour": 2}, False),  # -2 and 0
        ({"safety": 2, "behaviour": 3}, False),  # 0 and +1
        ({"safety": 0, "behaviour": 1}, False),  # all progress
    ],
)
def test_mixed_progress(later: dict[str, int], mixed: bool) -> None:
    result = trends(
        assessment("a1", 0, safety=2, behaviour=2),
        AssessmentInput("a2", on(200), 200, later),
    )
    assert result.summary.mixed_progress is mixed


def test_mixed_progress_ignores_domains_rated_once() -> None:
    result = trends(
        assessment("a1", 0, safety=2, behaviour=4),
        assessment("a2", 200, safety=1, learning=4),
    )
    assert result.summary.mixed_progress is False


def test_need_keys_outside_the_scale_are_ignored() -> None:
    result = trends(
        assessment("a1", 0, safety=2, not_a_domain=4),
        assessment("a2", 100, safety=1, not_a_domain=4),
    )
    assert [t.domain for t in result.domains] == list(DOMAINS)
    assert (result.summary.total_need, result.summary.max_need) == (1, 1)
    assert result.summary.baseline_intensive_count == 0


_levels = st.one_of(st.none(), st.integers(min_value=0, max_value=4))


@st.composite
def _assessments(draw: st.DrawFn) -> list[AssessmentInput]:
    count = draw(st.integers(min_value=1, max_value=8))
    # Few distinct days, so same-date ties are common.
    days = draw(st.lists(st.integers(0, 900), min_size=count, max_size=count))
    seqs = draw(st.permutations(range(count)))
    return [
        AssessmentInput(
            assessment_id=f"a{i}",
            assessed_on=on(day),
            recorded_seq=seq,
            needs=draw(st.fixed_dictionaries({d: _levels for d in DOMAINS})),
        )
        for i, (day, seq) in enumerate(zip(days, seqs, strict=True))
    ]


@given(data=st.data(), assessments=_assessments())
def test_input_order_does_not_matter(data: st.DataObject, assessments: list[AssessmentInput]) -> None:
    shuffled = data.draw(st.permutations(assessments))
    assert compute_child_trends(shuffled, SCALE) == compute_child_trends(assessments, SCALE)


@given(assessments=_assessments())
def test_series_has_one_assessment_per_date_in_date_order(
    assessments: list[AssessmentInput],
) -> None:
    result = compute_child_trends(assessments, SCALE)
    assert result is not None
    by_id = {a.assessment_id: a for a in assessments}
    kept = [by_id[i] for i in result.summary.assessment_ids]
    assert [a.assessed_on for a in kept] == sorted({a.assessed_on for a in assessments})
    for a in kept:
        same_day = [b for b in assessments if b.assessed_on == a.assessed_on]
        assert a.recorded_seq == max(b.recorded_seq for b in same_day)


@given(st.lists(st.tuples(st.integers(0, 730), st.integers(0, 4)), min_size=2, max_size=40, unique_by=lambda p: p[0]))
def test_slope_and_direction_are_those_of_exact_least_squares(points: list[tuple[int, int]]) -> None:
    # Within 730 days every rating is in the window: the slope is plain OLS, worked here in fractions.
    trend = one_domain_series(points)
    days = [day for day, _ in points]
    if max(days) - min(days) < 28:
        assert (trend.slope_per_year, trend.direction) == (None, "insufficient_data")
        return
    mean_t = Fraction(sum(days), len(points))
    mean_y = Fraction(sum(level for _, level in points), len(points))
    sxy = sum((day - mean_t) * (level - mean_y) for day, level in points)
    sxx = sum((day - mean_t) ** 2 for day in days)
    exact = sxy / sxx * Fraction(1461, 4)
    assert trend.slope_per_year == float(exact)
    half = Fraction(1, 2)
    assert trend.direction == ("worsening" if exact >= half else "improving" if exact <= -half else "stable")
