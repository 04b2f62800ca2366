"""Sufficiency worked by hand: profiles of high needs against the places providers declare, and children placed
out of area or in residential care for want of a placement that meets their needs."""

from decimal import Decimal

from shared.domain.engines.matching import Offer
from shared.domain.engines.sufficiency import ChildNeeds, SufficiencyRules, profile_of, profiles

RULES = SufficiencyRules(home_districts=("AB1", "AB2"))


def offer(name: str, group: str, places: int, areas: tuple[str, ...], **meets: tuple[int, ...]) -> Offer:
    levels = {domain: frozenset(values) for domain, values in meets.items()}
    return Offer(name, group, Decimal("900.00"), places, frozenset(areas), levels)


OFFERS = [
    offer("LOCAL-FOSTER", "foster", 2, ("AB1",), behaviour=(2, 3), learning=(2,)),
    offer("FAR-HOME", "residential", 3, ("ZZ9",), behaviour=(3, 4), learning=(2, 3)),
    offer("ANYWHERE-FOSTER", "foster", 1, (), family=(2, 3)),
]


def child(status: str, group: str | None, district: str | None, **levels: int) -> ChildNeeds:
    return ChildNeeds(status, levels, group, district)


def test_a_profile_is_the_high_needs_and_a_child_without_one_has_none() -> None:
    assert profile_of({"behaviour": 4, "learning": 2, "family": 3}, RULES) == "behaviour 4, family 3"
    assert profile_of({"behaviour": 2}, RULES) == ""


def test_profiles_with_too_few_places_and_children_placed_for_want_of_a_better_placement() -> None:
    children = [
        # behaviour 4: only FAR-HOME (3 places) takes it; four children, one waiting.
        child("placed", "residential", "ZZ9", behaviour=4),
        child("placed", "residential", "ZZ9", behaviour=4),
        child("placed", "residential", "AB1", behaviour=4),
        child("waiting", None, None, behaviour=4),
        # behaviour 3 and learning 2: the local foster carers could meet every need, yet the child is in a far home.
        child("placed", "residential", "ZZ9", behaviour=3, learning=2),
    ]
    rows = {row.profile: row for row in profiles(children, OFFERS, RULES, 2, ("foster",), ("residential",))}
    intensive = rows["behaviour 4"]
    assert (intensive.placed, intensive.waiting, intensive.providers, intensive.places) == (3, 1, 1, 3)
    assert (intensive.shortfall, intensive.family_places) == (1, 0)
    # No family offer meets behaviour 4, nor a local one: all three homes are for want of one.
    assert (intensive.residential, intensive.residential_for_want) == (3, 3)
    assert (intensive.out_of_area, intensive.out_of_area_for_want) == (2, 2)
    high = rows["behaviour 3"]
    assert (high.providers, high.places, high.family_places, high.shortfall) == (2, 5, 2, 0)
    assert (high.residential, high.residential_for_want, high.out_of_area, high.out_of_area_for_want) == (1, 0, 1, 0)
    assert list(rows) == ["behaviour 4", "behaviour 3"]  # most children first


def test_without_home_districts_no_child_is_counted_out_of_area() -> None:
    children = [child("placed", "residential", "ZZ9", behaviour=4)]
    (row,) = profiles(children, OFFERS, SufficiencyRules(), 2, ("foster",), ("residential",))
    assert (row.out_of_area, row.out_of_area_for_want) == (None, None)


def test_a_need_below_the_profile_level_still_counts_when_asking_if_a_family_could_meet_it() -> None:
    # family 2 is no high need, but ANYWHERE-FOSTER alone meets it and behaviour 3 is met by LOCAL-FOSTER only.
    children = [child("placed", "residential", "AB1", behaviour=3, family=2)]
    (row,) = profiles(children, OFFERS, RULES, 2, ("foster",), ("residential",))
    assert (row.profile, row.residential_for_want) == ("behaviour 3", 1)
