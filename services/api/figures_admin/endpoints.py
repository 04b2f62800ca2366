"""Admin: the council's reliable-change calibrations, and a full recompute of its figures."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from services.api import audit
from services.api.access import requires
from services.api.auth import Caller
from services.api.deps import SessionDep, StateDep
from services.api.instruments.service import find_instrument
from services.api.problems import V1_PROBLEMS
from services.api.types import Id
from shared.access import Scope
from shared.domain.calibration import calibrate
from shared.domain.full_recompute import recompute_councils
from shared.domain.locks import figures_lock
from shared.errors import InvalidInput, field_error
from shared.models import RciCalibration

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
    rows = await db.scalars(
        select(RciCalibration).where(RciCalibration.la_id == caller.la_id).order_by(RciCalibration.calibrated_at.desc())
    )
    return [CalibrationOut.model_validate(row, from_attributes=True) for row in rows]


class RecomputeOut(BaseModel):
    children: int = Field(description="Children of the council considered")
    written: int = Field(description="Children whose figures were rewritten")
    cleared: int = Field(description="Children whose figures went (no final assessment left)")
    left_to_incremental: int = Field(description="Children written to meanwhile: their own recompute follows")


@router.post(
    "/recompute",
    response_model=RecomputeOut,
    summary="Recompute every figure of the council at once (the same figures the incremental recompute gives)",
)
async def recompute_council(db: SessionDep, state: StateDep, caller: FiguresAdmin) -> RecomputeOut:
    outcome = await recompute_councils(state.sessions, [caller.la_id])
    audit.note(db, target="figures", written=outcome.written, cleared=outcome.cleared)
    return RecomputeOut(
        children=outcome.children,
        written=outcome.written,
        cleared=outcome.cleared,
        left_to_incremental=outcome.left_to_incremental,
    )
