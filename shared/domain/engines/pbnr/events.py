"""What happens to a stay under pbnr-v1 (domain.md §7.3-§7.5): its validated baseline or its absence,
and per actionable baseline domain a first instalment, then a second or its forfeit. Events carry
no money yet (money.py prices them)."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from shared.domain.engines.pbnr.contract import Contract
from shared.domain.engines.pbnr.stays import Stay

COUNCIL_ROLES = frozenset({"social_worker", "iro", "panel"})
BASELINE_WINDOW = timedelta(days=28)

Kind = Literal["no_baseline", "earned", "forfeited"]
# The rule each event applies, as its line names it.
NO_BASELINE = "7.3 no validated baseline: the stay earns nothing"
FIRST = "7.5 first instalment: the reduction first confirmed"
SECOND = "7.5 second instalment: the reduction sustained"
REVERSED = "7.5 second instalment forfeited: rated actionable again"
STAY_ENDED = "7.5 second instalment forfeited: the stay ended first"
CONTRACT_ENDED = "7.5 second instalment forfeited: the contract ended first"


@dataclass(frozen=True, slots=True)
class Assessment:
    """A final assessment's standing version."""

    child: str
    id: str
    assessed_on: date
    recorded: datetime  # when first recorded: of two on one date, the later recorded stands
    role: str
    levels: Mapping[str, int]  # need level by domain code; a domain not rated is absent
    actionable_from: int
    final: bool = True  # a draft never counts
    sequence: int = 0  # the order recorded, where two share a recording time (one batch)


@dataclass(frozen=True, slots=True)
class Event:
    kind: Kind
    on: date
    stay: Stay
    rule: str
    domain: str | None = None
    instalment: int | None = None  # 1 or 2
    baseline: Assessment | None = None
    confirming: Assessment | None = None  # the assessment the event is dated on, where it has one

    @property
    def child(self) -> str:
        return self.stay.child


def standing(assessments: Iterable[Assessment]) -> list[Assessment]:
    """The council's final assessments that stand, by date: drafts and those rated by the provider or
    any other role never count, and of two on one date the later recorded stands."""
    by_day: dict[date, Assessment] = {}
    for a in assessments:
        kept = by_day.get(a.assessed_on)
        later = kept is None or (a.recorded, a.sequence) > (kept.recorded, kept.sequence)
        if a.final and a.role in COUNCIL_ROLES and later:
            by_day[a.assessed_on] = a
    return [by_day[day] for day in sorted(by_day)]


def anchor(stay: Stay, contract: Contract) -> date:
    """A stay that began before the contract is judged from the contract's start, so progress made
    before the contract is never paid."""
    return max(stay.start, contract.start)


def validated_baseline(stay: Stay, contract: Contract, council: list[Assessment]) -> Assessment | None:
    day = anchor(stay, contract)
    within = [a for a in council if day - BASELINE_WINDOW <= a.assessed_on <= day + BASELINE_WINDOW]
    return within[-1] if within else None


def events_of(stay: Stay, contract: Contract, council: list[Assessment]) -> list[Event]:
    """Every event of one stay under the contract; `council` is the child's standing assessments."""
    if (stay.end is not None and stay.end <= contract.start) or stay.start > contract.end:
        return []
    baseline = validated_baseline(stay, contract, council)
    if baseline is None:
        closes = max(anchor(stay, contract) + BASELINE_WINDOW, contract.start)
        return [Event("no_baseline", min(closes, contract.end), stay, NO_BASELINE)]
    later = council[council.index(baseline) + 1 :]
    eligible = [a for a in later if stay.open_on(a.assessed_on) and contract.covers(a.assessed_on)]
    events = []
    for domain, level in sorted(baseline.levels.items()):
        if level >= baseline.actionable_from:
            events += domain_events(stay, contract, baseline, domain, eligible)
    return events


def domain_events(
    stay: Stay, contract: Contract, baseline: Assessment, domain: str, eligible: list[Assessment]
) -> list[Event]:
    """A domain earns at most once per stay: the first reduction, then its sustainment or forfeit."""
    below = baseline.actionable_from
    rated = [a for a in eligible if domain in a.levels]
    first = next((a for a in rated if a.levels[domain] < below), None)
    if first is None:
        return []
    earned = Event("earned", first.assessed_on, stay, FIRST, domain, 1, baseline, first)
    gap = timedelta(days=contract.terms_on(first.assessed_on).sustainment_gap_days)
    for a in rated[rated.index(first) + 1 :]:
        if a.levels[domain] >= below:
            return [earned, Event("forfeited", a.assessed_on, stay, REVERSED, domain, 2, baseline, a)]
        if a.assessed_on >= first.assessed_on + gap:
            return [earned, Event("earned", a.assessed_on, stay, SECOND, domain, 2, baseline, a)]
    if stay.end is not None and stay.end <= contract.end:
        return [earned, Event("forfeited", stay.end, stay, STAY_ENDED, domain, 2, baseline)]
    return [earned, Event("forfeited", contract.end, stay, CONTRACT_ENDED, domain, 2, baseline)]
