"""Keeping payment statements current (domain.md §7): a contract's inputs read from the database, the
pbnr-v1 engine run over them, and each period's statement stored as a new version when its inputs
hash changed. Runs in the transaction that recomputes the children whose data changed, so the
outbox request that caused it is done only once the statements are."""

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Uuid, and_, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.engines.pbnr.contract import Contract as ContractTerms
from services.scoring.engines.pbnr.contract import Terms
from services.scoring.engines.pbnr.events import Assessment as Rated
from services.scoring.engines.pbnr.statement import Inputs, Statement, due, statement
from services.scoring.engines.pbnr.stays import Episode
from services.scoring.snapshot import among
from shared.instruments import InstrumentScale
from shared.models import (
    Assessment,
    AssessmentVersion,
    Child,
    Contract,
    ContractVersion,
    Instrument,
    PaymentStatement,
    Placement,
    Provider,
    Rating,
    StatementLine,
)


async def contracts_of_children(db: AsyncSession, children: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    """Contracts with a provider any of these children was ever placed with."""
    rows = await db.scalars(
        select(Contract.id)
        .distinct()
        .join(Placement, Placement.provider_id == Contract.provider_id)
        .where(among(Placement.child_pk, list(children), Uuid))
        .order_by(Contract.id)
    )
    return list(rows)


async def refresh(db: AsyncSession, contract_ids: Iterable[uuid.UUID], today: date, now: datetime) -> int:
    """Every statement of these contracts recomputed; returns how many new versions were stored."""
    stored = 0
    for contract_id in contract_ids:
        contract = await db.get(Contract, contract_id)
        if contract is None:
            continue
        inputs = await read_inputs(db, contract)
        latest = await latest_hashes(db, contract)
        for period in due(inputs, today):
            before, version = latest.get(period.period.start, ("", 0))
            # A period whose inputs, as known on its cut-off, hash as before cannot have changed.
            if before != period.inputs_hash:
                await store(db, contract, statement(inputs, period), version + 1, now)
                stored += 1
    return stored


async def latest_hashes(db: AsyncSession, contract: Contract) -> dict[date, tuple[str, int]]:
    """Each period's latest stored version: its inputs hash and number."""
    rows = await db.execute(
        select(PaymentStatement.period_start, PaymentStatement.inputs_hash, PaymentStatement.version)
        .where(PaymentStatement.contract_id == contract.id)
        .order_by(PaymentStatement.version)
    )
    return {start: (digest, version) for start, digest, version in rows}  # the latest version last, so it stands


async def read_inputs(db: AsyncSession, contract: Contract) -> Inputs:
    """The contract's terms, and every episode and final assessment of every child ever placed with its
    provider. Children are named by pseudonym, the engine's child key and the statement's."""
    provider = await db.get(Provider, contract.provider_id)
    assert provider is not None
    versions = await db.scalars(
        select(ContractVersion).where(ContractVersion.contract_id == contract.id).order_by(ContractVersion.version)
    )
    terms = ContractTerms(str(contract.id), provider.external_id, contract.start_date, tuple(map(as_terms, versions)))
    placed = select(Placement.child_pk).where(Placement.provider_id == contract.provider_id)
    children = {pk: pseudonym for pk, pseudonym in await db.execute(
        select(Child.id, Child.pseudonym).where(Child.id.in_(placed))
    )}  # fmt: skip
    episodes = await db.execute(
        select(Placement, Provider.external_id)
        .outerjoin(Provider, Provider.id == Placement.provider_id)
        .where(Placement.child_pk.in_(placed))
    )
    return Inputs(
        terms,
        tuple(as_episode(p, provider_code, children[p.child_pk]) for p, provider_code in episodes),
        tuple(await final_assessments(db, placed, children)),
    )


def as_terms(v: ContractVersion) -> Terms:
    return Terms(
        v.version, v.effective_from, v.end_date, "month" if v.period == "month" else "quarter",
        {int(level): Decimal(pounds) for level, pounds in v.tariff.items()}, v.first_share, v.second_share,
        v.sustainment_gap_days, v.deadweight, v.cap_per_child_year, v.cap_per_period, v.cap_outcome_share,
    )  # fmt: skip


def as_episode(p: Placement, provider: str | None, pseudonym: str) -> Episode:
    return Episode(
        pseudonym, str(p.id), p.start_date, p.end_date, p.place, provider, p.legal_status, p.weekly_cost,
        p.reason_ended,
    )  # fmt: skip


async def final_assessments(db: AsyncSession, placed: Any, children: dict[uuid.UUID, str]) -> list[Rated]:
    """Each assessment's current version where it is final, with its need levels by domain."""
    rows = await db.execute(
        select(
            Assessment.id, Assessment.child_pk, AssessmentVersion.id, AssessmentVersion.assessed_on,
            AssessmentVersion.recorded_at, AssessmentVersion.assessor_role, Instrument.id, Instrument.definition,
        )
        .join(AssessmentVersion, and_(
            AssessmentVersion.assessment_id == Assessment.id, AssessmentVersion.version == Assessment.current_version
        ))
        .join(Instrument, Instrument.id == Assessment.instrument_id)
        .where(Assessment.child_pk.in_(placed), AssessmentVersion.status == "final")
    )  # fmt: skip
    found = rows.all()
    levels: dict[uuid.UUID, dict[str, int]] = {}
    ratings = await db.execute(
        select(Rating.assessment_version_id, Rating.domain, Rating.need).where(
            among(Rating.assessment_version_id, [row[2] for row in found], Uuid)
        )
    )
    for version, domain, need in ratings:
        if need is not None:  # a domain not assessed is skipped, never read as 0
            levels.setdefault(version, {})[domain] = need
    actionable_from: dict[uuid.UUID, int] = {}
    result = []
    for assessment_id, child_pk, version, on, recorded, role, instrument, definition in found:
        if instrument not in actionable_from:
            actionable_from[instrument] = InstrumentScale.from_definition(definition).actionable_from
        levels_of = levels.get(version, {})
        result.append(
            Rated(children[child_pk], str(assessment_id), on, recorded, role, levels_of, actionable_from[instrument])
        )
    return result


async def store(db: AsyncSession, contract: Contract, statement: Statement, version: int, now: datetime) -> None:
    row = PaymentStatement(
        id=uuid.uuid4(), la_id=contract.la_id, contract_id=contract.id, period_start=statement.period.start,
        period_end=statement.period.end, version=version,
        rules_version=statement.rules, contract_version=statement.contract_version, cutoff=statement.cutoff,
        inputs_hash=statement.inputs_hash, earned=statement.earned, paid=statement.paid, withheld=statement.withheld,
        guard=guard_figures(statement), computed_at=now,
    )  # fmt: skip
    db.add(row)
    await db.flush()
    if statement.lines:
        await db.execute(insert(StatementLine), [line_row(row.id, n, p) for n, p in enumerate(statement.lines, 1)])


def line_row(statement_id: uuid.UUID, number: int, priced: Any) -> dict[str, Any]:
    event = priced.event
    return {
        "statement_id": statement_id, "line": number, "child_pseudonym": event.child, "stay": event.stay.id,
        "event_date": event.on, "kind": event.kind, "rule": event.rule, "domain": event.domain,
        "instalment": event.instalment, "baseline_assessment": event.baseline.id if event.baseline else None,
        "confirming_assessment": event.confirming.id if event.confirming else None, "earned": priced.earned,
        "paid": priced.paid, "withheld": priced.withheld, "capped_by": list(priced.capped_by),
    }  # fmt: skip


def guard_figures(statement: Statement) -> dict[str, Any]:
    return {
        "stays_ended": [
            {"child_pseudonym": s.child, "stay": s.stay, "ended_on": s.ended_on.isoformat(), "reason_ended": s.reason}
            for s in statement.stays_ended
        ],
        "domains_risen": [
            {"child_pseudonym": r.child, "stay": r.stay, "domain": r.domain, "assessment": r.assessment,
             "assessed_on": r.assessed_on.isoformat(), "previous_level": r.previous_level, "level": r.level}
            for r in statement.rises
        ],
    }  # fmt: skip
