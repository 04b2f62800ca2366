"""Decision support (domain.md §8) worked by hand, under the shipped rules and under a council's own."""

from dataclasses import replace
from decimal import Decimal

from shared.domain.engines.decisions import (
    Costed,
    DecisionRules,
    Profile,
    StabilityRules,
    StepDownRules,
    ValueRules,
    decide,
    peer_values,
)

RULES = DecisionRules()
# In a children's home at £3,800 a week; two high needs, nothing intensive, total 3 + 3 + 2 + 1 = 9, down from 11.
SETTLED = Profile(
    current_group="residential",
    weekly_cost=Decimal("3800.00"),
    funding_health=Decimal("0"),
    funding_education=Decimal("0"),
    placements_in_year=1,
    reasons_ended=(),
    assessed=True,
    latest_levels={"behaviour": 3, "safety": 3, "learning": 2, "family": 1},
    rises={"behaviour": -1, "safety": 0, "learning": 0, "family": 0},
    total_need=9,
    previous_total_need=11,
)


def test_a_settled_child_in_residential_care_is_a_candidate_with_the_weekly_saving_against_foster_care() -> None:
    decided = decide(SETTLED, RULES)
    assert decided.step_down == "candidate"
    assert decided.step_down_reasons == ()
    assert decided.weekly_saving == Decimal("3050.00")  # 3,800 - 750
    assert decided.stability_flags == ()


def test_every_reason_a_child_is_ruled_out_is_given() -> None:
    child = replace(
        SETTLED,
        latest_levels={"behaviour": 4, "safety": 3, "learning": 3, "family": 3, "identity": 4},
        total_need=17,
        previous_total_need=16,
    )
    decided = decide(child, RULES)
    assert decided.step_down == "ruled_out"
    assert decided.step_down_reasons == (
        "`behaviour` still intensive",
        "`identity` still intensive",
        "3 high needs (`safety`, `learning`, `family`), more than 2",
        "total need rose at the last review (from 16 to 17)",
    )
    assert decided.weekly_saving is None


def test_a_rise_of_one_rules_a_child_out_and_no_change_does_not() -> None:
    assert decide(replace(SETTLED, previous_total_need=8), RULES).step_down_reasons == (
        "total need rose at the last review (from 8 to 9)",
    )
    assert decide(replace(SETTLED, previous_total_need=9), RULES).step_down == "candidate"
    # A single assessment shows no rise.
    assert decide(replace(SETTLED, previous_total_need=None), RULES).step_down == "candidate"


def test_a_child_in_residential_care_without_an_assessment_is_ruled_out_saying_so() -> None:
    child = replace(SETTLED, assessed=False, latest_levels={}, rises={}, total_need=None, previous_total_need=None)
    decided = decide(child, RULES)
    assert (decided.step_down, decided.step_down_reasons) == ("ruled_out", ("no final needs assessment",))


def test_only_children_in_residential_care_are_on_the_step_down_list() -> None:
    decided = decide(replace(SETTLED, current_group="foster", weekly_cost=Decimal("800.00")), RULES)
    assert (decided.step_down, decided.step_down_reasons, decided.weekly_saving) == (None, (), None)


def test_a_councils_own_rules_change_who_is_a_candidate_and_the_saving() -> None:
    own = replace(RULES, step_down=StepDownRules(max_high_needs=1, foster_weekly_cost=Decimal("900.00")))
    assert decide(SETTLED, own).step_down_reasons == ("2 high needs (`behaviour`, `safety`), more than 1",)
    lenient = replace(RULES, step_down=StepDownRules(foster_weekly_cost=Decimal("900.00")))
    assert decide(SETTLED, lenient).weekly_saving == Decimal("2900.00")


def test_each_stability_flag_with_its_evidence() -> None:
    child = replace(
        SETTLED,
        current_group="foster",
        latest_levels={"behaviour": 4, "safety": 3, "learning": 2, "family": 3},
        rises={"behaviour": 2, "safety": 1, "learning": 0, "family": 3},
        total_need=12,
        previous_total_need=9,
        placements_in_year=3,
        reasons_ended=("CHILD", "CREQB", None, "CREQB"),
    )
    decided = decide(child, RULES)
    assert decided.stability_flags == ("total_need_rise", "domain_rise", "placements_in_year", "warning_ending")
    assert decided.total_need_change == 3
    assert decided.rising_domains == ("behaviour +2", "family +3")
    assert decided.warning_endings == 2


def test_just_below_each_stability_threshold_raises_no_flag() -> None:
    child = replace(
        SETTLED,
        rises={"behaviour": 1},
        total_need=11,
        previous_total_need=9,
        placements_in_year=2,
        reasons_ended=("CHILD", "CARPL"),
    )
    decided = decide(child, RULES)
    assert decided.stability_flags == ()
    assert decided.total_need_change == 2
    # Outside the instability measure's population (short breaks) the placements count raises nothing.
    assert decide(replace(child, placements_in_year=None), RULES).stability_flags == ()


def test_a_council_may_warn_of_other_endings() -> None:
    own = replace(RULES, stability=StabilityRules(warning_reasons=("CREQB", "CARPL")))
    decided = decide(replace(SETTLED, reasons_ended=("CHILD", "CARPL")), own)
    assert (decided.stability_flags, decided.warning_endings) == (("warning_ending",), 1)


def test_joint_funding_flags_where_the_council_pays_alone_for_shared_needs() -> None:
    child = replace(
        SETTLED,
        latest_levels={"emotional_health": 4, "physical_health": 2, "learning": 3, "communication": 3},
        funding_health=Decimal("0"),
        funding_education=Decimal("0.250"),
    )
    decided = decide(child, RULES)
    assert decided.health_needs == ("emotional_health",)
    assert decided.education_needs == ("learning", "communication")
    assert (decided.health_unshared, decided.education_unshared) == (True, False)
    # No cost recorded, so no split either: the council is taken to pay alone.
    uncosted = decide(replace(child, weekly_cost=None, funding_health=None, funding_education=None), RULES)
    assert (uncosted.health_unshared, uncosted.education_unshared) == (True, True)


def test_the_cost_per_need_point_is_rounded_half_up_to_the_penny() -> None:
    assert decide(replace(SETTLED, weekly_cost=Decimal("1000.00"), total_need=8), RULES).cost_per_need_point == (
        Decimal("125.00")
    )
    # 1000 / 6 = 166.666...; 100.01 / 2 = 50.005 rounds up.
    assert decide(replace(SETTLED, weekly_cost=Decimal("1000.00"), total_need=6), RULES).cost_per_need_point == (
        Decimal("166.67")
    )
    assert decide(replace(SETTLED, weekly_cost=Decimal("100.01"), total_need=2), RULES).cost_per_need_point == (
        Decimal("50.01")
    )
    assert decide(replace(SETTLED, total_need=0), RULES).cost_per_need_point is None
    assert decide(replace(SETTLED, weekly_cost=None), RULES).cost_per_need_point is None


def test_peers_share_the_max_need_and_a_total_within_three_and_the_child_is_not_its_own_peer() -> None:
    children = [
        Costed(3, 10, Decimal("4000.00")),  # its peers: the next four
        Costed(3, 7, Decimal("1000.00")),
        Costed(3, 13, Decimal("1200.00")),
        Costed(3, 12, Decimal("1100.00")),
        Costed(3, 9, Decimal("1500.00")),
        Costed(3, 14, Decimal("9000.00")),  # total 4 away: not a peer of the first
        Costed(4, 10, Decimal("9000.00")),  # another max need: no one's peer
    ]
    first, *_, other_max = peer_values(children, ValueRules(), threshold=None)
    # Peers' costs 1,000, 1,100, 1,200, 1,500: median 1,150; 4,000 > 1.5 x 1,150 = 1,725.
    assert (first.peers, first.peer_median, first.high_cost) == (4, Decimal("1150.00"), True)
    assert (other_max.peers, other_max.peer_median, other_max.high_cost) == (0, None, None)


def test_a_child_at_exactly_the_ratio_is_not_flagged_and_an_odd_count_takes_the_middle() -> None:
    children = [Costed(2, 5, Decimal("1500.00")), *(Costed(2, 5, Decimal(c)) for c in ("900", "1000", "1100"))]
    assert peer_values(children, ValueRules(), threshold=None)[0].high_cost is False  # 1,500 = 1.5 x 1,000
    children[0] = Costed(2, 5, Decimal("1500.01"))
    assert peer_values(children, ValueRules(), threshold=None)[0].high_cost is True


def test_the_median_of_two_is_rounded_half_up_for_showing_but_compared_exactly() -> None:
    children = [Costed(2, 5, Decimal("1500.01")), Costed(2, 5, Decimal("1000.01")), Costed(2, 5, Decimal("1000.00"))]
    value = peer_values(children, ValueRules(), threshold=None)[0]
    assert value.peer_median == Decimal("1000.01")  # 1,000.005 shown half up
    assert value.high_cost is True  # 1,500.01 > 1.5 x 1,000.005 = 1,500.0075


def test_peers_below_the_councils_threshold_are_withheld_and_the_child_not_compared() -> None:
    children = [Costed(2, 5, Decimal("5000.00")), *(Costed(2, 5, Decimal("1000.00")) for _ in range(4))]
    withheld = peer_values(children, ValueRules(), threshold=5)[0]
    assert (withheld.peers, withheld.peer_median, withheld.high_cost) == (None, None, None)
    shown = peer_values(children, ValueRules(), threshold=4)[0]
    assert (shown.peers, shown.peer_median, shown.high_cost) == (4, Decimal("1000.00"), True)
