"""Keeping payment statements current (domain.md §7): a contract's inputs read from the database, the
pbnr-v1 engine run over them, and each period's statement stored as a new version when its inputs
hash changed.

A change marks its contracts stale in its own transaction (the child's recompute, a contract version),
so it is never lost; a refresh job per contract, enqueued after it and debounced, and a sweep of what
is still stale, bring the statements up to date once for many changes: reading a large provider's
children takes a second, too long to pay on every child's recompute.

One refresh (`refresh`: a contract's statements, in the caller's transaction, as a contract version needs),
reached three ways: `refresh_clearing_marks` (contracts one by one, each clearing its stale mark, a failure
left marked: an erasure), `refresh_under_figures_lock` (the worker's job for a stale contract) and
`refresh_every_contract` (nightly)."""

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import Numeric, Uuid, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared import outbox
from shared.db import among, one_snapshot, transaction
from shared.domain.engines.pbnr.closing import Adjustment
from shared.domain.engines.pbnr.money import CAPS, Arithmetic, Priced
from shared.domain.engines.pbnr.statement import Statement, due, statement
from shared.domain.locks import figures_lock
from shared.domain.statement_inputs import read_inputs
from shared.models import (
    Contract,
    PaymentStatement,
    Placement,
    StatementLine,
)
from shared.transient import is_transient

log = structlog.get_logger(__name__)


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


COUNCILS_TIME = ZoneInfo("Europe/London")  # a council's day, for periods and cut-offs


async def mark_stale(db: AsyncSession, contract_ids: Iterable[uuid.UUID]) -> None:
    ids = list(contract_ids)
    await db.execute(
        update(Contract)
        .where(among(Contract.id, ids, Uuid))
        .values(statements_stale_since=func.coalesce(Contract.statements_stale_since, func.now()))
    )
    outbox.statements_stale(db, ids)


async def stale_contracts(sessions: async_sessionmaker[AsyncSession]) -> list[uuid.UUID]:
    async with sessions() as db:
        return list(await db.scalars(select(Contract.id).where(Contract.statements_stale_since.is_not(None))))


async def refresh_under_figures_lock(sessions: async_sessionmaker[AsyncSession], contract_id: uuid.UUID) -> None:
    """Under the figures lock, which every change that marks a contract stale holds as it marks it: a
    mark seen here is refreshed here, and one made after waits, then marks it stale again."""
    async with transaction(sessions) as db:
        now = await figures_lock(db)
        # The inputs in one snapshot, taken once the lock is held so that it sees every change made under
        # it: read in several queries otherwise, a placement committed between them gave a child episodes
        # and no pseudonym, or assessments and no episodes.
        async with one_snapshot(sessions) as inputs_from:
            await refresh_clearing_marks(db, [contract_id], now, inputs_from)


def council_day(moment: datetime) -> date:
    return moment.astimezone(COUNCILS_TIME).date()


async def refresh_clearing_marks(
    db: AsyncSession, contract_ids: Iterable[uuid.UUID], now: datetime, inputs_from: AsyncSession | None = None
) -> None:
    """Each contract's statements refreshed on its own, and its stale mark cleared with them: one that
    fails (never transiently) is logged by the contract's code and left as it was, marked stale, so the
    children's figures still land and the sweep tries it again."""
    for contract_id in contract_ids:
        try:
            async with db.begin_nested():
                await refresh(db, contract_id, council_day(now), now, inputs_from)
                await db.execute(update(Contract).where(Contract.id == contract_id).values(statements_stale_since=None))
        except Exception as error:
            if is_transient(error):
                raise
            code = await db.scalar(select(Contract.code).where(Contract.id == contract_id))
            log.error("statements.failed", contract=code, error=type(error).__name__)
            await mark_stale(db, [contract_id])


async def refresh_every_contract(sessions: async_sessionmaker[AsyncSession]) -> int:
    """Nightly, each contract in its own transaction: with no data changing, a period begins, a baseline
    window closes, a contract ends, and a running period's cut-off moves on."""
    async with sessions() as db:
        contract_ids = list(await db.scalars(select(Contract.id).order_by(Contract.id)))
    for contract_id in contract_ids:
        await refresh_under_figures_lock(sessions, contract_id)
    return len(contract_ids)


async def refresh(
    db: AsyncSession, contract_id: uuid.UUID, today: date, now: datetime, inputs_from: AsyncSession | None = None
) -> int:
    """Every statement of the contract recomputed; returns how many new versions were stored. The inputs
    are read through `inputs_from`, a snapshot, where given; through `db` itself where the caller's own
    uncommitted change (an erasure, a contract version) must be seen."""
    contract = await db.get(Contract, contract_id)
    if contract is None:
        return 0
    inputs = await read_inputs(inputs_from or db, contract)
    latest = await latest_hashes(db, contract)
    stored = 0
    for period in due(inputs, today):
        before, version = latest.get(period.period.start, ("", 0))
        # A period whose inputs, as known on its cut-off, hash as before cannot have changed; a closed one
        # never changes.
        if before != period.inputs_hash and not period.closed:
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


async def store(db: AsyncSession, contract: Contract, statement: Statement, version: int, now: datetime) -> None:
    row = PaymentStatement(
        id=uuid.uuid4(),
        la_id=contract.la_id,
        contract_id=contract.id,
        period_start=statement.period.start,
        period_end=statement.period.end,
        version=version,
        rules_version=statement.rules,
        contract_version=statement.contract_version,
        cutoff=statement.cutoff,
        inputs_hash=statement.inputs_hash,
        earned=statement.earned,
        paid=statement.paid,
        withheld=statement.withheld,
        guard=guard_figures(statement),
        computed_at=now,
    )
    db.add(row)
    await db.flush()
    lines = [line_row(row.id, n, p) for n, p in enumerate(statement.lines, 1)]
    lines += [
        adjustment_row(row.id, len(lines) + n, a, statement.period.start)
        for n, a in enumerate(statement.adjustments, 1)
    ]
    if lines:
        await db.execute(insert(StatementLine), lines)


def line_row(statement_id: uuid.UUID, number: int, priced: Priced) -> dict[str, Any]:
    event = priced.event
    return {
        "statement_id": statement_id,
        "line": number,
        "child_pseudonym": event.child,
        "stay": event.stay.id,
        "event_date": event.on,
        "kind": event.kind,
        "rule": event.rule,
        "domain": event.domain,
        "instalment": event.instalment,
        "baseline_assessment": event.baseline.id if event.baseline else None,
        "confirming_assessment": event.confirming.id if event.confirming else None,
        "earned": priced.earned,
        "paid": priced.paid,
        "withheld": priced.withheld,
        "capped_by": list(priced.capped_by),
        "adjusts_period": None,
        "cause": None,
        **arithmetic_columns(priced.arithmetic, priced.rooms),
    }


# Each amount column's places, as the stored line is read back.
LINE_SCALES = {
    c.name: c.type.scale for c in StatementLine.__table__.c if isinstance(c.type, Numeric) and c.type.scale is not None
}


def as_stored(row: dict[str, Any]) -> dict[str, Any]:
    """A line's row with each amount at its column's scale: what a statement computed and not stored (a
    contract's what-if) shows, to the same places."""
    return {
        name: value.quantize(Decimal(1).scaleb(-LINE_SCALES[name]))
        if isinstance(value, Decimal) and name in LINE_SCALES
        else value
        for name, value in row.items()
    }


# A line's arithmetic as stored and served (money.Arithmetic and the rooms under each cap).
ARITHMETIC_COLUMNS = (
    "tariff",
    "share",
    "days_with_provider",
    "days_in_interval",
    "deadweight",
    *(f"room_{cap}" for cap in CAPS),
)


def arithmetic_columns(factors: Arithmetic | None, rooms: Iterable[tuple[str, Decimal]]) -> dict[str, Any]:
    room = dict(rooms)
    values = (
        (factors.tariff, factors.share, factors.days_with_provider, factors.days, factors.deadweight)
        if factors
        else (None,) * 5
    )
    return dict(zip(ARITHMETIC_COLUMNS, (*values, *(room.get(cap) for cap in CAPS)), strict=True))


def adjustment_row(statement_id: uuid.UUID, number: int, a: Adjustment, dated: date) -> dict[str, Any]:
    return {
        "statement_id": statement_id,
        "line": number,
        "child_pseudonym": a.child,
        "stay": a.stay,
        "event_date": dated,
        "kind": "adjustment",
        "rule": a.rule,
        "domain": a.domain or None,
        "instalment": a.instalment or None,
        "baseline_assessment": None,
        "confirming_assessment": a.assessment,
        "earned": a.earned,
        "paid": a.paid,
        "withheld": a.withheld,
        "capped_by": [],
        "adjusts_period": a.closed_period.start,
        "cause": a.cause,
        **arithmetic_columns(None, ()),
    }


def guard_figures(statement: Statement) -> dict[str, Any]:
    return {
        "stays_ended": [
            {"child_pseudonym": s.child, "stay": s.stay, "ended_on": s.ended_on.isoformat(), "reason_ended": s.reason}
            for s in statement.stays_ended
        ],
        "domains_risen": [
            {
                "child_pseudonym": r.child,
                "stay": r.stay,
                "domain": r.domain,
                "assessment": r.assessment,
                "assessed_on": r.assessed_on.isoformat(),
                "previous_level": r.previous_level,
                "level": r.level,
            }
            for r in statement.rises
        ],
    }
