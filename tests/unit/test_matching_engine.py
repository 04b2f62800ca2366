"""Matching ranked as domain.md §8 asks, worked by hand: those meeting every need by fit then cost, then those
meeting some, most first."""

from decimal import Decimal

from shared.domain.engines.matching import Offer, needs_to_meet, ranked, serves


def offer(provider: str, cost: str, areas: tuple[str, ...] = (), **meets: tuple[int, ...]) -> Offer:
    return Offer(
        provider,
        "foster",
        Decimal(cost),
        2,
        frozenset(areas),
        {domain: frozenset(levels) for domain, levels in meets.items()},
    )


# Behaviour 3 and emotional health 2 to meet; family 1 is below actionable.
NEEDS = needs_to_meet({"behaviour": 3, "emotional_health": 2, "family": 1}, 2)


def test_the_needs_to_meet_are_the_actionable_ones() -> None:
    assert NEEDS == {"behaviour": 3, "emotional_health": 2}


def test_those_meeting_every_need_rank_by_fit_then_cost_and_the_rest_by_needs_met() -> None:
    offers = [
        offer("ALL-SPARE", "900", behaviour=(2, 3, 4), emotional_health=(2, 3)),  # fit 1 + 1 = 2
        offer("ALL-EXACT-DEAR", "1100", behaviour=(3,), emotional_health=(2,)),  # fit 0
        offer("ALL-EXACT-CHEAP", "950", behaviour=(2, 3), emotional_health=(1, 2)),  # fit 0
        offer("HALF", "700", behaviour=(3, 4)),  # meets behaviour only
        offer("WRONG-LEVEL", "600", behaviour=(4,), emotional_health=(3,)),  # declares the domains, not the levels
    ]
    matches = ranked(NEEDS, offers)
    assert [m.offer.provider_id for m in matches] == ["ALL-EXACT-CHEAP", "ALL-EXACT-DEAR", "ALL-SPARE", "HALF"]
    assert [(m.meets_every_need, m.fit) for m in matches] == [(True, 0), (True, 0), (True, 2), (False, 1)]
    half = matches[-1]
    assert (half.met, half.unmet) == (("behaviour 3",), ("emotional_health 2",))


def test_equal_fit_and_cost_fall_back_to_the_provider_id_so_the_order_never_wavers() -> None:
    offers = [offer(name, "800", behaviour=(3,), emotional_health=(2,)) for name in ("B", "A", "C")]
    assert [m.offer.provider_id for m in ranked(NEEDS, offers)] == ["A", "B", "C"]


def test_a_child_with_no_need_to_meet_is_matched_by_every_offer_cheapest_first() -> None:
    offers = [offer("DEAR", "1200"), offer("CHEAP", "700", behaviour=(2,))]
    assert [m.offer.provider_id for m in ranked({}, offers)] == ["CHEAP", "DEAR"]


def test_an_offer_serves_its_districts_or_anywhere_when_it_names_none() -> None:
    local = offer("LOCAL", "800", ("AB1", "AB2"))
    anywhere = offer("ANY", "800")
    assert serves(local, "AB1") and not serves(local, "ZZ9")
    assert serves(anywhere, "ZZ9") and serves(local, None)
