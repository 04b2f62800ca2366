"""A contract's terms, its payment periods and its contract years (domain.md §7.1)."""

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from typing import Literal, Protocol, TypeVar

PeriodKind = Literal["month", "quarter"]


@dataclass(frozen=True, slots=True)
class Terms:
    """One version of a contract: it applies to events dated from `effective_from`, never earlier."""

    version: int
    effective_from: date
    end: date  # the contract's last day, inside its last period
    period: PeriodKind
    tariff: Mapping[int, Decimal]  # pounds per resolved domain, by the domain's baseline level
    first_share: Decimal
    second_share: Decimal
    sustainment_gap_days: int
    deadweight: Decimal
    cap_per_child_year: Decimal | None = None
    cap_per_period: Decimal | None = None
    cap_outcome_share: Decimal | None = None  # of the period's base fees

    def tariff_for(self, level: int) -> Decimal:
        """The tariff of the highest level listed that is not above `level` (an instrument with more
        levels than the contract lists pays its top tariff), or nothing."""
        listed = [n for n in self.tariff if n <= level]
        return self.tariff[max(listed)] if listed else Decimal(0)


@dataclass(frozen=True, slots=True)
class Contract:
    id: str
    provider: str
    start: date
    versions: tuple[Terms, ...]  # in the order made; the first effective from the start

    @property
    def latest(self) -> Terms:
        return self.versions[-1]

    @property
    def end(self) -> date:
        return self.latest.end

    def terms_on(self, day: date) -> Terms:
        return in_force(self.versions, day)

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


class Version(Protocol):
    @property
    def effective_from(self) -> date: ...


V = TypeVar("V", bound=Version)


def in_force(versions: Sequence[V], day: date) -> V:
    """Of a contract's versions (in the order made) effective by the day, the last made: a version
    ending the contract before one scheduled later comes after it, so the scheduled one never applies."""
    effective = [v for v in versions if v.effective_from <= day]
    return effective[-1] if effective else versions[0]


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """Calendar month or quarter, cut to the contract's dates; both days inclusive."""

    start: date
    end: date

    def holds(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def label(self) -> str:
        return f"{self.start.isoformat()}/{self.end.isoformat()}"


def periods(contract: Contract) -> list[Period]:
    return list(calendar(contract.start, contract.end, contract.latest.period))


@cache
def calendar(start: date, end: date, kind: PeriodKind) -> tuple[Period, ...]:
    months = 1 if kind == "month" else 3
    result = []
    boundary = date(start.year, (start.month - 1) // months * months + 1, 1)
    while boundary <= end:
        following = add_months(boundary, months)
        result.append(Period(max(boundary, start), min(following - timedelta(days=1), end)))
        boundary = following
    return tuple(result)


def period_of(contract: Contract, day: date) -> Period | None:
    found = calendar(contract.start, contract.end, contract.latest.period)
    index = bisect_right([p.start for p in found], day) - 1
    return found[index] if index >= 0 and found[index].holds(day) else None


def add_months(day: date, months: int) -> date:
    """The first of a month `months` on (`day` is a first of a month)."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def contract_year(contract: Contract, day: date) -> int:
    """Contract years run from the contract's start date: 0 for the first."""
    years = day.year - contract.start.year
    return years if add_years(contract.start, years) <= day else years - 1
