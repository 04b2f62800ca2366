"""Admin: the council's reliable-change calibrations, and full recomputes of its figures as jobs it follows."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from services.api import audit
from services.api.access import requires
from services.api.auth import Caller
from services.api.deps import SessionDep
from services.api.problems import V1_PROBLEMS, documented
from services.api.types import Id
from shared.access import Scope
from shared.domain import council_recompute
from shared.domain.calibration import calibrate, calibrations_of
from shared.domain.locks import figures_lock
from shared.domain.lookups import find_instrument
from shared.errors import InvalidInput, NotFound, field_error

router = APIRouter(prefix="/v1/admin", tags=["admin"], responses=V1_PROBLEMS)
FiguresAdmin = Annotated[Caller, requires(Scope.FIGURES_MANAGE)]


class CalibrationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instrument_code: Id = Field(
        description="The instrument whose reference SD to take", default="needs-v1", min_length=1, max_length=64
    )


class CalibrationOut(BaseModel):
    instrument_code: str = Field(description="The instrument calibrated")
    sd: float = Field(description="Sample SD (n - 1) of the baseline total need of the council's children")
    n: int = Field(description="Children whose baseline was counted")
    source: Literal["automatic", "admin"] = Field(
        description="automatic (taken when enough children had figures) or admin"
    )
    calibrated_at: datetime = Field(description="When it was taken")


@router.post(
    "/calibrations",
    status_code=201,
    response_model=CalibrationOut,
    summary="Take the council's reference SD for reliable change now; every child's RCI follows it",
)
async def create_calibration(body: CalibrationIn, db: SessionDep, caller: FiguresAdmin) -> CalibrationOut:
    instrument = await find_instrument(db, caller.la_id, body.instrument_code, None)
    if instrument is None:
        raise InvalidInput("No such instrument.", errors=[field_error("instrument_code", "no such instrument")])
    await figures_lock(db)
    calibration = await calibrate(db, caller.la_id, instrument.definition, "admin")
    if calibration is None:
        message = "fewer than two children have a baseline on this instrument"
        raise InvalidInput("Nothing to calibrate on.", errors=[field_error("instrument_code", message)])
    audit.note(db, target=f"calibration:{body.instrument_code}", sd=calibration.sd, n=calibration.n)
    return CalibrationOut.model_validate(calibration, from_attributes=True)


@router.get("/calibrations", response_model=list[CalibrationOut], summary="Every calibration, newest first")
async def list_calibrations(db: SessionDep, caller: FiguresAdmin) -> list[CalibrationOut]:
    return [CalibrationOut.model_validate(row, from_attributes=True) for row in await calibrations_of(db, caller.la_id)]


class RecomputeOut(BaseModel):
    id: uuid.UUID = Field(description="The recompute's id: GET /v1/admin/recomputes/{id} follows it")
    state: Literal["queued", "running", "done", "failed"] = Field(
        description="queued (waiting for the worker), running, done, or failed (see error); one that failed "
        "transiently is queued again"
    )
    requested_at: datetime = Field(description="When it was asked for")
    started_at: datetime | None = Field(description="When the worker began it; null while queued")
    finished_at: datetime | None = Field(description="When it was done or failed")
    stage: str | None = Field(
        description="While running: the stage reached (read, then each piece computed, then written), the placement "
        "figures brought to today alongside"
    )
    stage_done: int | None = Field(description="While running: how much of the stage is done")
    stage_total: int | None = Field(description="While running: how much the stage has to do")
    children: int | None = Field(description="Done: children of the council considered")
    written: int | None = Field(description="Done: children whose figures were rewritten")
    cleared: int | None = Field(description="Done: children whose figures went (no final assessment left)")
    left_to_incremental: int | None = Field(
        description="Done: children written to meanwhile, whose own recompute follows"
    )
    error: str | None = Field(description="Failed: the type of the error (details are in the worker's log)")


LISTED = 50
RecomputeIdPath = Annotated[uuid.UUID, Path(description="The recompute's id, as POST /v1/admin/recompute gave it")]


@router.post(
    "/recompute",
    status_code=202,
    response_model=RecomputeOut,
    responses=documented(409),
    summary="Recompute every figure of the council (the same figures the worker's drain gives), as a job",
    description="Answers at once with the queued recompute and its Location; the worker runs it. One at a time: "
    "asked for while one waits or runs, the answer is 409 naming it.",
)
async def recompute_council(db: SessionDep, caller: FiguresAdmin, response: Response) -> RecomputeOut:
    asked = await council_recompute.ask(db, caller.la_id)
    audit.note(db, target=f"recompute:{asked.id}")
    response.headers["Location"] = f"/v1/admin/recomputes/{asked.id}"
    return RecomputeOut.model_validate(asked, from_attributes=True)


@router.get(
    "/recomputes", response_model=list[RecomputeOut], summary=f"The council's recomputes, newest first ({LISTED})"
)
async def list_recomputes(db: SessionDep, caller: FiguresAdmin) -> list[RecomputeOut]:
    rows = await council_recompute.latest(db, caller.la_id, LISTED)
    return [RecomputeOut.model_validate(row, from_attributes=True) for row in rows]


@router.get("/recomputes/{recompute_id}", response_model=RecomputeOut, summary="A recompute: its state and progress")
async def get_recompute(recompute_id: RecomputeIdPath, db: SessionDep, caller: FiguresAdmin) -> RecomputeOut:
    found = await council_recompute.find(db, caller.la_id, recompute_id)
    if found is None:
        raise NotFound("No such recompute.")
    return RecomputeOut.model_validate(found, from_attributes=True)
