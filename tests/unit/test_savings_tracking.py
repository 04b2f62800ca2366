"""Savings tracking worked by hand: step-downs and moves from agency to in-house carers, their weekly saving at the
time and the saving to date while the child stays, savings that start, continue and stop, and monthly totals."""

from datetime import date
from decimal import Decimal

from shared.domain.engines.placements.episodes import Episode, known_at, placements
from shared.domain.engines.placements.savings import SavingsRules, months, moves
from tests.unit.placement_builders import episode

RULES = SavingsRules(("residential",))
HOME = {"place": "K2", "weekly_cost": "3800.00", "place_provider": "PR4"}
FOSTER = {"place": "U4", "weekly_cost": "800.00", "place_provider": "PR1"}


def moved(*episodes: Episode, day: str) -> list:  # type: ignore[type-arg]
    as_at = date.fromisoformat(day)
    return moves(placements(known_at(episodes, as_at)), as_at, RULES)


def test_a_step_down_saves_the_difference_every_week_the_child_stays() -> None:
    (move,) = moved(
        episode("2024-01-01", "2024-03-01", rne="S", **HOME),
        episode("2024-03-01", None, **FOSTER),
        day="2024-05-09",
    )
    assert (move.kind, move.moved_on, move.weekly_saving, move.status) == (
        "step_down",
        date(2024, 3, 1),
        Decimal("3000.00"),
        "continuing",
    )
    # 1 March to 9 May inclusive: 70 days, ten weeks.
    assert (move.days_counted, move.saving_to_date) == (70, Decimal("30000.00"))


def test_a_move_between_foster_carers_keeps_the_step_down_saving() -> None:
    (move,) = moved(
        episode("2024-01-01", "2024-03-01", rne="S", **HOME),
        episode("2024-03-01", "2024-04-01", **FOSTER),
        episode("2024-04-01", None, **(FOSTER | {"place": "U6", "weekly_cost": "900.00"})),
        day="2024-04-30",
    )
    # The saving stays that of the move itself (3,800 - 800), over 1 March to 30 April: 61 days.
    assert (move.status, move.days_counted, move.saving_to_date) == ("continuing", 61, Decimal("26142.86"))


def test_a_step_down_that_broke_down_says_so_and_stops_counting() -> None:
    episodes = (
        episode("2024-01-01", "2024-03-01", rne="S", **HOME),
        episode("2024-03-01", "2024-04-20", **FOSTER),
        episode("2024-04-20", None, **HOME),
    )
    (move,) = moved(*episodes, day="2024-06-30")
    # 1 March to 19 April: 50 days; 3,000 x 50 / 7 = 21,428.571...
    assert (move.status, move.counted_until, move.saving_to_date) == (
        "broke_down",
        date(2024, 4, 20),
        Decimal("21428.57"),
    )
    # As known before the breakdown, it was continuing.
    (before,) = moved(*episodes, day="2024-04-10")
    assert (before.status, before.days_counted) == ("continuing", 41)


def test_leaving_care_or_moving_home_stops_the_count_without_a_breakdown() -> None:
    start = (episode("2024-01-01", "2024-03-01", rne="S", **HOME),)
    (left,) = moved(*start, episode("2024-03-01", "2024-03-08", reason_ended="E11", **FOSTER), day="2024-06-30")
    assert (left.status, left.days_counted, left.saving_to_date) == ("left_care", 7, Decimal("3000.00"))
    home = episode("2024-03-08", None, place="P1", weekly_cost=None)
    (moved_on,) = moved(*start, episode("2024-03-01", "2024-03-08", **FOSTER), home, day="2024-06-30")
    assert (moved_on.status, moved_on.saving_to_date) == ("moved_on", Decimal("3000.00"))


def test_agency_to_in_house_carers_and_only_that_direction() -> None:
    agency = {"place": "U4", "weekly_cost": "1000.00", "place_provider": "PR4"}
    (move,) = moved(
        episode("2024-01-01", "2024-02-01", rne="S", **agency),
        episode("2024-02-01", None, **(agency | {"weekly_cost": "750.00", "place_provider": "PR1"})),
        day="2024-02-07",
    )
    assert (move.kind, move.weekly_saving, move.saving_to_date) == (
        "agency_to_in_house",
        Decimal("250.00"),
        Decimal("250.00"),
    )
    assert (
        moved(
            episode("2024-01-01", "2024-02-01", rne="S", **FOSTER),
            episode("2024-02-01", None, **agency),
            day="2024-02-07",
        )
        == []
    )


def test_a_move_without_a_recorded_cost_is_listed_with_no_saving() -> None:
    (move,) = moved(
        episode("2024-01-01", "2024-03-01", rne="S", **(HOME | {"weekly_cost": None})),
        episode("2024-03-01", None, **FOSTER),
        day="2024-03-31",
    )
    assert (move.kind, move.weekly_saving, move.saving_to_date) == ("step_down", None, None)


def test_monthly_totals_count_moves_breakdowns_and_each_months_days() -> None:
    episodes = (
        episode("2024-01-01", "2024-03-25", rne="S", **HOME),
        episode("2024-03-25", "2024-05-10", **FOSTER),
        episode("2024-05-10", None, **HOME),
    )
    day = date(2024, 5, 31)
    found = moved(*episodes, day="2024-05-31")
    table = [(m.first, m.kind, m.moves, m.broke_down, m.saving) for m in months(found, day)]
    # March: 25-31, 7 days = 3,000; April: 30 days = 12,857.142...; May: 1-9, 9 days = 3,857.142...
    assert table == [
        (date(2024, 3, 1), "step_down", 1, 0, Decimal("3000.00")),
        (date(2024, 4, 1), "step_down", 0, 0, Decimal("12857.14")),
        (date(2024, 5, 1), "step_down", 0, 1, Decimal("3857.14")),
    ]
