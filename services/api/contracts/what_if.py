"""A contract's what-if (issue 17): proposed pbnr-v1 terms run over the council's past placements and assessments
with a provider, period by period up to today, against the base fees, without storing anything. The same engine
and the same inputs as a signed contract's statements (statement_inputs.placed_with), so the figures are those a
contract signed on these terms would have given, to the penny."""

import asyncio
import uuid
from datetime import date
from decimal import Decimal
from fractions import Fraction

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.contracts.schemas import TermsIn
from services.api.contracts.service import version_of
from services.api.providers.queries import provider_named
from services.api.statements.schemas import StatementLineOut
from services.api.types import Id
from shared.domain.engines.pbnr.contract import Contract
from shared.domain.engines.pbnr.money import cost_days, pennies
from shared.domain.engines.pbnr.statement import Inputs, Statement, statements, stays_by_child
from shared.domain.statement_inputs import as_terms, placed_with
from shared.domain.statements import as_stored, line_row
from shared.errors import InvalidInput, field_error

PROPOSED = "what-if"  # the proposed contract's id in the engine: it has no row


class WhatIfIn(TermsIn):
    provider_id: Id = Field(min_length=1, max_length=128, description="The council's id for the provider")
    start_date: date = Field(description="The proposed contract's first day: in the past, to run over what happened")


class PeriodOut(BaseModel):
    period_start: date = Field(description="The period's first day")
    period_end: date = Field(description="The period's last day (the contract's end within its last)")
    cutoff: date = Field(description="The day up to which it is computed: its last day, or today")
    base_fees: Decimal = Field(
        description="The full weekly cost of the provider's stays, whoever funds it, times their days in the period "
        "up to the cut-off over 7, half up to the penny"
    )
    earned: Decimal = Field(description="Sum of the lines' earned, GBP")
    paid: Decimal = Field(description="Sum of the lines' paid: what the contract would have paid, GBP")
    withheld: Decimal = Field(description="Sum of the lines' withheld, GBP")
    lines: list[StatementLineOut] = Field(description="The lines, as a signed contract's statement gives them")


class WhatIfOut(BaseModel):
    provider_id: str = Field(description="The council's id for the provider")
    periods: list[PeriodOut] = Field(description="Every period begun by today, oldest first")
    base_fees: Decimal = Field(description="Sum of the periods' base fees")
    earned: Decimal = Field(description="Sum of the periods' earned")
    paid: Decimal = Field(description="Sum of the periods' paid")
    withheld: Decimal = Field(description="Sum of the periods' withheld")


def period_out(inputs: Inputs, statement: Statement) -> PeriodOut:
    stays = [stay for own in stays_by_child(inputs.known_on(statement.cutoff)).values() for stay in own]
    lines = [as_stored(line_row(uuid.UUID(int=0), n, priced)) for n, priced in enumerate(statement.lines, 1)]
    return PeriodOut(
        period_start=statement.period.start,
        period_end=statement.period.end,
        cutoff=statement.cutoff,
        base_fees=pennies(Fraction(cost_days(stays, statement.period, statement.cutoff)) / 7),
        earned=statement.earned,
        paid=statement.paid,
        withheld=statement.withheld,
        lines=[StatementLineOut.model_validate(line) for line in lines],
    )


def run(inputs: Inputs, today: date) -> list[PeriodOut]:
    return [period_out(inputs, statement) for statement in statements(inputs, today)]


async def what_if(db: AsyncSession, la_id: uuid.UUID, body: WhatIfIn, today: date) -> WhatIfOut:
    provider = await provider_named(db, la_id, body.provider_id)
    if provider is None:
        raise InvalidInput("No such provider.", errors=[field_error("provider_id", "names no provider of the council")])
    body.refuse_inconsistent(body.start_date, "start_date")
    if body.start_date > today:
        message = "must not be after today: a proposed contract runs over what has happened"
        raise InvalidInput("The contract has no past to run over.", errors=[field_error("start_date", message)])
    terms = as_terms(version_of(1, body.start_date, body))
    episodes, assessments = await placed_with(db, provider.id)
    inputs = Inputs(Contract(PROPOSED, provider.external_id, body.start_date, (terms,)), episodes, assessments)
    periods = await asyncio.to_thread(run, inputs, today)
    return WhatIfOut(
        provider_id=body.provider_id,
        periods=periods,
        base_fees=sum((p.base_fees for p in periods), Decimal("0.00")),
        earned=sum((p.earned for p in periods), Decimal("0.00")),
        paid=sum((p.paid for p in periods), Decimal("0.00")),
        withheld=sum((p.withheld for p in periods), Decimal("0.00")),
    )
