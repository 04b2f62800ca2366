"""Contracts for payment by needs reduction: an admin creates, versions and ends them; a provider
client reads its own, BI and admin clients every contract of the council."""

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from services.api import audit
from services.api.contracts import service
from services.api.contracts.access import CodePath, Manager, Reader, own_provider
from services.api.contracts.schemas import ContractIn, ContractOut, EndIn, VersionIn
from services.api.contracts.what_if import WhatIfIn, WhatIfOut, what_if
from services.api.deps import SessionDep
from services.api.problems import V1_PROBLEMS, documented

router = APIRouter(responses=V1_PROBLEMS, tags=["payment by needs reduction"])


@router.post(
    "/v1/admin/contracts",
    status_code=201,
    response_model=ContractOut,
    responses=documented(409),
    summary="Create a contract with a provider (pbnr-v1); terms left out take domain.md §7.1's defaults",
)
async def create_contract(body: ContractIn, db: SessionDep, caller: Manager) -> ContractOut:
    created = await service.create_contract(db, caller.la_id, body)
    audit.note(db, target=f"contract:{created.code}")
    return created


@router.post(
    "/v1/admin/contract-what-if",
    response_model=WhatIfOut,
    summary="Run proposed pbnr-v1 terms over the council's past placements and assessments with a provider: what "
    "the contract would have paid, period by period, against the base fees; nothing is stored",
)
async def contract_what_if(body: WhatIfIn, db: SessionDep, caller: Manager) -> WhatIfOut:
    found = await what_if(db, caller.la_id, body, date.today())
    audit.note(db, target=f"provider:{body.provider_id}", periods=len(found.periods))
    return found


@router.post(
    "/v1/admin/contracts/{code}/versions",
    status_code=201,
    response_model=ContractOut,
    summary="A new version of the contract's terms, from its effective date on, never for earlier events",
)
async def create_version(code: CodePath, body: VersionIn, db: SessionDep, caller: Manager) -> ContractOut:
    changed = await service.new_version(db, caller.la_id, code, body)
    audit.note(db, target=f"contract:{code}", version=changed.versions[-1].version)
    return changed


@router.post(
    "/v1/admin/contracts/{code}/end",
    status_code=201,
    response_model=ContractOut,
    summary="End the contract on a date: a new version from that date",
)
async def end_contract(code: CodePath, body: EndIn, db: SessionDep, caller: Manager) -> ContractOut:
    ended = await service.end_contract(db, caller.la_id, code, body.end_date)
    audit.note(db, target=f"contract:{code}", version=ended.versions[-1].version)
    return ended


class ClosedOut(BaseModel):
    contract: str = Field(description="The contract's code")
    period_start: date = Field(description="The period's first day")
    closed_at: datetime = Field(description="When it was closed")


@router.post(
    "/v1/admin/contracts/{code}/statements/{period_start}/close",
    response_model=ClosedOut,
    responses=documented(409),
    summary="Close a period once paid: its statement never changes again; later changes to it are adjustments",
)
async def close_period(
    code: CodePath,
    period_start: Annotated[date, Path(description="the period's first day")],
    db: SessionDep,
    caller: Manager,
) -> ClosedOut:
    closed_at = await service.close_period(db, caller.la_id, code, period_start)
    audit.note(db, target=f"contract:{code}", period=period_start.isoformat())
    return ClosedOut(contract=code, period_start=period_start, closed_at=closed_at)


@router.get("/v1/contracts", response_model=list[ContractOut], summary="Contracts the caller may read")
async def list_contracts(db: SessionDep, caller: Reader) -> list[ContractOut]:
    return await service.list_contracts(db, caller.la_id, own_provider(caller))


@router.get("/v1/contracts/{code}", response_model=ContractOut, summary="One contract with every version")
async def get_contract(code: CodePath, db: SessionDep, caller: Reader) -> ContractOut:
    return await service.get_contract(db, caller.la_id, code, own_provider(caller))
