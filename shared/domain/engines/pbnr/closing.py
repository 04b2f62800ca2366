"""Closed periods (domain.md §7.9): the council closes a period when it pays it, and its statement
never changes again. Where late or amended data would now change a closed period, the difference,
per child, stay, domain and instalment, is settled as an adjustment line in the first open period,
naming the closed period and what changed."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from shared.domain.engines.pbnr.contract import Period
from shared.domain.engines.pbnr.money import Priced

ADJUSTMENT = "7.9 adjustment of a closed period"
ZERO = Decimal("0.00")
# Stands for an erased child's pseudonym, stay and assessments in stored statements (domain.md §9).
ERASED = "erased"


@dataclass(frozen=True, slots=True)
class Settled:
    """Money a closed statement settled for one event of a period: its own line, or an adjustment of it
    in a later closed statement."""

    period: date  # the start of the period the event belongs to
    child: str
    stay: str
    domain: str
    instalment: int
    rule: str  # the event's rule as settled
    earned: Decimal
    paid: Decimal
    withheld: Decimal
    assessment: str | None = None  # the assessment the event was dated on, as settled


@dataclass(frozen=True, slots=True)
class Adjustment:
    closed_period: Period
    child: str
    stay: str
    domain: str
    instalment: int
    earned: Decimal
    paid: Decimal
    withheld: Decimal
    rule: str  # the event's rule now, or ADJUSTMENT where it no longer happens
    cause: str
    assessment: str | None = None  # the assessment the event is dated on now


Key = tuple[str, str, str, int]  # child, stay, domain, instalment


def first_open(periods: Sequence[Period], closed: Iterable[date]) -> Period | None:
    shut = set(closed)
    return next((p for p in periods if p.start not in shut), None)


def erased_paid(settled: Iterable[Settled]) -> dict[date, Decimal]:
    """What closed statements paid for erased children, by the period their events belong to. It was
    paid and stays so: it is never adjusted, and it still counts toward its period's caps, so the
    other children's events there come to what they were paid."""
    paid: dict[date, Decimal] = {}
    for s in settled:
        if s.child == ERASED:
            paid[s.period] = paid.get(s.period, ZERO) + s.paid
    return paid


def adjustments(priced: Sequence[Priced], closed: Sequence[Period], settled: Sequence[Settled]) -> list[Adjustment]:
    """For each closed period, what the events dated in it come to now, less what was settled for them
    (`settled` in the order it was settled); an erased child's events are gone, not undone."""
    result = []
    for period in closed:
        then: dict[Key, list[Settled]] = {}
        for s in settled:
            if s.period == period.start and s.child != ERASED:
                then.setdefault((s.child, s.stay, s.domain, s.instalment), []).append(s)
        now: dict[Key, Priced] = {
            (p.event.child, p.event.stay.id, p.event.domain or "", p.event.instalment or 0): p
            for p in priced
            if period.holds(p.event.on) and p.event.kind != "no_baseline"
        }
        for key in sorted(then.keys() | now.keys()):
            before, current = then.get(key, []), now.get(key)
            earned = (current.earned if current else ZERO) - sum((s.earned for s in before), ZERO)
            paid = (current.paid if current else ZERO) - sum((s.paid for s in before), ZERO)
            withheld = (current.withheld if current else ZERO) - sum((s.withheld for s in before), ZERO)
            if earned or paid or withheld:
                rule = current.event.rule if current else ADJUSTMENT
                assessment = current.event.confirming.id if current and current.event.confirming else None
                was = "no event"
                if before:  # as last settled
                    was = describe(
                        before[-1].rule, before[-1].assessment, f"£{sum((s.paid for s in before), ZERO)} paid"
                    )
                due = describe(current.event.rule, assessment, f"£{current.paid} due") if current else "no event"
                child, stay, domain, instalment = key
                result.append(
                    Adjustment(
                        period,
                        child,
                        stay,
                        domain,
                        instalment,
                        earned,
                        paid,
                        withheld,
                        rule,
                        f"was: {was}; now: {due}",
                        assessment,
                    )
                )
    return result


def describe(rule: str, assessment: str | None, amount: str) -> str:
    """What changed, as a provider checks it: the rule, the assessment the event rests on, the money."""
    return f"{rule}, on assessment {assessment}, {amount}" if assessment else f"{rule}, {amount}"
