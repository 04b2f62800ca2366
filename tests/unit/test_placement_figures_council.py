"""A council's placement figures (domain.md §6) from its children's, worked by hand, as at 31 March 2024."""

from decimal import Decimal

from shared.domain.engines.placements.council import Share, council_figures
from shared.domain.engines.placements.episodes import Funding
from tests.unit.placement_builders import episode, figures

HALVES = Funding(social_care=Decimal("0.5"), health=Decimal("0.5"))

# Four children:
# - A: U4 since 2019 (long-term stable), £10.01 a week, funded half by social care, half by health;
# - B: three placements in the year (unstable); U4 ended 1 May 2023 with CREQB, U6 1 October with CARPL; in a
#   children's home at £3,800.00;
# - C: with the same U6 carers since 1 March 2023 (one placement, not unstable); £10.01, halves as A; its
#   earlier placement ended on 1 March 2023, before the window, with CHILD;
# - D: left care on 1 February 2024 (no reason for placement change: care ended); not looked after.
CHILDREN = (
    figures(episode("2019-01-01", None, "S", weekly_cost="10.01", funding=HALVES)),
    figures(
        episode("2023-01-01", "2023-05-01", "S", reason_place_change="CREQB"),
        episode("2023-05-01", "2023-10-01", "P", "U6", reason_place_change="CARPL"),
        episode("2023-10-01", None, "P", "K2", weekly_cost="3800.00"),
    ),
    figures(
        episode("2022-06-01", "2023-03-01", "S", reason_place_change="CHILD"),
        episode("2023-03-01", None, "P", "U6", weekly_cost="10.01", funding=HALVES),
    ),
    figures(episode("2023-06-01", "2024-02-01", "S", reason_ended="E4A")),
)


def test_children_looked_after_by_placement_group():
    # A and C fostered, B in a children's home; D has left.
    assert council_figures(CHILDREN).looked_after_by_group == {"foster": 2, "residential": 1}
    # A residential school (S1) is in no group: counted under None, so the groups add up to every child.
    at_school = figures(episode("2023-09-01", None, "S", "S1"))
    assert council_figures([*CHILDREN, at_school]).looked_after_by_group == {"foster": 2, "residential": 1, None: 1}


def test_the_stability_measures_count_their_populations():
    # Instability: A, B and C looked after (D is not), B unstable. Long-term: only A has been looked after
    # for 2.5 years (since 2019; B since 2023, C since June 2022), and A is stable.
    council = council_figures(CHILDREN)
    assert council.instability == Share(numerator=1, population=3)
    assert council.instability.share == 1 / 3
    assert council.long_term_stability == Share(numerator=1, population=1)
    assert council.long_term_stability.share == 1.0


def test_a_measure_with_no_one_in_it_has_no_share():
    assert council_figures([CHILDREN[3]]).instability == Share(numerator=0, population=0)
    assert Share(numerator=0, population=0).share is None


def test_placements_ended_in_the_year_by_reason():
    # B's two, and D's ended with care (no reason); C's ended on 1 March 2023, before the window.
    assert council_figures(CHILDREN).placements_ended_by_reason == {"CREQB": 1, "CARPL": 1, None: 1}


def test_average_weekly_cost_by_group_rounds_half_up_to_the_penny():
    # Fostered: (£10.01 + £10.01) / 2 = £10.01. With £10.00 for another instead, £10.005, rounded half up
    # £10.01 (half to even would give £10.00).
    assert council_figures(CHILDREN).average_weekly_cost_by_group == {
        "foster": Decimal("10.01"),
        "residential": Decimal("3800.00"),
    }
    cheaper = figures(episode("2023-03-01", None, "S", weekly_cost="10.00"))
    assert council_figures([CHILDREN[0], cheaper]).average_weekly_cost_by_group == {"foster": Decimal("10.01")}


def test_weekly_spend_by_funder_is_rounded_once_at_the_end():
    # Health pays half of A's and of C's £10.01: £5.005 twice, £10.01 (rounding each to £5.01 would give
    # £10.02); social care the other halves and all of B's £3,800.00: £3,810.01.
    assert council_figures(CHILDREN).weekly_spend_by_funder == {
        "social_care": Decimal("3810.01"),
        "health": Decimal("10.01"),
        "education": Decimal("0.00"),
    }


def test_a_council_with_no_children_has_no_figures_but_its_funders():
    council = council_figures([])
    assert council.looked_after_by_group == {}
    assert council.placements_ended_by_reason == {}
    assert council.average_weekly_cost_by_group == {}
    assert council.weekly_spend_by_funder == dict.fromkeys(("social_care", "health", "education"), Decimal("0.00"))
