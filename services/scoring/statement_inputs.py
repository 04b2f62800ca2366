"""A contract's pbnr-v1 inputs read from the database: its versions, every placement episode and final
assessment of every child ever placed with its provider (named by pseudonym), and what its closed
statements settled."""

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Uuid, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.engines.pbnr.closing import Settled
from services.scoring.engines.pbnr.contract import Contract as ContractTerms
from services.scoring.engines.pbnr.contract import Terms
from services.scoring.engines.pbnr.events import Assessment as Rated
from services.scoring.engines.pbnr.statement import Inputs
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
    closed, settled = await closed_and_settled(db, contract)
    return Inputs(
        terms,
        tuple(as_episode(p, provider_code, children[p.child_pk]) for p, provider_code in episodes),
        tuple(await final_assessments(db, placed, children)),
        closed,
        settled,
    )


async def closed_and_settled(db: AsyncSession, contract: Contract) -> tuple[frozenset[date], tuple[Settled, ...]]:
    """The periods closed, and the money their statements settled, in the order they settled it."""
    rows = await db.execute(
        select(PaymentStatement.period_start, StatementLine)
        .join(StatementLine, StatementLine.statement_id == PaymentStatement.id, isouter=True)
        .where(PaymentStatement.contract_id == contract.id, PaymentStatement.closed_at.is_not(None))
        .order_by(PaymentStatement.period_start, StatementLine.line)
    )
    closed, settled = set(), []
    for period_start, line in rows:
        closed.add(period_start)
        if line is not None and line.kind != "no_baseline":
            settled.append(
                Settled(
                    line.adjusts_period or period_start, line.child_pseudonym, line.stay, line.domain or "",
                    line.instalment or 0, line.rule, line.earned, line.paid, line.withheld,
                )
            )  # fmt: skip
    return frozenset(closed), tuple(settled)


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
            Assessment.recorded_seq,
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
    for assessment_id, child_pk, version, on, recorded, role, instrument, definition, sequence in found:
        if instrument not in actionable_from:
            actionable_from[instrument] = InstrumentScale.from_definition(definition).actionable_from
        levels_of = levels.get(version, {})
        result.append(
            Rated(
                children[child_pk],
                str(assessment_id),
                on,
                recorded,
                role,
                levels_of,
                actionable_from[instrument],
                sequence=sequence,
            )
        )
    return result
