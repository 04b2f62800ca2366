"""A council's placement figures as at a day (domain.md §6), from its children's figures as at that day."""

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from shared.domain.engines.placements.child import CurrentPlacement
from shared.domain.engines.placements.episodes import Funding

PENNY = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Share:
    numerator: int
    population: int

    @property
    def share(self) -> float | None:
        return self.numerator / self.population if self.population else None


@dataclass(frozen=True, slots=True)
class CouncilFigures:
    looked_after_by_group: Mapping[str | None, int]  # None: PLACE codes outside the groups (P3, R2, R3, R5, S1)
    instability: Share  # children with three or more placements in the 12 months, of those the measure counts
    long_term_stability: Share  # children in their placement for 2 years, of those the measure counts
    placements_ended_by_reason: Mapping[str | None, int]  # in the 12 months; None: no reason, e.g. care ended
    average_weekly_cost_by_group: Mapping[str | None, Decimal]  # over children whose open episode has a cost
    weekly_spend_by_funder: Mapping[str, Decimal]


class Counted(Protocol):
    """What the council's figures count of a child: its figures as computed (child.PlacementFigures), or as the
    worker kept them (shared/domain/kept_placement_figures.py)."""

    @property
    def current(self) -> CurrentPlacement | None: ...

    @property
    def unstable(self) -> bool | None: ...

    @property
    def long_term_stable(self) -> bool | None: ...

    @property
    def reasons_ended_in_year(self) -> tuple[str | None, ...]: ...


def council_figures(children: Iterable[Counted]) -> CouncilFigures:
    children = list(children)
    current = [c.current for c in children if c.current is not None]
    return CouncilFigures(
        looked_after_by_group=Counter(c.group for c in current),
        instability=_share([c.unstable for c in children]),
        long_term_stability=_share([c.long_term_stable for c in children]),
        placements_ended_by_reason=Counter(reason for c in children for reason in c.reasons_ended_in_year),
        average_weekly_cost_by_group=_average_weekly_cost_by_group(current),
        weekly_spend_by_funder=_weekly_spend_by_funder(current),
    )


def _share(flags: Sequence[bool | None]) -> Share:
    """None: outside the measure's population."""
    return Share(numerator=sum(f is True for f in flags), population=sum(f is not None for f in flags))


def _pennies(amount: Decimal) -> Decimal:
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


def _average_weekly_cost_by_group(current: Sequence[CurrentPlacement]) -> dict[str | None, Decimal]:
    costs: defaultdict[str | None, list[Decimal]] = defaultdict(list)
    for placement in current:
        if placement.weekly_cost is not None:
            costs[placement.group].append(placement.weekly_cost)
    return {group: _pennies(sum(amounts, Decimal(0)) / len(amounts)) for group, amounts in costs.items()}


def _weekly_spend_by_funder(current: Sequence[CurrentPlacement]) -> dict[str, Decimal]:
    # Exact products summed, rounded once at the end, so the funders' totals are each right to the penny.
    spend = dict.fromkeys(Funding().by_funder(), Decimal(0))
    for placement in current:
        if placement.weekly_cost is not None:
            for funder, share in placement.funding.by_funder().items():
                spend[funder] += placement.weekly_cost * share
    return {funder: _pennies(amount) for funder, amount in spend.items()}
