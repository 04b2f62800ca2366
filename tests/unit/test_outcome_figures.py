"""Outcome figures worked by hand (domain.md §5): the outcome index, a child's area needs and measures, the
pairs the council's link counts, Spearman's coefficient with ties, its interval and the shares improved."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import numpy as np
import pytest

from shared.domain.engines.outcome_links import council_links, interval, ranks, spearman
from shared.domain.engines.outcomes import (
    EPOCH,
    AreaSums,
    Band,
    Link,
    MeasureCode,
    MeasureFigures,
    MeasureInputs,
    area_columns,
    area_of,
    bands_of,
    index_of_sum,
    links,
    measure_columns,
    measure_figures,
    ten_thousandths,
)

SDQ = MeasureCode(
    "sdq_total",
    "be_healthy",
    "lower",
    (Band("normal", Decimal(0)), Band("borderline", Decimal(14)), Band("concern", Decimal(17))),
)
ATTENDANCE = MeasureCode("school_attendance_pct", "be_ambitious", "higher")
CODES = [SDQ, ATTENDANCE]
NUMBER = {code.code: n for n, code in enumerate(CODES)}

# A measure as a child's record holds it: code, value, the period it describes, the order it was recorded in.
Measure = tuple[str, Decimal, date, date, int]


def days(day: date) -> int:
    return (day - EPOCH).days


def inputs(children: list[list[Measure]]) -> MeasureInputs:
    rows = [(child, *measure) for child, theirs in enumerate(children) for measure in theirs]
    return MeasureInputs(
        np.array([r[0] for r in rows], dtype=np.int64),
        np.array([NUMBER[r[1]] for r in rows], dtype=np.int64),
        np.array([int(r[2] * 10_000) for r in rows], dtype=np.int64),
        np.array([days(r[3]) for r in rows], dtype=np.int64),
        np.array([days(r[4]) for r in rows], dtype=np.int64),
        np.array([r[5] for r in rows], dtype=np.int64),
    )


def figures_of(measures: list[Measure]) -> list[MeasureFigures]:
    """One child's measures' figures, by code."""
    return measure_figures(measure_columns(inputs([measures]), CODES), CODES)


@pytest.mark.parametrize(
    ("area_need", "index"),
    [(Fraction(0), 100), (Fraction(4), 0), (Fraction(3, 2), 63), (Fraction(1, 2), 88), (Fraction(5, 2), 38)],
)
def test_the_outcome_index_rounds_half_up(area_need: Fraction, index: int) -> None:
    # 100 * (1 - 3/2 / 4) = 62.5 and 100 * (1 - 5/2 / 4) = 37.5: both halves go up.
    assert index_of_sum(area_need.numerator, area_need.denominator, 4) == index


def test_an_areas_need_is_the_mean_of_its_rated_domains_at_baseline_and_now() -> None:
    # Be healthy: physical health 3 then 1, emotional health 2 (rated once): sums 5 then 3 over two domains.
    healthy = area_of(AreaSums("be_healthy", 2, 5, 3, True, date(2023, 1, 10), date(2024, 6, 1)), top_level=4)
    # 5/2 then 3/2, down one; indexes 100 * (1 - 5/8) = 37.5 and 62.5, rounded up.
    assert (healthy.baseline_area_need, healthy.latest_area_need, healthy.area_need_change) == (
        Fraction(5, 2),
        Fraction(3, 2),
        Fraction(-1),
    )
    assert (healthy.baseline_outcome_index, healthy.latest_outcome_index) == (38, 63)
    assert (healthy.period_start, healthy.period_end, healthy.top_level) == (date(2023, 1, 10), date(2024, 6, 1), 4)
    # No domain of the area rated twice: no change.
    safe = area_of(AreaSums("be_safe", 1, 3, 3, False, date(2023, 1, 10), date(2023, 1, 10)), top_level=4)
    assert (safe.baseline_area_need, safe.area_need_change) == (Fraction(3), None)


def test_areas_add_up_each_childs_rated_domains_with_their_own_baselines_and_periods() -> None:
    # Domains in the engine's column order: physical and emotional health (be_healthy), learning (be_ambitious).
    layout = ("be_healthy", "be_healthy", "be_ambitious")
    # Child 0: physical 3 then 1 (rated twice, days 10 and 500), emotional 2 (once, day 200), learning never.
    # Child 1: nothing rated in be_healthy; learning 4 (once, day 30).
    counts = np.array([[2, 1, 0], [0, 0, 1]])
    baseline = np.array([[3, 2, -1], [-1, -1, 4]])
    latest = np.array([[1, 2, -1], [-1, -1, 4]])
    first = np.array([[10, 200, -1], [-1, -1, 30]])
    last = np.array([[500, 200, -1], [-1, -1, 30]])
    names, areas = area_columns(layout, counts, baseline, latest, first, last)
    assert names == ["be_ambitious", "be_healthy"]
    # By child then area: a never-rated domain (child 0's learning, child 1's health) makes no area.
    assert [(int(c), names[a]) for c, a in zip(areas.child, areas.area, strict=True)] == [
        (0, "be_healthy"),
        (1, "be_ambitious"),
    ]
    assert areas.domains_rated.tolist() == [2, 1]
    assert (areas.baseline_sum.tolist(), areas.latest_sum.tolist()) == ([5, 4], [3, 4])
    assert areas.changed.tolist() == [True, False]
    assert (areas.period_start.tolist(), areas.period_end.tolist()) == ([10, 30], [500, 30])


@pytest.mark.parametrize("count", [1, 2, 3, 7, 8, 16])
def test_a_mean_to_four_places_rounds_half_away_from_zero_as_decimal_does(count: int) -> None:
    totals = np.arange(-3 * count, 3 * count + 1)
    exact = [(Decimal(t) / Decimal(count)).quantize(Decimal("0.0001"), ROUND_HALF_UP) for t in totals.tolist()]
    assert [Decimal(int(n)).scaleb(-4) for n in ten_thousandths(totals, count)] == exact
    # 1/20000 = 0.00005, a tie at the fourth place: away from zero, up and down.
    assert (ten_thousandths(1, 20_000), ten_thousandths(-1, 20_000)) == (1, -1)


def test_a_measures_baseline_and_latest_are_its_first_and_last_periods_with_their_bands() -> None:
    measures = [
        ("sdq_total", Decimal(12), date(2024, 4, 1), date(2025, 3, 31), 3),
        ("sdq_total", Decimal(18), date(2022, 4, 1), date(2023, 3, 31), 9),
        ("sdq_total", Decimal(15), date(2023, 4, 1), date(2024, 3, 31), 1),
        ("school_attendance_pct", Decimal("92.5"), date(2024, 9, 1), date(2024, 12, 20), 4),
    ]
    sdq, attendance = figures_of(measures)
    assert (sdq.baseline, sdq.latest, sdq.change, sdq.improved) == (Decimal(18), Decimal(12), Decimal(-6), True)
    assert (sdq.baseline_band, sdq.latest_band, sdq.measures_count) == ("concern", "normal", 3)
    assert (sdq.period_start, sdq.period_end) == (date(2022, 4, 1), date(2025, 3, 31))
    # One measure: no change, and no band where the code has none.
    assert (attendance.change, attendance.improved, attendance.latest_band) == (None, None, None)


def test_higher_is_better_improves_as_it_rises_and_a_band_starts_at_its_lowest_value() -> None:
    rising = [
        ("school_attendance_pct", Decimal(80), date(2023, 9, 1), date(2023, 12, 20), 1),
        ("school_attendance_pct", Decimal(79), date(2024, 9, 1), date(2024, 12, 20), 2),
    ]
    (attendance,) = figures_of(rising)
    assert (attendance.change, attendance.improved) == (Decimal(-1), False)
    values = np.array([0, 130_000, 139_999, 140_000, 160_000, 170_000, 400_000])  # ten-thousandths
    assert bands_of(values, np.zeros(len(values), dtype=np.int64), CODES).tolist() == [0, 0, 0, 1, 1, 2, 2]


def test_a_band_whose_lowest_value_has_more_places_than_a_value_is_reached_only_above_it() -> None:
    finer = MeasureCode("score", "be_healthy", "lower", (Band("low", Decimal(0)), Band("high", Decimal("13.99995"))))
    values = np.array([139_999, 140_000])  # 13.9999 stays below 13.99995; 14.0000 reaches it
    assert bands_of(values, np.zeros(2, dtype=np.int64), [finer]).tolist() == [0, 1]


def test_many_childrens_measures_are_grouped_by_child_and_code_whatever_their_order() -> None:
    first = [("sdq_total", Decimal(20), date(2022, 4, 1), date(2023, 3, 31), 1)]
    second = [
        ("sdq_total", Decimal(10), date(2023, 4, 1), date(2024, 3, 31), 2),
        ("sdq_total", Decimal(16), date(2022, 4, 1), date(2023, 3, 31), 3),
    ]
    columns = measure_columns(inputs([first, second]), CODES)
    assert columns.child.tolist() == [0, 1]
    assert (columns.measures_count.tolist(), columns.changed.tolist()) == ([1, 2], [False, True])
    # The second child's baseline is its earlier period, though recorded later: 16 to 10 is an improvement.
    assert (columns.baseline.tolist(), columns.latest.tolist()) == ([200_000, 160_000], [200_000, 100_000])
    assert columns.improved.tolist()[1] is True
    assert measure_columns(inputs([]), CODES).child.tolist() == []


def test_a_link_needs_both_changes_over_overlapping_periods() -> None:
    healthy = area_of(AreaSums("be_healthy", 1, 3, 1, True, date(2023, 1, 10), date(2024, 6, 1)), top_level=4)
    overlapping = figures_of(
        [
            ("sdq_total", Decimal(18), date(2022, 4, 1), date(2023, 3, 31), 1),
            ("sdq_total", Decimal(18), date(2023, 4, 1), date(2024, 3, 31), 2),
        ]
    )
    (link,) = links([healthy], overlapping)
    # Need fell by 2 (an area of one rated domain); SDQ did not move, so it did not improve.
    assert link == Link("be_healthy", "sdq_total", Fraction(-2), Decimal(0), need_fell=True, measure_improved=False)
    later = figures_of(
        [
            ("sdq_total", Decimal(18), date(2024, 6, 2), date(2024, 12, 31), 1),
            ("sdq_total", Decimal(12), date(2025, 1, 1), date(2025, 6, 30), 2),
        ]
    )
    assert links([healthy], later) == []  # the measures start the day after the needs' last assessment


def test_tied_values_share_their_mean_rank() -> None:
    assert ranks([Fraction(-2), Fraction(-1), Fraction(-1), Fraction(0), Fraction(1)]) == [1, 2.5, 2.5, 4, 5]
    assert ranks([5.0, 5.0, 5.0]) == [2, 2, 2]


def test_spearman_with_ties_and_its_interval() -> None:
    needs = [Fraction(-2), Fraction(-1), Fraction(-1), Fraction(0), Fraction(1)]
    measures = [-5.0, -3.0, 0.0, -3.0, 2.0]
    # Ranks 1, 2.5, 2.5, 4, 5 and 1, 2.5, 4, 2.5, 5 about their mean 3: products sum to 7.25, squares to 9.5
    # each, so rho = 7.25 / 9.5 = 29/38.
    rho = spearman(needs, measures)
    assert rho.value == pytest.approx(29 / 38, abs=1e-12)
    # Fisher's z = atanh(29/38) = ln(67/9) / 2; standard error sqrt(1.06 / (5 - 3)); z -+ 1.96 of it, back by tanh.
    low, high = interval(rho, 5)
    assert low.value == pytest.approx(-0.3995735, abs=1e-6)
    assert high.value == pytest.approx(0.9846368, abs=1e-6)


def test_too_few_children_or_no_variation_give_no_figure_but_the_reason() -> None:
    assert spearman([Fraction(-1), Fraction(0)], [1.0, 2.0]).reason == "fewer than 3 children"
    flat = spearman([Fraction(-1)] * 4, [1.0, 2.0, 3.0, 4.0])
    assert (flat.value, flat.reason) == (None, "every child's area need changed by the same amount")
    low, high = interval(spearman([Fraction(-1), Fraction(0), Fraction(1)], [3.0, 2.0, 1.0]), 3)
    assert (low.value, low.reason, high.reason) == (None, "fewer than 4 children", "fewer than 4 children")


def link(change: int, measure: int, improved: bool) -> Link:
    return Link("be_healthy", "sdq_total", Fraction(change), Decimal(measure), change < 0, improved)


def test_the_share_improved_among_children_whose_need_fell_and_among_the_rest() -> None:
    found = [
        link(-2, -4, True),
        link(-1, -1, True),
        link(-1, 2, False),
        link(0, -1, True),
        link(1, 3, False),
        link(2, 0, False),
    ]
    (figures,) = council_links(found)
    assert (figures.children, figures.need_fell, figures.need_fell_improved) == (6, 3, 2)
    assert figures.need_fell_share_improved.value == pytest.approx(2 / 3)
    assert (figures.need_not_fell, figures.need_not_fell_improved) == (3, 1)
    assert figures.need_not_fell_share_improved.value == pytest.approx(1 / 3)
    only_fell = council_links(found[:2])[0]
    assert only_fell.need_not_fell_share_improved.reason == "no children whose area need did not fall"


def test_the_index_in_integers_is_the_exact_rounding_of_the_mean() -> None:
    for top in (3, 4, 5):
        for domains in (1, 2, 3):
            for need_sum in range(domains * top + 1):
                exact = 100 * (1 - Fraction(need_sum, domains) / top) + Fraction(1, 2)
                assert index_of_sum(need_sum, domains, top) == exact.__floor__(), (need_sum, domains, top)
