"""Measure codes are data: every client that records or reads outcome measures lists its council's, and the
council's admin defines its own or replaces a shipped one (sdq_total, school_attendance_pct, exclusion_days,
missing_episodes, offences and neet ship)."""

from typing import Annotated

from fastapi import APIRouter, Path

from services.api.access import requires
from services.api.auth import Caller
from services.api.deps import SessionDep
from services.api.outcomes.codes_service import define
from services.api.outcomes.schemas import BandOut, Code, MeasureCodeIn, MeasureCodeOut
from services.api.problems import V1_PROBLEMS
from shared.access import Scope
from shared.domain.measure_codes import codes_of
from shared.models import MeasureCode

router = APIRouter(tags=["outcome measures"], responses=V1_PROBLEMS)


def code_out(row: MeasureCode) -> MeasureCodeOut:
    return MeasureCodeOut(
        code=row.code,
        label=row.label,
        outcome_area=row.outcome_area,
        unit=row.unit,
        min_value=row.min_value,
        max_value=row.max_value,
        better=row.better,
        bands=[BandOut(label=band["label"], from_=band["from"]) for band in row.bands],
        shipped=row.la_id is None,
    )


@router.get("/v1/measure-codes", response_model=list[MeasureCodeOut], summary="The council's measure codes")
async def list_measure_codes(
    db: SessionDep, caller: Annotated[Caller, requires(Scope.INSTRUMENTS_READ)]
) -> list[MeasureCodeOut]:
    return [code_out(row) for row in (await codes_of(db, caller.la_id)).values()]


@router.put(
    "/v1/admin/measure-codes/{code}",
    response_model=MeasureCodeOut,
    summary="Define a measure code of the council's own, or replace a shipped one for the council",
)
async def put_measure_code(
    code: Annotated[Code, Path(description="The measure code")],
    body: MeasureCodeIn,
    db: SessionDep,
    caller: Annotated[Caller, requires(Scope.INSTRUMENTS_MANAGE)],
) -> MeasureCodeOut:
    return code_out(await define(db, caller.la_id, code, body))
