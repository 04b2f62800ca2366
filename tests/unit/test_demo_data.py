"""The synthetic demo council (shared/demo_data.py): deterministic, valid in every row, and telling a story."""

import itertools
import random
import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol, TypeVar

import pytest

from shared.demo_data import (
    DEMO_AS_OF,
    DEMO_SEED,
    DemoAssessment,
    DemoCouncil,
    DemoPlacement,
    generate_demo_council,
)
from shared.instruments import shipped_instrument
from shared.ssda903 import ETHNICITY, invalid_codes, placement_group, postcode_sector

# needs-v1's domains, written out so the tests read no file.
DOMAINS = shipped_instrument().domains  # needs-v1, as the service ships it
CONTEXTS = {"initial", "review", "placement_request", "placement_change", "step_down_review", "edge_of_care", "ad_hoc"}
ROLES = {"social_worker", "iro", "panel", "provider", "carer", "child", "other"}
# Weekly cost range in pounds by provider kind (domain.md §6) and the placement group each kind provides.
COSTS = {"in_house_foster": (650, 800), "ifa": (820, 1300), "childrens_home": (2500, 4500)}
GROUP_OF_KIND = {"in_house_foster": "foster", "ifa": "foster", "childrens_home": "residential"}
PLACE_PROVIDER_OF_KIND = {"in_house_foster": {"PR1"}, "ifa": {"PR4", "PR5"}, "childrens_home": {"PR1", "PR4", "PR5"}}


@dataclass(frozen=True)
class Case:
    seed: int
    children: int
    as_of: date
    domains: Sequence[str] = DOMAINS


# The default council, another seed, and a small one on a leap day with an instrument of its own.
CASES = {
    "default": Case(DEMO_SEED, 200, DEMO_AS_OF),
    "seed-1": Case(1, 200, DEMO_AS_OF),
    "small-leap-day": Case(7, 40, date(2024, 2, 29), ("mood", "school", "friends")),
}
FULL_SIZE = ("default", "seed-1")


class HasChild(Protocol):
    @property
    def child_id(self) -> str: ...


T = TypeVar("T", bound=HasChild)


def by_child(items: Iterable[T]) -> dict[str, list[T]]:
    grouped: dict[str, list[T]] = defaultdict(list)
    for item in items:
        grouped[item.child_id].append(item)
    return grouped


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def total(assessment: DemoAssessment) -> int:
    return sum(level for level in assessment.needs.values() if level is not None)


def care_end(episodes: list[DemoPlacement], as_of: date) -> date:
    return episodes[-1].end_date or as_of


_generated: dict[str, DemoCouncil] = {}


def council_of(name: str) -> DemoCouncil:
    if name not in _generated:
        case = CASES[name]
        _generated[name] = generate_demo_council(case.domains, seed=case.seed, children=case.children, as_of=case.as_of)
    return _generated[name]


@pytest.fixture(params=list(CASES))
def case(request: pytest.FixtureRequest) -> tuple[Case, DemoCouncil]:
    return CASES[request.param], council_of(request.param)


@pytest.fixture(params=FULL_SIZE)
def full(request: pytest.FixtureRequest) -> tuple[Case, DemoCouncil]:
    return CASES[request.param], council_of(request.param)


def test_the_same_seed_gives_the_same_council_whatever_the_global_random_state() -> None:
    random.seed(1)
    first = generate_demo_council(DOMAINS)
    random.seed(2)
    assert generate_demo_council(DOMAINS) == first == council_of("default")


def test_another_seed_gives_another_council() -> None:
    other = generate_demo_council(DOMAINS, seed=DEMO_SEED + 1)
    assert other != council_of("default")
    births = [child.date_of_birth for child in other.children]
    assert births != [child.date_of_birth for child in council_of("default").children]


def test_two_hundred_children_by_default_with_synthetic_ids_and_providers() -> None:
    demo = council_of("default")
    assert [child.child_id for child in demo.children] == [f"DEMO-{n:06d}" for n in range(1, 201)]
    assert [a.external_id for a in demo.assessments] == [f"DEMO-A-{n:06d}" for n in range(1, len(demo.assessments) + 1)]
    assert [p.external_id for p in demo.placements] == [f"DEMO-P-{n:06d}" for n in range(1, len(demo.placements) + 1)]
    assert 6 <= len(demo.providers) <= 10
    assert len({p.external_id for p in demo.providers}) == len(demo.providers)
    for provider in demo.providers:
        assert re.fullmatch(r"DEMO-PROV-\d{2}", provider.external_id) and provider.name.startswith("Synthetic")
    kinds = [p.kind for p in demo.providers]
    assert kinds.count("in_house_foster") == 1 and kinds.count("ifa") >= 2 and kinds.count("childrens_home") >= 2
    assert set(kinds) <= {"in_house_foster", "ifa", "childrens_home", "supported"}


def test_every_child_has_assessments_and_placements_and_nothing_else_does(case: tuple[Case, DemoCouncil]) -> None:
    setup, demo = case
    ids = [child.child_id for child in demo.children]
    assert len(ids) == setup.children
    assert set(by_child(demo.assessments)) == set(ids) == set(by_child(demo.placements))
    assert {p.provider_external_id for p in demo.placements} <= {p.external_id for p in demo.providers}


def test_children_are_aged_1_to_17_with_valid_codes(case: tuple[Case, DemoCouncil]) -> None:
    setup, demo = case
    for child in demo.children:
        assert 1 <= age_on(child.date_of_birth, setup.as_of) <= 17
        assert child.sex in {"M", "F", "U"}
        assert child.ethnicity in ETHNICITY
        assert isinstance(child.uasc, bool)
    assert sum(child.sex == "U" for child in demo.children) <= 0.03 * len(demo.children)


def test_each_child_entered_care_two_to_three_years_before_as_of(case: tuple[Case, DemoCouncil]) -> None:
    setup, demo = case
    episodes = by_child(demo.placements)
    for child in demo.children:
        entered = episodes[child.child_id][0].start_date
        assert child.date_of_birth <= entered
        assert 730 <= (setup.as_of - entered).days <= 1095


def test_ratings_cover_every_domain_within_the_scales(case: tuple[Case, DemoCouncil]) -> None:
    setup, demo = case
    for a in demo.assessments:
        assert list(a.needs) == list(setup.domains) and list(a.strengths) == list(setup.domains)
        assert set(a.not_assessed) == {d for d, level in a.needs.items() if level is None}
        assert {d for d, s in a.strengths.items() if s is None} == set(a.not_assessed)
        assert all(type(v) is int and 0 <= v <= 4 for v in a.needs.values() if v is not None)
        assert all(type(v) is int and 0 <= v <= 3 for v in a.strengths.values() if v is not None)
        assert all(isinstance(reason, str) and reason for reason in a.not_assessed.values())
    ratings = sum(len(a.needs) for a in demo.assessments)
    skipped = sum(len(a.not_assessed) for a in demo.assessments)
    assert 0.01 * ratings <= skipped <= 0.06 * ratings


def test_assessments_follow_the_statutory_review_schedule(case: tuple[Case, DemoCouncil]) -> None:
    setup, demo = case
    born = {child.child_id: child.date_of_birth for child in demo.children}
    episodes = by_child(demo.placements)
    for child_id, series in by_child(demo.assessments).items():
        days = [a.assessed_on for a in series]
        entered, ended = episodes[child_id][0].start_date, care_end(episodes[child_id], setup.as_of)
        assert all(born[child_id] <= day <= setup.as_of and entered <= day <= ended for day in days)
        assert 0 <= (days[0] - entered).days <= 20
        assert [a.context for a in series].count("initial") == 1 and series[0].context == "initial"
        gaps = [(later - earlier).days for earlier, later in itertools.pairwise(days)]
        assert len(gaps) >= 2 and 60 <= gaps[0] <= 100
        assert all(140 <= gap <= 200 for gap in gaps[1:])
        assert (ended - days[-1]).days <= 200  # no review missed before as_of or leaving care


def test_two_to_three_assessments_a_year_of_care(case: tuple[Case, DemoCouncil]) -> None:
    setup, demo = case
    episodes = by_child(demo.placements)
    rates = []
    for child_id, series in by_child(demo.assessments).items():
        years = (care_end(episodes[child_id], setup.as_of) - episodes[child_id][0].start_date).days / 365.25
        rates.append(len(series) / years)
    assert 2 <= statistics.mean(rates) <= 3
    assert all(1.8 <= rate <= 3.5 for rate in rates)


def test_contexts_and_assessor_roles(case: tuple[Case, DemoCouncil]) -> None:
    _, demo = case
    assert {a.context for a in demo.assessments} <= CONTEXTS
    assert {a.assessor_role for a in demo.assessments} <= ROLES
    usual = sum(a.assessor_role in {"social_worker", "iro"} for a in demo.assessments)
    assert usual >= 0.8 * len(demo.assessments)


def test_placements_are_consecutive_from_entry_with_only_the_last_open(case: tuple[Case, DemoCouncil]) -> None:
    setup, demo = case
    born = {child.child_id: child.date_of_birth for child in demo.children}
    moves = 0
    for child_id, episodes in by_child(demo.placements).items():
        # Up to four placements, a fortnight's respite splitting one of them in two.
        respites = sum(placement_group(p.place) == "temporary" for p in episodes)
        assert respites <= 1 and 1 <= len(episodes) - 2 * respites <= 4
        assert episodes[0].rne == "S" and all(p.rne != "S" for p in episodes[1:])
        assert born[child_id] <= episodes[0].start_date
        for p in episodes:
            assert p.start_date <= setup.as_of
            assert p.end_date is None or p.start_date < p.end_date <= setup.as_of
            assert (p.end_date is None) == (p.reason_ended is None)
            assert p.reason_place_change is None or p.reason_ended == "X1"
        for earlier, later in itertools.pairwise(episodes):
            assert earlier.end_date is not None and later.start_date >= earlier.end_date
            assert earlier.reason_ended == "X1" and later.start_date == earlier.end_date
            moves += 1
        assert episodes[-1].reason_ended != "X1"
    assert moves > 0


def test_most_children_are_still_in_care_and_a_few_left(full: tuple[Case, DemoCouncil]) -> None:
    _, demo = full
    last = [episodes[-1] for episodes in by_child(demo.placements).values()]
    left = [p for p in last if p.end_date is not None]
    assert 0 < len(left) <= 0.15 * len(last)
    assert all(p.reason_ended is not None and p.reason_ended.startswith("E") for p in left)


def test_every_code_is_valid_in_collection_years_2023_to_2026(case: tuple[Case, DemoCouncil]) -> None:
    _, demo = case
    for p in demo.placements:
        row = {
            "RNE": p.rne,
            "LS": p.legal_status,
            "CIN": p.cin,
            "PLACE": p.place,
            "PLACE_PROVIDER": p.place_provider,
            "REC": p.reason_ended,
            "REASON_PLACE_CHANGE": p.reason_place_change,
        }
        assert all(invalid_codes(row, year) == [] for year in range(2023, 2027)), row
        assert p.rne in {"P", "L", "T", "S", "U", "B"} and p.cin in {f"N{n}" for n in range(1, 9)}
        assert placement_group(p.place) in {"foster", "residential", "with_parents", "temporary"}
    for child in demo.children:
        assert all(invalid_codes({"SEX": child.sex, "ETHNIC": child.ethnicity}, y) == [] for y in range(2024, 2027))
    statuses = [p.legal_status for p in demo.placements]
    assert max(set(statuses), key=statuses.count) == "C2"


def test_placements_match_their_provider(case: tuple[Case, DemoCouncil]) -> None:
    _, demo = case
    kind = {p.external_id: p.kind for p in demo.providers}
    for p in demo.placements:
        if placement_group(p.place) == "temporary":  # respite from foster carers: coded as the move it is
            continue
        assert placement_group(p.place) == GROUP_OF_KIND[kind[p.provider_external_id]]
        assert p.place_provider in PLACE_PROVIDER_OF_KIND[kind[p.provider_external_id]]
        assert postcode_sector(p.postcode_sector) == p.postcode_sector
        if kind[p.provider_external_id] == "childrens_home":
            assert p.urn is not None and re.fullmatch(r"SC\d{6}", p.urn)
        else:
            assert p.urn is None


def test_weekly_costs_are_within_the_range_of_their_placement_group(case: tuple[Case, DemoCouncil]) -> None:
    _, demo = case
    kind = {p.external_id: p.kind for p in demo.providers}
    costs = defaultdict(list)
    for p in demo.placements:
        low, high = COSTS[kind[p.provider_external_id]]
        assert p.weekly_cost.as_tuple().exponent == -2
        assert low <= p.weekly_cost <= high, (p.external_id, p.weekly_cost)
        costs[kind[p.provider_external_id]].append(p.weekly_cost)
    assert set(costs) == set(COSTS)
    assert 3500 <= statistics.median(costs["childrens_home"]) <= 4100  # about £3,800 a week


def test_funding_shares_sum_to_exactly_one(case: tuple[Case, DemoCouncil]) -> None:
    _, demo = case
    for p in demo.placements:
        shares = (p.funding_social_care, p.funding_health, p.funding_education)
        assert all(Decimal(0) <= share <= Decimal(1) and share.as_tuple().exponent == -2 for share in shares)
        assert sum(shares) == Decimal(1)
    assert any(p.funding_health > 0 for p in demo.placements)


def test_some_children_live_in_childrens_homes_with_higher_needs(full: tuple[Case, DemoCouncil]) -> None:
    _, demo = full
    homes = {p.child_id for p in demo.placements if placement_group(p.place) == "residential"}
    assert 0.08 * len(demo.children) <= len(homes) <= 0.25 * len(demo.children)
    baseline = {child_id: total(series[0]) for child_id, series in by_child(demo.assessments).items()}
    others = [need for child_id, need in baseline.items() if child_id not in homes]
    assert statistics.mean(baseline[child_id] for child_id in homes) > statistics.mean(others) + 5


def test_a_few_placements_end_because_of_the_childs_behaviour(full: tuple[Case, DemoCouncil]) -> None:
    _, demo = full
    reasons = [p.reason_place_change for p in demo.placements if p.reason_ended == "X1"]
    assert 0 < reasons.count("CREQB") <= 0.2 * len(reasons)
    assert len(set(reasons)) >= 5


def test_needs_profiles_differ_between_children(full: tuple[Case, DemoCouncil]) -> None:
    _, demo = full
    first = [series[0] for series in by_child(demo.assessments).values()]
    low = [a for a in first if sum(level is not None and level >= 2 for level in a.needs.values()) <= 2]
    high = [a for a in first if sum(level is not None and level >= 3 for level in a.needs.values()) >= 3]
    assert len(low) >= 0.2 * len(first) and len(high) >= 0.1 * len(first)


def test_needs_drift_slowly_between_assessments(full: tuple[Case, DemoCouncil]) -> None:
    setup, demo = full
    jumps = []
    for series in by_child(demo.assessments).values():
        for earlier, later in itertools.pairwise(series):
            for domain in setup.domains:
                before, after = earlier.needs[domain], later.needs[domain]
                if before is not None and after is not None:
                    jumps.append(abs(after - before))
    assert max(jumps) <= 2 and sum(jumps) > 0


def test_most_children_improve_some_worsen_and_some_progress_mixed(full: tuple[Case, DemoCouncil]) -> None:
    setup, demo = full
    improved = worsened = mixed = clearly_mixed = 0
    for series in by_child(demo.assessments).values():
        change = total(series[-1]) - total(series[0])
        improved += change < 0
        worsened += change >= 4  # more than rating noise across twelve domains
        per_domain = []
        for domain in setup.domains:
            rated = [level for a in series if (level := a.needs[domain]) is not None]
            per_domain.append(rated[-1] - rated[0] if rated else 0)
        mixed += min(per_domain) <= -1 and max(per_domain) >= 1  # mixed_progress, domain.md §4
        clearly_mixed += min(per_domain) <= -1 and max(per_domain) >= 2
    children = len(demo.children)
    assert improved >= 0.5 * children
    assert 0.05 * children <= worsened < improved
    assert 0.05 * children <= clearly_mixed <= mixed < children


def test_some_children_fostered_by_the_council_s_service_have_a_fortnight_s_respite_and_come_back() -> None:
    demo = council_of("default")
    respites = 0
    for episodes in by_child(demo.placements).values():
        for before, away, after in zip(episodes, episodes[1:], episodes[2:], strict=False):
            if away.place == "T3":
                respites += 1
                assert before.provider_external_id == after.provider_external_id == demo.contract.provider_external_id
                assert away.end_date is not None and (away.end_date - away.start_date).days == 14
                assert (before.end_date, away.end_date) == (away.start_date, after.start_date)
    assert respites >= 10


def test_the_demo_contract_runs_from_two_years_before_as_of_with_each_cap() -> None:
    contract = council_of("default").contract
    assert (contract.code, contract.start_date) == ("DEMO-PBNR", date(2024, 10, 1))
    assert contract.end_date == date(2027, 12, 31)
    assert contract.start_date < contract.outcome_share_from < DEMO_AS_OF
    assert 0 < contract.deadweight < 1 and contract.cap_per_child_year < contract.cap_per_period
