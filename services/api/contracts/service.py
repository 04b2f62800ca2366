"""Contracts: created with their first version, changed only by new versions, ended by a version
with an earlier end. Every change marks the contract's statements stale, for the worker to refresh."""

import uuid
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.contracts.schemas import ContractIn, ContractOut, TermsIn, VersionIn, VersionOut
from services.api.providers.queries import provider_named
from shared.domain import statements
from shared.domain.engines.pbnr import RULES_VERSION
from shared.domain.engines.pbnr.contract import in_force
from shared.domain.locks import figures_lock
from shared.domain.refusals import ContractExists, EarlierPeriodsOpen, PeriodAlreadyClosed, PeriodNotEnded
from shared.errors import InvalidInput, NotFound, field_error
from shared.models import Contract, ContractVersion, PaymentStatement, Provider

TERMS = tuple(TermsIn.model_fields)


async def create_contract(db: AsyncSession, la_id: uuid.UUID, body: ContractIn) -> ContractOut:
    await figures_lock(db)  # before the contract's row: shared/domain/locks.py
    provider = await provider_named(db, la_id, body.provider_id)
    if provider is None:
        raise InvalidInput("No such provider.", errors=[field_error("provider_id", "names no provider of the council")])
    body.refuse_inconsistent(body.start_date, "start_date")
    if await db.scalar(select(Contract.id).where(Contract.la_id == la_id, Contract.code == body.code)):
        raise ContractExists(body.code)
    contract = Contract(
        id=uuid.uuid4(), la_id=la_id, code=body.code, provider_id=provider.id, start_date=body.start_date
    )
    db.add(contract)
    await db.flush()
    await add(db, contract, 1, body.start_date, body)
    return await render(db, contract)


async def new_version(db: AsyncSession, la_id: uuid.UUID, code: str, body: VersionIn) -> ContractOut:
    # Held, a refresh under way has finished, and the next sees this version (shared/domain/locks.py).
    await figures_lock(db)
    contract, latest = await require(db, la_id, code, lock=True)
    if body.effective_from < latest.effective_from:
        message = f"must not be before the current version's ({latest.effective_from.isoformat()})"
        raise InvalidInput("A version applies from its date on.", errors=[field_error("effective_from", message)])
    terms = terms_of(latest).model_copy(update=body.changes())
    terms.refuse_inconsistent(body.effective_from, "effective_from")
    await add(db, contract, latest.version + 1, body.effective_from, terms)
    return await render(db, contract)


async def end_contract(db: AsyncSession, la_id: uuid.UUID, code: str, end_date: date) -> ContractOut:
    """A version from the end date on, with the terms in force then, that ends the contract then: nothing
    before it changes, and a version scheduled to take effect later never applies (domain.md §7.1)."""
    await figures_lock(db)  # as new_version
    contract, latest = await require(db, la_id, code, lock=True)
    terms = terms_of(in_force(await versions_of(db, contract), end_date)).model_copy(update={"end_date": end_date})
    terms.refuse_inconsistent(contract.start_date, "start_date")
    await add(db, contract, latest.version + 1, end_date, terms)
    return await render(db, contract)


def terms_of(version: ContractVersion) -> TermsIn:
    return TermsIn.model_validate({name: getattr(version, name) for name in TERMS})


def version_of(version: int, effective_from: date, terms: TermsIn) -> ContractVersion:
    """The terms as a version's row holds them (a contract's own, or a proposed one's never stored)."""
    values = terms.model_dump(include=set(TERMS))
    values["tariff"] = {str(level): str(pounds) for level, pounds in terms.tariff.items()}
    return ContractVersion(version=version, effective_from=effective_from, **values)


async def add(db: AsyncSession, contract: Contract, version: int, effective_from: date, terms: TermsIn) -> None:
    row = version_of(version, effective_from, terms)
    row.contract_id = contract.id
    db.add(row)
    await db.flush()
    await statements.mark_stale(db, [contract.id])


async def require(
    db: AsyncSession, la_id: uuid.UUID, code: str, *, lock: bool, provider: uuid.UUID | None = None
) -> tuple[Contract, ContractVersion]:
    query = select(Contract).where(Contract.la_id == la_id, Contract.code == code)
    if provider is not None:
        query = query.where(Contract.provider_id == provider)
    contract = await db.scalar(query.with_for_update() if lock else query)
    if contract is None:
        raise NotFound("No such contract.")
    latest = await db.scalar(
        select(ContractVersion)
        .where(ContractVersion.contract_id == contract.id)
        .order_by(ContractVersion.version.desc())
        .limit(1)
    )
    assert latest is not None
    return contract, latest


async def list_contracts(db: AsyncSession, la_id: uuid.UUID, provider: uuid.UUID | None = None) -> list[ContractOut]:
    query = select(Contract).where(Contract.la_id == la_id).order_by(Contract.code)
    if provider is not None:
        query = query.where(Contract.provider_id == provider)
    return [await render(db, contract) for contract in await db.scalars(query)]


async def get_contract(db: AsyncSession, la_id: uuid.UUID, code: str, provider: uuid.UUID | None = None) -> ContractOut:
    contract, _ = await require(db, la_id, code, lock=False, provider=provider)
    return await render(db, contract)


async def render(db: AsyncSession, contract: Contract) -> ContractOut:
    provider = await db.get(Provider, contract.provider_id)
    assert provider is not None
    versions = await versions_of(db, contract)
    return ContractOut(
        id=str(contract.id),
        code=contract.code,
        provider_id=provider.external_id,
        start_date=contract.start_date,
        end_date=versions[-1].end_date,
        rules=RULES_VERSION,
        versions=[VersionOut.model_validate(v, from_attributes=True) for v in versions],
    )


async def versions_of(db: AsyncSession, contract: Contract) -> list[ContractVersion]:
    """In the order made."""
    query = select(ContractVersion).where(ContractVersion.contract_id == contract.id)
    return list(await db.scalars(query.order_by(ContractVersion.version)))


async def close_period(db: AsyncSession, la_id: uuid.UUID, code: str, period_start: date) -> datetime:
    """The council has paid the period: its statement, brought up to date first, stands for good.
    Periods close in order, once ended, so a later change to one is settled in the first open period.
    Under the figures lock, as every statement writer, so none can add a version once it is closed."""
    now = await figures_lock(db)
    contract, latest_terms = await require(db, la_id, code, lock=True)
    today = statements.council_day(now)
    if period_start > latest_terms.end_date:
        raise NotFound("No statement for that period.")
    await statements.refresh(db, contract.id, today, now)
    stored = list(
        await db.scalars(
            select(PaymentStatement)
            .where(PaymentStatement.contract_id == contract.id, PaymentStatement.period_start <= period_start)
            .order_by(PaymentStatement.period_start, PaymentStatement.version.desc())
        )
    )
    latest = {s.period_start: s for s in reversed(stored)}  # the highest version last, so it stands
    closed = {s.period_start for s in stored if s.closed_at is not None}
    statement = latest.get(period_start)
    if statement is None:
        raise NotFound("No statement for that period.")
    if period_start in closed:
        raise PeriodAlreadyClosed()
    if statement.period_end >= today:
        raise PeriodNotEnded(statement.period_end)
    if still_open := sorted(start.isoformat() for start in latest if start < period_start and start not in closed):
        raise EarlierPeriodsOpen(still_open)
    statement.closed_at = now
    await db.flush()
    return now
