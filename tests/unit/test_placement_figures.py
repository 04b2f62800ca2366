"""A child's placement figures (domain.md §6), worked by hand. As at 31 March 2024 unless told: the 12 months
ending it are 1 April 2023 to 31 March 2024, the window opening at the end of 31 March 2023; 2.5 years before
is 30 September 2021 (31 September does not exist), 2 years before 31 March 2022. Episodes are under a full
care order (C2) in long-term foster care (U4) unless told."""

from datetime import date
from decimal import Decimal

from shared.domain.engines.placements.child import age_on, months_before, year_before
from shared.domain.engines.placements.episodes import Episode, Funding
from tests.unit.placement_builders import AS_AT, episode, figures


def test_months_before_keeps_the_day_or_takes_the_shorter_months_last():
    assert year_before(AS_AT) == date(2023, 3, 31)
    assert months_before(AS_AT, 30) == date(2021, 9, 30)
    assert months_before(date(2024, 2, 29), 12) == date(2023, 2, 28)
    assert months_before(date(2024, 1, 15), 1) == date(2023, 12, 15)


def test_age_turns_on_the_birthday_and_for_29_february_on_1_march():
    assert age_on(date(2008, 3, 31), AS_AT) == 16
    assert age_on(date(2008, 4, 1), AS_AT) == 15
    # 2023 has no 29 February: someone born on 29 February 2008 turns 15 on 1 March 2023.
    assert age_on(date(2008, 2, 29), date(2023, 2, 28)) == 14
    assert age_on(date(2008, 2, 29), date(2023, 3, 1)) == 15


def test_an_episode_ending_on_the_day_is_not_looked_after_at_it():
    # Care from 1 January 2023 to 31 March 2024: at the end of 31 March the child has left, so is in neither
    # measure; the placement has ended. Days looked after: 1 January 2023 to 30 March 2024, 365 + 90 = 455.
    child = figures(episode("2023-01-01", "2024-03-31", "S", reason_ended="E4A"))
    assert not child.looked_after
    assert child.current is None
    assert child.placements_in_year is None
    assert child.unstable is None
    assert child.long_term_stable is None
    assert [p.end for p in child.ended] == [AS_AT]
    assert child.days_in_care == 455


def test_an_episode_starting_on_the_day_is_looked_after_at_it():
    # Came into care on 31 March 2024: looked after at its end, one placement, one day in care.
    child = figures(episode("2024-03-31", None, "S"))
    assert child.looked_after
    assert child.placements_in_year == 1
    assert child.days_in_care == 1
    assert child.weeks_in_care == 1 / 7


def test_an_episode_ending_after_the_day_is_open_at_it():
    # Left care on 1 April 2024, after the day: as at 31 March the placement is open, not ended, and the days
    # are counted up to 31 March only: 1 March to 31 March 2024 is 31 days.
    child = figures(episode("2024-03-01", "2024-04-01", "S", reason_ended="E4A"))
    assert child.looked_after
    assert child.current is not None
    assert child.current.start == date(2024, 3, 1)
    assert child.ended == ()
    assert child.days_in_care == 31


def test_a_change_of_legal_status_alone_continues_the_placement():
    # With the same foster carers since 1 January 2022, an interim care order (C1) becoming a full one (C2)
    # on 1 June 2023 (RNE L); then a move to other foster carers (U6) on 1 September 2023. In the 12 months:
    # the U4 placement the child was in at their start, and U6: 2. Were L a new placement it would be 3.
    child = figures(
        episode("2022-01-01", "2023-06-01", "S", legal_status="C1"),
        episode("2023-06-01", "2023-09-01", "L"),
        episode("2023-09-01", None, "P", "U6"),
    )
    assert child.placements_in_year == 2
    assert child.unstable is False
    assert [p.start for p in child.ended] == [date(2022, 1, 1)]


def test_three_placements_in_the_year_are_unstable():
    # U4 from 1 January 2023 (in it at the window's start), U6 from 1 May, a children's home from 1 October.
    child = figures(
        episode("2023-01-01", "2023-05-01", "S"),
        episode("2023-05-01", "2023-10-01", "P", "U6"),
        episode("2023-10-01", None, "P", "K2"),
    )
    assert child.placements_in_year == 3
    assert child.unstable is True


def test_a_temporary_move_and_the_return_from_it_are_not_placements():
    # In hospital (T1) from 1 June to 10 June 2023, then back to the U4 carers (RNE P, PLACE U4): the national
    # statistics count neither the temporary placement nor the return, so one placement, held since January.
    child = figures(
        episode("2023-01-01", "2023-06-01", "S"),
        episode("2023-06-01", "2023-06-10", "P", "T1"),
        episode("2023-06-10", None, "P"),
    )
    assert child.placements_in_year == 1
    assert child.current is not None
    assert child.current.start == date(2023, 1, 1)
    assert child.ended == ()


def test_a_move_elsewhere_after_a_temporary_one_begins_a_placement():
    # As above, but from hospital to a children's home (K2): U4 ends on 10 June, when K2 begins; 2 placements.
    # U4's last own episode, not the hospital stay, says why it ended.
    child = figures(
        episode("2023-01-01", "2023-06-01", "S", reason_place_change="CARPL"),
        episode("2023-06-01", "2023-06-10", "P", "T1"),
        episode("2023-06-10", None, "P", "K2"),
    )
    assert child.placements_in_year == 2
    assert [(p.start, p.end, p.reason_changed) for p in child.ended] == [(date(2023, 1, 1), date(2023, 6, 10), "CARPL")]


def test_a_child_on_a_temporary_move_on_the_day_keeps_the_placement():
    # On holiday without the carers (T2, temporary move T0) since 20 March 2024: looked after in a temporary
    # placement, grouped as such, still holding the U4 placement begun on 1 January 2023, its one placement.
    child = figures(
        episode("2023-01-01", "2024-03-20", "S"),
        episode("2024-03-20", None, "P", "T0", weekly_cost="120.00"),
    )
    assert child.current is not None
    assert (child.current.place, child.current.group) == ("T0", "temporary")
    assert child.current.start == date(2023, 1, 1)
    assert child.current.weekly_cost == Decimal("120.00")
    assert child.placements_in_year == 1
    assert child.ended == ()


def test_the_placement_at_the_windows_start_counts_and_one_ended_before_it_does_not():
    # U4 ended on 31 March 2023, the day before the window: not in it at the end of that day. U6, begun that
    # day, is the one the child was in at the window's start: 1 placement.
    ended_the_day_before = figures(
        episode("2022-01-01", "2023-03-31", "S"),
        episode("2023-03-31", None, "P", "U6"),
    )
    assert ended_the_day_before.placements_in_year == 1
    # The move a day later, on 1 April 2023, the window's first day: U4 at its start and U6 begun in it, 2.
    moved_on_the_first_day = figures(
        episode("2022-01-01", "2023-04-01", "S"),
        episode("2023-04-01", None, "P", "U6"),
    )
    assert moved_on_the_first_day.placements_in_year == 2


def test_a_placement_beginning_on_the_day_counts_and_one_after_it_does_not():
    # U4 at the window's start, U6 from 1 June 2023, a children's home from 31 March 2024, the window's last
    # day: 3. Moved a day later, on 1 April 2024, the home is not yet known: 2, and U6 is still open.
    def moved_to_a_home_on(day: str) -> list[Episode]:
        return [
            episode("2022-01-01", "2023-06-01", "S"),
            episode("2023-06-01", day, "P", "U6"),
            episode(day, None, "P", "K2"),
        ]

    on_the_day = figures(*moved_to_a_home_on("2024-03-31"))
    assert on_the_day.placements_in_year == 3
    assert on_the_day.current is not None and on_the_day.current.place == "K2"
    after_the_day = figures(*moved_to_a_home_on("2024-04-01"))
    assert after_the_day.placements_in_year == 2
    assert after_the_day.current is not None and after_the_day.current.place == "U6"


def test_children_on_short_breaks_on_the_day_are_in_neither_measure():
    # Short breaks in a children's home under V3 (one episode a break) and V4 (an agreement, one episode since
    # 2020): looked after and grouped, but outside both stability measures.
    v3 = figures(
        episode("2023-06-01", "2023-06-03", "S", "R1", legal_status="V3"),
        episode("2024-03-30", None, "S", "R1", legal_status="V3"),
    )
    v4 = figures(episode("2020-01-01", None, "S", "K2", legal_status="V4"), born=date(2014, 1, 1))
    for child in (v3, v4):
        assert child.looked_after
        assert child.placements_in_year is None
        assert child.long_term_stable is None
    assert v3.current is not None and v3.current.group == "residential"


def test_short_breaks_before_care_are_not_placements():
    # Short breaks under V4 in May 2023, then in care from 1 August (C2, U4): the breaks are not counted, 1.
    child = figures(
        episode("2023-05-01", "2023-05-04", "S", "K2", legal_status="V4"),
        episode("2023-08-01", None, "S"),
    )
    assert child.placements_in_year == 1
    assert child.ended == ()


def test_long_term_stability_counts_from_the_start_of_the_placement():
    # In care and with the U4 carers since 1 January 2019, under C1 then C2 (RNE L) from 1 January 2021: 11
    # years old, looked after 5 years, in the placement since 2019: stable.
    child = figures(
        episode("2019-01-01", "2021-01-01", "S", legal_status="C1"),
        episode("2021-01-01", None, "L"),
    )
    assert child.long_term_stable is True


def test_long_term_stability_needs_two_years_in_the_placement():
    # Looked after since 2019; the current U6 placement began on 31 March 2022, exactly 2 years before:
    # stable. Begun on 1 April 2022, it is a day short: in the population, not stable.
    def moved_on(day: str) -> list[Episode]:
        return [episode("2019-01-01", day, "S"), episode(day, None, "P", "U6")]

    assert figures(*moved_on("2022-03-31")).long_term_stable is True
    assert figures(*moved_on("2022-04-01")).long_term_stable is False


def test_long_term_stability_needs_two_and_a_half_years_looked_after():
    # In care since 30 September 2021, exactly 2.5 years before, in one placement: in the population, and
    # stable. Since 1 October 2021, a day short: outside it.
    assert figures(episode("2021-09-30", None, "S")).long_term_stable is True
    assert figures(episode("2021-10-01", None, "S")).long_term_stable is None


def test_long_term_stability_is_for_children_under_16():
    # In one placement since 2019. Turning 16 on 31 March 2024: 16 on the day, outside the population; a day
    # younger, turning 16 on 1 April 2024: 15, stable.
    placed = episode("2019-01-01", None, "S")
    assert figures(placed, born=date(2008, 3, 31)).long_term_stable is None
    assert figures(placed, born=date(2008, 4, 1)).long_term_stable is True


def test_leaving_care_and_coming_back_breaks_continuity():
    # In care 1 January 2019 to 1 January 2022 (returned home), back a day later on 2 January 2022 (RNE S),
    # with the same kind of carers: looked after continuously only since 2 January 2022, after 30 September
    # 2021, so outside the long-term population. Without the gap (the next episode starting on 1 January 2022,
    # RNE P) care is continuous since 2019 and the placement began before 31 March 2022: stable.
    came_back = figures(
        episode("2019-01-01", "2022-01-01", "S", reason_ended="E4A"),
        episode("2022-01-02", None, "S"),
    )
    assert came_back.long_term_stable is None
    assert [p.end for p in came_back.ended] == [date(2022, 1, 1)]  # the day care ended, not the day it resumed
    stayed = figures(episode("2019-01-01", "2022-01-01", "S"), episode("2022-01-01", None, "P", "U6"))
    assert stayed.long_term_stable is True
    # Days over both periods of care: 1096 (2019-2021, 2020 a leap year) + 820 (2 January 2022 to 31 March
    # 2024: 365 + 365 + 90) = 1916, 273 5/7 weeks.
    assert came_back.days_in_care == 1916
    assert came_back.weeks_in_care == 1916 / 7


def test_a_placement_for_adoption_with_the_same_carers_counts_their_time_together():
    # Fostered by U4 carers since 1 January 2021, placed for adoption with them (A5, RNE B: carers stayed the
    # same) on 1 June 2023: the adoption placement is 10 months old but the time with the carers 3 years, so
    # stable. Placed with new adopters instead (A6, RNE P): 10 months, not stable. B still begins a placement
    # for the count in the year: 2 either way.
    same_carers = figures(episode("2021-01-01", "2023-06-01", "S"), episode("2023-06-01", None, "B", "A5"))
    assert same_carers.long_term_stable is True
    assert same_carers.placements_in_year == 2
    new_adopters = figures(episode("2021-01-01", "2023-06-01", "S"), episode("2023-06-01", None, "P", "A6"))
    assert new_adopters.long_term_stable is False


def test_only_a_placement_for_adoption_carries_the_time_with_the_same_carers():
    # U6 carers since 2021 becoming long-term foster carers (U4, RNE B) on 1 June 2023: a new placement under
    # 2 years old; the exception is for adoption alone.
    child = figures(episode("2021-01-01", "2023-06-01", "S", "U6"), episode("2023-06-01", None, "B", "U4"))
    assert child.long_term_stable is False


def test_the_adoption_time_goes_back_through_every_change_with_the_same_carers():
    # U6 from 1 January 2021, the same carers as U4 (RNE B) from 1 January 2023, placed for adoption with them
    # (A5, RNE U: legal status changed too) on 1 June 2023: with them since 2021, stable.
    child = figures(
        episode("2021-01-01", "2023-01-01", "S", "U6"),
        episode("2023-01-01", "2023-06-01", "B", "U4"),
        episode("2023-06-01", None, "U", "A5", legal_status="E1"),
    )
    assert child.long_term_stable is True


def test_the_reasons_earlier_placements_ended():
    # U4 from 2022: its first episode ended with the change of legal status (no reason), its last with the
    # carers asking for the end because of behaviour (CREQB); U6 ended with a change of care plan (CARPL).
    child = figures(
        episode("2022-01-01", "2022-07-01", "S", legal_status="C1"),
        episode("2022-07-01", "2023-05-01", "L", reason_place_change="CREQB"),
        episode("2023-05-01", "2023-10-01", "P", "U6", reason_place_change="CARPL"),
        episode("2023-10-01", None, "P", "K2"),
    )
    assert [(p.end, p.reason_changed, p.ended_for_behaviour) for p in child.ended] == [
        (date(2023, 5, 1), "CREQB", True),
        (date(2023, 10, 1), "CARPL", False),
    ]
    assert len(child.ended_in_year()) == 2


def test_placements_ended_in_the_year_exclude_those_ended_on_its_eve():
    # U4 ended on 31 March 2023, before the window; U6 on 1 April 2023, its first day.
    child = figures(
        episode("2022-01-01", "2023-03-31", "S", reason_place_change="CHILD"),
        episode("2023-03-31", "2023-04-01", "P", "U6", reason_place_change="STAND"),
        episode("2023-04-01", None, "P", "K2"),
    )
    assert [p.reason_changed for p in child.ended] == ["CHILD", "STAND"]
    assert [p.reason_changed for p in child.ended_in_year()] == ["STAND"]


def test_the_current_placement_starts_with_the_placement_and_costs_what_the_open_episode_does():
    # U4 since 1 January 2022, a change of legal status on 1 June 2023 bringing a new cost and a health share.
    funding = Funding(social_care=Decimal("0.5"), health=Decimal("0.5"))
    child = figures(
        episode("2022-01-01", "2023-06-01", "S", weekly_cost="700.00"),
        episode("2023-06-01", None, "L", weekly_cost="800.00", funding=funding),
    )
    assert child.current is not None
    assert (child.current.place, child.current.group) == ("U4", "foster")
    assert child.current.start == date(2022, 1, 1)
    assert child.current.weekly_cost == Decimal("800.00")
    assert child.current.funding == funding


def test_a_place_outside_the_groups_has_no_group():
    # A residential school (S1) is in none of domain.md's groups.
    child = figures(episode("2023-09-01", None, "S", "S1"))
    assert child.current is not None
    assert child.current.group is None
