"""Pricing events and applying the caps (domain.md §7.6-§7.7). Every amount is exact: fractions until
a line's amount is rounded half-up to the penny, once; totals are sums of rounded lines."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from shared.domain.engines.pbnr.contract import Contract, Period, contract_year, period_of
from shared.domain.engines.pbnr.events import Event
from shared.domain.engines.pbnr.stays import TEMPORARY, Stay

PENNY = Decimal("0.01")
CHILD_YEAR, PERIOD, OUTCOME_SHARE = "per_child_year", "per_period", "outcome_share"
CAPS = (CHILD_YEAR, PERIOD, OUTCOME_SHARE)  # in the order they apply


def pennies(amount: Fraction) -> Decimal:
    """Rounded half-up (away from zero at a half) to the penny."""
    hundredths = abs(amount) * 100
    whole = int(hundredths) + (1 if hundredths - int(hundredths) >= Fraction(1, 2) else 0)
    return (Decimal(whole if amount >= 0 else -whole) / 100).quantize(PENNY)


@dataclass(frozen=True, slots=True)
class Arithmetic:
    """An earned line's factors, as a provider checks it by hand: earned is tariff x share x
    (days_with_provider / days, or 1 where days is 0) x (1 - deadweight), rounded half-up to the penny."""

    tariff: Decimal  # for the domain's baseline level, under the terms in force on the line's date
    share: Decimal  # the instalment's share
    days_with_provider: int
    days: int  # from the later of the stay's start and the baseline's date up to the confirming assessment
    deadweight: Decimal

    @property
    def attribution(self) -> Fraction:
        return Fraction(self.days_with_provider, self.days) if self.days > 0 else Fraction(1)

    @property
    def earned(self) -> Fraction:
        return Fraction(self.tariff) * Fraction(self.share) * self.attribution * (1 - Fraction(self.deadweight))


def arithmetic(event: Event, contract: Contract) -> Arithmetic | None:
    """The factors of an earned instalment, with the terms in force on its date; other events earn
    nothing. Attribution counts days with the provider from the later of the stay's start and the
    baseline's date up to the confirming assessment, over all days in that interval."""
    if event.kind != "earned":
        return None
    assert event.baseline is not None and event.confirming is not None and event.domain is not None
    terms = contract.terms_on(event.on)
    start, end = max(event.stay.start, event.baseline.assessed_on), event.confirming.assessed_on
    return Arithmetic(
        terms.tariff_for(event.baseline.levels[event.domain]),
        terms.first_share if event.instalment == 1 else terms.second_share,
        event.stay.provider_days(start, end),
        max(0, (end - start).days),
        terms.deadweight,
    )


def cost_days(stays: Iterable[Stay], period: Period, through: date) -> Decimal:
    """The full weekly cost, whoever funds it, times the provider's days in the period up to `through`:
    their base fees times 7, exact in pence. Temporary episodes are not days with the provider."""
    end = min(period.end, through) + timedelta(days=1)
    return sum(
        (
            e.weekly_cost * e.days_within(period.start, end)
            for stay in stays
            for e in stay.episodes
            if e.place not in TEMPORARY and e.weekly_cost is not None
        ),
        Decimal(0),
    )


@dataclass(frozen=True, slots=True)
class Priced:
    event: Event
    earned: Decimal
    paid: Decimal
    withheld: Decimal
    capped_by: tuple[str, ...]
    arithmetic: Arithmetic | None = None  # an earned instalment's factors
    # An earned instalment's room left under each cap in force on its date before it was paid (negative
    # where an erased child's settled money overran it): paid is the least of earned and each room, not
    # below 0.
    rooms: tuple[tuple[str, Decimal], ...] = ()


def order_key(event: Event) -> tuple[date, str, str, int]:
    """Caps apply by date, then child pseudonym, then domain code, then instalment."""
    return event.on, event.child, event.domain or "", event.instalment or 0


def apply_caps(
    events: Iterable[Event],
    contract: Contract,
    stays: list[Stay],
    through: date,
    paid_without_events: Mapping[date, Decimal],
    cost_days_without_stays: Mapping[date, Decimal],
) -> list[Priced]:
    """Every event priced, in cap order; caps count what was paid since the contract began, including
    money paid by period (its start) for events no longer among `events`, and the outcome share cap the
    base fees, as cost days by period, of stays no longer among `stays` (both erased children's)."""
    paid_child_year: dict[tuple[str, int], Decimal] = {}
    paid_period: dict[Period, Decimal] = {}
    for start, paid in paid_without_events.items():
        period = period_of(contract, start)
        if period is not None:
            paid_period[period] = paid
    fees: dict[Period, Fraction] = {}
    result = []
    for event in sorted(events, key=order_key):
        factors = arithmetic(event, contract)
        amount = pennies(factors.earned if factors else Fraction(0))
        terms, period = contract.terms_on(event.on), period_of(contract, event.on)
        assert period is not None
        year = (event.child, contract_year(contract, event.on))
        rooms = []
        if terms.cap_per_child_year is not None:
            rooms.append((CHILD_YEAR, terms.cap_per_child_year - paid_child_year.get(year, Decimal(0))))
        if terms.cap_per_period is not None:
            rooms.append((PERIOD, terms.cap_per_period - paid_period.get(period, Decimal(0))))
        if terms.cap_outcome_share is not None:
            if period not in fees:
                without = cost_days_without_stays.get(period.start, Decimal(0))
                fees[period] = Fraction(cost_days(stays, period, through) + without) / 7
            limit = pennies(Fraction(terms.cap_outcome_share) * fees[period])  # the share in force on the event
            rooms.append((OUTCOME_SHARE, limit - paid_period.get(period, Decimal(0))))
        paid, capped_by = amount, []
        for cap, room in rooms:
            if paid > 0 and paid > room:
                paid = max(room, Decimal(0)).quantize(PENNY)
                capped_by.append(cap)
        paid_child_year[year] = paid_child_year.get(year, Decimal(0)) + paid
        paid_period[period] = paid_period.get(period, Decimal(0)) + paid
        kept = tuple(rooms) if factors else ()
        result.append(Priced(event, amount, paid, amount - paid, tuple(capped_by), factors, kept))
    return result
