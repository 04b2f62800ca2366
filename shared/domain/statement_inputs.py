"""A contract's pbnr-v1 inputs read from the database: its versions, every placement episode and final
assessment of every child ever placed with its provider (named by pseudonym), what its closed
statements settled, and what erasures kept of their periods' base fees."""

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from shared.domain.engines.pbnr.closing import Settled
from shared.domain.engines.pbnr.contract import Contract as ContractTerms
from shared.domain.engines.pbnr.contract import Terms
from shared.domain.engines.pbnr.events import Assessment as Rated
from shared.domain.engines.pbnr.statement import Inputs
from shared.domain.engines.pbnr.stays import Episode
from shared.instruments import InstrumentScale
from shared.models import (
    Assessment,
    AssessmentVersion,
    Child,
    Contract,
    ContractVersion,
    ErasedCostDays,
    Instrument,
    PaymentStatement,
    Placement,
    Provider,
    Rating,
    StatementLine,
    first_recorded,
    is_standing_final,
)


async def read_inputs(db: AsyncSession, contract: Contract, child: uuid.UUID | None = None) -> Inputs:
    """The contract's terms, and every episode and final assessment of every child ever placed with its
    provider (or of `child` only, if it was). Children are named by pseudonym, the engine's child key and
    the statement's.

    The worker reads them in one snapshot (statements.refresh_under_figures_lock). An erasure or a contract version
    reads them in its own transaction, to see its own change, query by query: there the children are those
    the episodes' own read finds, with their pseudonyms in the same statement, and a child placed while the
    reads run is left out whole, for the refresh its recompute queues (which waits on the figures lock held
    here) to read with its episodes."""
    provider = await db.get(Provider, contract.provider_id)
    assert provider is not None
    versions = await db.scalars(
        select(ContractVersion).where(ContractVersion.contract_id == contract.id).order_by(ContractVersion.version)
    )
    terms = ContractTerms(str(contract.id), provider.external_id, contract.start_date, tuple(map(as_terms, versions)))
    episodes, assessments = await placed_with(db, contract.provider_id, child)
    closed, settled = await closed_and_settled(db, contract)
    kept = await db.execute(
        select(ErasedCostDays.period_start, ErasedCostDays.cost_days).where(ErasedCostDays.contract_id == contract.id)
    )
    return Inputs(terms, episodes, assessments, closed, settled, {start: cost for start, cost in kept})


async def placed_with(
    db: AsyncSession, provider_pk: uuid.UUID, child: uuid.UUID | None = None
) -> tuple[tuple[Episode, ...], tuple[Rated, ...]]:
    """Every episode and final assessment of every child ever placed with the provider (or of `child` only, if it
    was), the children named by pseudonym: what a contract with it is computed from, signed or proposed."""
    placed = select(Placement.child_pk).where(Placement.provider_id == provider_pk)
    if child is not None:
        placed = placed.where(Placement.child_pk == child)
    episodes = (
        await db.execute(
            episodes_with(Placement.child_pk, Child.pseudonym)
            .join(Child, Child.id == Placement.child_pk)
            .where(Placement.child_pk.in_(placed))
        )
    ).all()
    children = {pk: pseudonym for pk, pseudonym, *_ in episodes}
    return (
        tuple(episode_of(child, row) for _, child, *row in episodes),
        tuple(await final_assessments(db, placed, children)),
    )


def episodes_with(*leading: Any) -> Select[Any]:
    """Placement episodes as the payment rules read them (pbnr.stays.Episode after its child), after the
    columns `leading`; each row made an Episode by `episode_of`."""
    return select(
        *leading,
        Placement.id,
        Placement.start_date,
        Placement.end_date,
        Placement.place,
        Provider.external_id,
        Placement.legal_status,
        Placement.weekly_cost,
        Placement.reason_ended,
    ).outerjoin(Provider, Provider.id == Placement.provider_id)


def episode_of(child: str, row: Sequence[Any]) -> Episode:
    placement, *rest = row
    return Episode(child, str(placement), *rest)


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
                    line.adjusts_period or period_start,
                    line.child_pseudonym,
                    line.stay,
                    line.domain or "",
                    line.instalment or 0,
                    line.rule,
                    line.earned,
                    line.paid,
                    line.withheld,
                    line.confirming_assessment,
                )
            )
    return frozenset(closed), tuple(settled)


def as_terms(v: ContractVersion) -> Terms:
    return Terms(
        v.version,
        v.effective_from,
        v.end_date,
        "month" if v.period == "month" else "quarter",
        {int(level): Decimal(pounds) for level, pounds in v.tariff.items()},
        v.first_share,
        v.second_share,
        v.sustainment_gap_days,
        v.deadweight,
        v.cap_per_child_year,
        v.cap_per_period,
        v.cap_outcome_share,
    )


async def final_assessments(db: AsyncSession, placed: Any, children: dict[uuid.UUID, str]) -> list[Rated]:
    """Each assessment's current version where it is final, with its need levels by domain: one row per
    assessment, its ratings gathered on the server (a large provider's children have 150,000)."""
    rated = Rating.need.is_not(None)  # a domain not assessed is skipped, never read as 0
    rows = await db.execute(
        select(
            Assessment.id,
            Assessment.child_pk,
            AssessmentVersion.assessed_on,
            *first_recorded(),
            AssessmentVersion.assessor_role,
            Assessment.instrument_id,
            func.array_agg(aggregate_order_by(Rating.domain, Rating.position)).filter(rated),
            func.array_agg(aggregate_order_by(Rating.need, Rating.position)).filter(rated),
        )
        .join(AssessmentVersion, is_standing_final())
        .join(Rating, Rating.assessment_version_id == AssessmentVersion.id)
        .where(Assessment.child_pk.in_(placed))
        .group_by(Assessment.id, AssessmentVersion.id)
    )
    found = rows.all()
    definitions = await db.execute(
        select(Instrument.id, Instrument.definition).where(Instrument.id.in_({row[6] for row in found}))
    )
    actionable_from = {i: InstrumentScale.from_definition(d).actionable_from for i, d in definitions}
    return [
        Rated(
            children[child_pk],
            str(assessment_id),
            on,
            recorded,
            role,
            levels(domains, needs),
            actionable_from[instrument],
            sequence=sequence,
        )
        for assessment_id, child_pk, on, recorded, sequence, role, instrument, domains, needs in found
        if child_pk in children
    ]


def levels(domains: Sequence[str] | None, needs: Sequence[int | None] | None) -> dict[str, int]:
    return {domain: need for domain, need in zip(domains or [], needs or [], strict=True) if need is not None}
