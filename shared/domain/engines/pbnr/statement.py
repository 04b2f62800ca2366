"""Statements (domain.md §7.8): per contract and period, a line per event dated in the period, its
totals and guard figures, the rules and contract versions, and a hash of the inputs it stands on.

A period's statement is computed from its inputs as they were known on its cut-off (the period's
last day, or today while it runs): an episode ending later is still open then (but for a temporary
move the child never came back from), an assessment dated later does not exist yet. The same inputs
give the same hash and the same figures to the penny; a changed input gives a new hash, and a new
statement version."""

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from shared.domain.engines.pbnr import RULES_VERSION
from shared.domain.engines.pbnr.closing import Adjustment, Settled, adjustments, erased_paid, first_open
from shared.domain.engines.pbnr.contract import Contract, Period, periods
from shared.domain.engines.pbnr.events import Assessment, events_of, standing
from shared.domain.engines.pbnr.money import Priced, apply_caps, cost_days
from shared.domain.engines.pbnr.stays import Episode, Stay, left_for_good, stays_of


@dataclass(frozen=True, slots=True)
class Inputs:
    contract: Contract
    episodes: tuple[Episode, ...]  # every episode of the children who stayed with the provider
    assessments: tuple[Assessment, ...]  # their final assessments' standing versions
    closed: frozenset[date] = frozenset()  # the starts of the periods the council has closed
    settled: tuple[Settled, ...] = ()  # what the closed statements settled, in the order they did
    # Erased children's stays' cost days (base fees x 7) in the periods closed when they were erased.
    erased_cost_days: Mapping[date, Decimal] = field(default_factory=dict)

    def contract_on(self, day: date) -> Contract:
        versions = tuple(t for t in self.contract.versions if t.effective_from <= day) or self.contract.versions[:1]
        return replace(self.contract, versions=versions)

    def known_on(self, day: date) -> "Inputs":
        gone = left_for_good(self.episodes, self.contract.provider)
        episodes = tuple(
            e if e.end is None or e.end <= day else unsettled(e, gone) for e in self.episodes if e.start <= day
        )
        assessments = tuple(a for a in self.assessments if a.assessed_on <= day)
        return replace(self, contract=self.contract_on(day), episodes=episodes, assessments=assessments)

    def digests(self, cutoffs: Sequence[date]) -> list[str]:
        """A SHA-256 of the inputs as known on each cut-off (ascending), in one pass. Each input's
        canonical text is hashed in the order of (the day it became known, its text), so the order
        inputs arrive in makes no difference: an assessment on its date, an ended episode on its end,
        erased children's cost days on their period's start, and an episode still open on the cut-off,
        in its open form, beside them."""
        settled = sorted(
            [(a.assessed_on, json_text(canonical(a))) for a in self.assessments]
            + [(e.end, json_text(canonical(e))) for e in self.episodes if e.end is not None]
            + [(start, json_text(canonical({start: cost}))) for start, cost in self.erased_cost_days.items()]
        )
        gone = left_for_good(self.episodes, self.contract.provider)
        still_open = [(e.start, e.end, json_text(canonical(unsettled(e, gone)))) for e in self.episodes]
        running, taken, result = hashlib.sha256(), 0, []
        for cutoff in cutoffs:
            while taken < len(settled) and settled[taken][0] <= cutoff:
                running.update(settled[taken][1].encode() + b"\n")
                taken += 1
            contract = self.contract_on(cutoff)
            head = {"rules": RULES_VERSION, "cutoff": cutoff, "contract": contract, "known": running.hexdigest()}
            opened = sorted(
                text for start, end, text in still_open if start <= cutoff and (end is None or end > cutoff)
            )
            result.append(hashlib.sha256(json_text([canonical(head), opened]).encode()).hexdigest())
        return result


def unsettled(episode: Episode, gone: set[str]) -> Episode:
    """An episode running on a cut-off, as known then: still open. A temporary move the child never came
    back from is the exception: whenever it ends, the stay it followed ended when the move began, a day
    the cut-off has seen, so the period's statement shows the stay ended (a new version of it, until the
    period is closed)."""
    return episode if episode.id in gone else replace(episode, end=None, reason_ended=None)


def canonical(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return {name: canonical(getattr(value, name)) for name in value.__dataclass_fields__}
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    return value


def json_text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class StayEnded:
    child: str
    stay: str
    ended_on: date
    reason: str | None  # SSDA903 REC of its last episode


@dataclass(frozen=True, slots=True)
class Rise:
    """A domain the council rated higher than at the child's previous council assessment."""

    child: str
    stay: str
    domain: str
    assessment: str
    assessed_on: date
    previous_level: int
    level: int


@dataclass(frozen=True, slots=True)
class Statement:
    contract: str
    contract_version: int
    rules: str
    period: Period
    cutoff: date
    lines: tuple[Priced, ...]  # in the order the caps took them
    stays_ended: tuple[StayEnded, ...]
    rises: tuple[Rise, ...]
    inputs_hash: str
    adjustments: tuple[Adjustment, ...] = ()  # of closed periods; only in the first open period

    @property
    def earned(self) -> Decimal:
        return total([line.earned for line in self.lines] + [a.earned for a in self.adjustments])

    @property
    def paid(self) -> Decimal:
        return total([line.paid for line in self.lines] + [a.paid for a in self.adjustments])

    @property
    def withheld(self) -> Decimal:
        return total([line.withheld for line in self.lines] + [a.withheld for a in self.adjustments])


def total(amounts: list[Decimal]) -> Decimal:
    return sum(amounts, Decimal("0.00"))


@dataclass(frozen=True, slots=True)
class Due:
    """A period begun by today, its cut-off and the hash of its inputs as known then."""

    period: Period
    cutoff: date
    inputs_hash: str
    closed: bool  # never recomputed: its statement stands as the council paid it


def due(inputs: Inputs, today: date) -> list[Due]:
    """Only the first open period's statement depends on what closed statements settled (it carries the
    adjustments), so only its hash covers them: closing a period makes no new version of the others."""
    calendar = periods(inputs.contract)
    begun = [(p, min(today, p.end)) for p in calendar if p.start <= today]
    hashes = inputs.digests([cutoff for _, cutoff in begun])
    adjusting = first_open(calendar, inputs.closed)
    settled = json_text(canonical({"closed": sorted(inputs.closed), "settled": list(inputs.settled)}))
    return [
        Due(p, cutoff, sha256_of(digest + settled) if p == adjusting else digest, p.start in inputs.closed)
        for (p, cutoff), digest in zip(begun, hashes, strict=True)
    ]


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def statements(inputs: Inputs, today: date) -> list[Statement]:
    """The contract's statements for every open period begun by `today`."""
    return [statement(inputs, d) for d in due(inputs, today) if not d.closed]


@dataclass(frozen=True, slots=True)
class Ledger:
    """Every event of the contract up to a cut-off, priced in the order the caps take them, from the
    inputs as known then: a period's statement is the part of it dated in the period."""

    known: Inputs
    stays: dict[str, list[Stay]]  # by child
    council: dict[str, list[Assessment]]  # each child's standing council assessments
    priced: list[Priced]


def ledger(inputs: Inputs, cutoff: date) -> Ledger:
    known = inputs.known_on(cutoff)
    stays = stays_by_child(known)
    by_child: dict[str, list[Assessment]] = {}
    for a in known.assessments:
        by_child.setdefault(a.child, []).append(a)
    council = {child: standing(by_child.get(child, [])) for child in stays}
    events = [
        event
        for child, own in stays.items()
        for stay in own
        for event in events_of(stay, known.contract, council[child])
        if event.on <= cutoff
    ]
    every_stay = [stay for own in stays.values() for stay in own]
    priced = apply_caps(events, known.contract, every_stay, cutoff, erased_paid(known.settled), known.erased_cost_days)
    return Ledger(known, stays, council, priced)


def statement(inputs: Inputs, due: Due) -> Statement:
    period, cutoff = due.period, due.cutoff
    book = ledger(inputs, cutoff)
    contract = book.known.contract
    calendar = periods(inputs.contract)
    closed_starts = inputs.closed
    closed = [p for p in calendar if p.start in closed_starts]
    ended = [stay for own in book.stays.values() for stay in own if stay.end is not None]
    return Statement(
        contract.id,
        contract.latest.version,
        RULES_VERSION,
        period,
        cutoff,
        tuple(line for line in book.priced if period.holds(line.event.on)),
        tuple(
            StayEnded(stay.child, stay.id, stay.end, stay.reason_ended)
            for stay in ended
            if stay.end is not None and period.start <= stay.end <= cutoff
        ),
        tuple(rises(book.stays, book.council, contract, period, cutoff)),
        due.inputs_hash,
        tuple(adjustments(book.priced, closed, inputs.settled))
        if period == first_open(calendar, inputs.closed)
        else (),
    )


def closed_cost_days(inputs: Inputs, child: str, today: date) -> dict[date, Decimal]:
    """A child's cost days in each closed period, as the statements know them today: what its erasure
    keeps, so that a period the council has paid keeps the outcome share cap it was paid under, and the
    other children's money there still comes to what they were paid."""
    own = stays_by_child(inputs.known_on(today)).get(child, [])
    return {
        period.start: cost
        for period in periods(inputs.contract)
        if period.start in inputs.closed and (cost := cost_days(own, period, period.end))
    }


def stays_by_child(inputs: Inputs) -> dict[str, list[Stay]]:
    by_child: dict[str, list[Episode]] = {}
    for episode in inputs.episodes:
        by_child.setdefault(episode.child, []).append(episode)
    found = {child: stays_of(own, inputs.contract.provider) for child, own in sorted(by_child.items())}
    return {child: own for child, own in found.items() if own}


def rises(
    stays: dict[str, list[Stay]],
    council: dict[str, list[Assessment]],
    contract: Contract,
    period: Period,
    cutoff: date,
) -> Iterable[Rise]:
    for child, own in stays.items():
        last: dict[str, int] = {}  # each domain's previous council rating, whichever assessment gave it
        for current in council[child]:
            day = current.assessed_on
            stay = next((s for s in own if s.open_on(day)), None)
            counted = stay is not None and period.start <= day <= cutoff and contract.covers(day)
            for domain in sorted(current.levels):
                before = last.get(domain)
                if counted and stay is not None and before is not None and current.levels[domain] > before:
                    yield Rise(child, stay.id, domain, current.id, day, before, current.levels[domain])
                last[domain] = current.levels[domain]
