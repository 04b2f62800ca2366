"""Savings tracking (issue 17): the moves a council makes to care that costs less, and what each has saved.

A move is a placement (counted as domain.md §6 counts them) beginning the day the one before it ended:
- a **step-down**: from a residential placement to a family one;
- **agency to in-house**: from foster carers of an agency (PLACE_PROVIDER private or voluntary) to the council's
  own (PR1).
Its weekly saving is the cost of the placement left (its last own episode's) less the cost of the one begun (its
first episode's), as they were at the time. It saves while the child stays: through the placements that follow
without a break while they remain of the kind moved to (family care; the council's own foster carers). A return
to the kind left (residential care; an agency's carers) is a breakdown: the move says so and stops counting, as it
does when care ends or the child moves on to something else (home, supported living).

Money is exact until a figure is shown: each move's saving to date, and each month's total, are rounded half-up
to the penny once (so a month's total is not the sum of rounded parts).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from itertools import pairwise

from shared.domain.engines.placements.episodes import Placement
from shared.ssda903 import placement_group

PENNY = Decimal("0.01")
STEP_DOWN, AGENCY_TO_IN_HOUSE = "step_down", "agency_to_in_house"
CONTINUING, BROKE_DOWN, LEFT_CARE, MOVED_ON = "continuing", "broke_down", "left_care", "moved_on"


@dataclass(frozen=True, slots=True)
class SavingsRules:
    residential_groups: tuple[str, ...]  # the step-down rules': one setting says what residential care is
    family_groups: tuple[str, ...] = ("foster",)
    agency_providers: tuple[str, ...] = ("PR4", "PR5")
    in_house_providers: tuple[str, ...] = ("PR1",)


@dataclass(frozen=True, slots=True)
class Move:
    kind: str
    moved_on: date  # the day the placement moved to began
    left: Placement
    begun: Placement
    weekly_saving: Decimal | None  # null when either placement's cost is not recorded
    status: str  # continuing, broke_down, left_care or moved_on, as known at the day asked
    counted_until: date  # the day it stopped saving (not itself saved), or the day after the day asked

    @property
    def days_counted(self) -> int:
        return (self.counted_until - self.moved_on).days

    @property
    def saving_to_date(self) -> Decimal | None:
        return None if self.weekly_saving is None else pennies(Fraction(self.weekly_saving) * self.days_counted / 7)

    def saving_within(self, first: date, last: date) -> Fraction:
        """What it saved on the days from `first` to `last`, inclusive, exact."""
        if self.weekly_saving is None:
            return Fraction(0)
        days = (min(self.counted_until, last + timedelta(days=1)) - max(self.moved_on, first)).days
        return Fraction(self.weekly_saving) * max(days, 0) / 7


def pennies(amount: Fraction) -> Decimal:
    return (Decimal(amount.numerator) / Decimal(amount.denominator)).quantize(PENNY, rounding=ROUND_HALF_UP)


def _kind(left: Placement, begun: Placement, rules: SavingsRules) -> str | None:
    before, after = placement_group(left.last.place), placement_group(begun.first.place)
    if before in rules.residential_groups and after in rules.family_groups:
        return STEP_DOWN
    if (
        before == after == "foster"
        and left.last.place_provider in rules.agency_providers
        and begun.first.place_provider in rules.in_house_providers
    ):
        return AGENCY_TO_IN_HOUSE
    return None


def _stays(kind: str, placement: Placement, rules: SavingsRules) -> bool:
    """The child still has what it was moved to."""
    if kind == STEP_DOWN:
        return placement_group(placement.first.place) in rules.family_groups
    in_house = placement.first.place_provider in rules.in_house_providers
    return placement_group(placement.first.place) == "foster" and in_house


def _went_back(kind: str, placement: Placement, rules: SavingsRules) -> bool:
    if kind == STEP_DOWN:
        return placement_group(placement.first.place) in rules.residential_groups
    return placement.first.place_provider in rules.agency_providers or (
        placement_group(placement.first.place) in rules.residential_groups
    )


def _ending(kind: str, chain: Sequence[Placement], stay: Placement, rules: SavingsRules) -> tuple[str, date]:
    """How and when the stay in what the child was moved to ended: it ended on its last placement's end."""
    assert stay.end is not None
    following = next((p for p in chain if p.start == stay.end), None)
    if following is None:
        return LEFT_CARE, stay.end
    return (BROKE_DOWN if _went_back(kind, following, rules) else MOVED_ON), stay.end


def moves(chain: Sequence[Placement], day: date, rules: SavingsRules) -> list[Move]:
    """The moves among a child's placements as known at the end of `day` (placements of episodes known_at it)."""
    found = []
    tomorrow = day + timedelta(days=1)
    for index, (left, begun) in enumerate(pairwise(chain)):
        if left.end != begun.start:
            continue  # care ended between them: no move
        kind = _kind(left, begun, rules)
        if kind is None:
            continue
        saving = None
        if left.last.weekly_cost is not None and begun.first.weekly_cost is not None:
            saving = left.last.weekly_cost - begun.first.weekly_cost
        stay = begun
        for after in chain[index + 2 :]:
            if stay.end != after.start or not _stays(kind, after, rules):
                break
            stay = after
        status, until = _ending(kind, chain, stay, rules) if stay.end is not None else (CONTINUING, tomorrow)
        found.append(Move(kind, begun.start, left, begun, saving, status, until))
    return found


@dataclass(frozen=True, slots=True)
class Month:
    first: date
    kind: str
    moves: int  # made in the month
    broke_down: int  # in the month
    saving: Decimal  # saved on the month's days (up to the day asked), to the penny


def months(all_moves: Sequence[Move], day: date) -> list[Month]:
    """Per calendar month from the first move's to the day's, and per kind: the moves made, those that broke down,
    and what all of them saved on its days."""
    if not all_moves:
        return []
    result = []
    first = min(m.moved_on for m in all_moves).replace(day=1)
    while first <= day:
        last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        for kind in (STEP_DOWN, AGENCY_TO_IN_HOUSE):
            mine = [m for m in all_moves if m.kind == kind]
            saved = sum((m.saving_within(first, min(last, day)) for m in mine), Fraction(0))
            made = sum(first <= m.moved_on <= last for m in mine)
            broke = sum(m.status == BROKE_DOWN and first <= m.counted_until <= last for m in mine)
            if made or broke or saved:
                result.append(Month(first, kind, made, broke, pennies(saved)))
        first = last + timedelta(days=1)
    return result
