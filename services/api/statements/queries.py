"""The reads of payment statements the statement routes make."""

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.statements.schemas import LINE_COLUMNS
from shared.models import Contract, PaymentStatement, StatementLine


async def latest_versions(db: AsyncSession, contract: Contract, end: date) -> list[PaymentStatement]:
    """Each period's latest version, up to the contract's end."""
    newest = (
        select(PaymentStatement.period_start, func.max(PaymentStatement.version).label("version"))
        .where(PaymentStatement.contract_id == contract.id)
        .group_by(PaymentStatement.period_start)
        .subquery()
    )
    query = (
        select(PaymentStatement)
        .join(
            newest,
            (newest.c.period_start == PaymentStatement.period_start) & (newest.c.version == PaymentStatement.version),
        )
        .where(PaymentStatement.contract_id == contract.id, PaymentStatement.period_start <= end)
        .order_by(PaymentStatement.period_start)
    )
    return list(await db.scalars(query))


async def lines_of(db: AsyncSession, statement: PaymentStatement) -> list[dict[str, Any]]:
    rows = await db.scalars(
        select(StatementLine).where(StatementLine.statement_id == statement.id).order_by(StatementLine.line)
    )
    return [{name: getattr(row, name) for name in LINE_COLUMNS} for row in rows]


async def statement_of(
    db: AsyncSession, contract: Contract, period_start: date, version: int | None
) -> PaymentStatement | None:
    """The period's statement at that version, or its latest."""
    query = select(PaymentStatement).where(
        PaymentStatement.contract_id == contract.id, PaymentStatement.period_start == period_start
    )
    query = query.where(PaymentStatement.version == version) if version else query
    return await db.scalar(query.order_by(PaymentStatement.version.desc()).limit(1))


async def versions_of(db: AsyncSession, contract: Contract, period_start: date) -> list[PaymentStatement]:
    """Every version of the period's statement, oldest first."""
    return list(
        await db.scalars(
            select(PaymentStatement)
            .where(PaymentStatement.contract_id == contract.id, PaymentStatement.period_start == period_start)
            .order_by(PaymentStatement.version)
        )
    )
