"""Matching a child's needs to what providers declare they can meet (domain.md §8).

A provider's offer names, per domain, the need levels it can meet. The child's needs to meet are its domains at
the rules' level or above (actionable, 2, shipped). A provider meets a need when it declares that domain at that
level. Those meeting every need come first, ranked by fit then weekly cost; fit is the levels to spare over the
needs met (for each, the highest level the provider declares in the domain less the child's): 0 is a provider
made for exactly these needs, and a higher one is equipped, and usually paid, for more than the child needs.
Those meeting some needs follow, most needs met first, so a commissioner sees what nearly fits and what it lacks.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Offer:
    provider_id: str
    group: str  # the placement group it offers (foster, residential, ...)
    weekly_cost: Decimal
    places: int
    areas: frozenset[str]  # the postcode districts it takes children from; empty: anywhere
    meets: Mapping[str, frozenset[int]]  # domain -> the need levels it can meet


@dataclass(frozen=True, slots=True)
class Match:
    offer: Offer
    meets_every_need: bool
    met: tuple[str, ...]  # "behaviour 3", in the order the needs were given
    unmet: tuple[str, ...]
    fit: int  # levels to spare over the needs met


def serves(offer: Offer, area: str | None) -> bool:
    return area is None or not offer.areas or area in offer.areas


def needs_to_meet(levels: Mapping[str, int], needs_from: int) -> dict[str, int]:
    return {domain: level for domain, level in levels.items() if level >= needs_from}


def match(needs: Mapping[str, int], offer: Offer) -> Match:
    met, unmet, fit = [], [], 0
    for domain, level in needs.items():
        declared = offer.meets.get(domain, frozenset())
        if level in declared:
            met.append(f"{domain} {level}")
            fit += max(declared) - level
        else:
            unmet.append(f"{domain} {level}")
    return Match(offer, not unmet, tuple(met), tuple(unmet), fit)


def ranked(needs: Mapping[str, int], offers: Iterable[Offer]) -> list[Match]:
    """Every offer meeting at least one need (or, with no need to meet, every offer), best first."""
    matches = [found for found in (match(needs, offer) for offer in offers) if found.met or not needs]
    return sorted(
        matches,
        key=lambda m: (
            not m.meets_every_need,
            -len(m.met),
            m.fit,
            m.offer.weekly_cost,
            m.offer.provider_id,
        ),
    )
