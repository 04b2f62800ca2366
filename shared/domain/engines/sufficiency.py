"""Sufficiency (issue 17): the needs profiles of a council's children, placed or waiting, against what providers
declare they can meet.

A child's profile is its needs at the rules' profile level or above (high, 3, shipped) from its latest
assessment, as "behaviour 4, emotional_health 3"; a child without one is of the profile "" (no high need). A
provider can take a profile when its offer meets every need of it (engines/matching.py), and the profile's places
are the places those providers declare: what children of that profile could use, so a provider fit for several
profiles counts in each. A profile with more children than places has too few.

A child placed out of the council's area (its placement's postcode district not one of the rules' home districts)
is so for want of a local placement when no offer taking children from a home district meets every one of its
needs to meet (the matching rules'); a child in residential care is so for want of a family placement when no
offer of a family group meets them.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from shared.domain.engines.matching import Offer, match, needs_to_meet

PLACED, WAITING = "placed", "waiting"


@dataclass(frozen=True, slots=True)
class SufficiencyRules:
    profile_from: int = 3
    home_districts: tuple[str, ...] = ()  # none: the council has not said, and no child is counted out of area


@dataclass(frozen=True, slots=True)
class ChildNeeds:
    status: str  # placed (looked after now) or waiting (not yet placed, a placement asked for)
    levels: Mapping[str, int]  # its latest assessment's need levels
    group: str | None  # its current placement's group, when placed
    district: str | None  # its current placement's postcode district, when known


@dataclass(frozen=True, slots=True)
class ProfileRow:
    profile: str
    placed: int
    waiting: int
    providers: int
    places: int
    family_places: int
    residential: int
    residential_for_want: int  # of those, no family offer meets every need
    out_of_area: int | None  # null: the council has named no home district
    out_of_area_for_want: int | None  # of those, no offer from a home district meets every need

    @property
    def children(self) -> int:
        return self.placed + self.waiting

    @property
    def shortfall(self) -> int:
        return max(0, self.children - self.places)


def profile_of(levels: Mapping[str, int], rules: SufficiencyRules) -> str:
    return ", ".join(f"{domain} {level}" for domain, level in levels.items() if level >= rules.profile_from)


def _meets(offers: Sequence[Offer], needs: Mapping[str, int]) -> list[Offer]:
    return [offer for offer in offers if match(needs, offer).meets_every_need]


def profiles(
    children: Sequence[ChildNeeds],
    offers: Sequence[Offer],
    rules: SufficiencyRules,
    needs_from: int,
    family_groups: Sequence[str],
    residential_groups: Sequence[str],
) -> list[ProfileRow]:
    """One row per profile any child has, most children first (then by profile)."""
    local = [o for o in offers if not o.areas or o.areas & set(rules.home_districts)]
    family = [o for o in offers if o.group in family_groups]
    grouped: dict[str, list[ChildNeeds]] = {}
    for child in children:
        grouped.setdefault(profile_of(child.levels, rules), []).append(child)
    rows = []
    for profile, members in grouped.items():
        able = _meets(offers, {k: v for k, v in members[0].levels.items() if v >= rules.profile_from})
        placed = [c for c in members if c.status == PLACED]
        residential = [c for c in placed if c.group in residential_groups]
        away = [c for c in placed if rules.home_districts and c.district and c.district not in rules.home_districts]
        rows.append(
            ProfileRow(
                profile=profile,
                placed=len(placed),
                waiting=len(members) - len(placed),
                providers=len(able),
                places=sum(o.places for o in able),
                family_places=sum(o.places for o in able if o.group in family_groups),
                residential=len(residential),
                residential_for_want=sum(not _meets(family, needs_to_meet(c.levels, needs_from)) for c in residential),
                out_of_area=len(away) if rules.home_districts else None,
                out_of_area_for_want=(
                    sum(not _meets(local, needs_to_meet(c.levels, needs_from)) for c in away)
                    if rules.home_districts
                    else None
                ),
            )
        )
    return sorted(rows, key=lambda row: (-row.children, row.profile))
