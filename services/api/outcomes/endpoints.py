"""Outcome measures: case-management systems record a child's hard indicators (SDQ, attendance, exclusions,
missing episodes, offences, NEET) one at a time or in batches, idempotently, and amend them."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Header, Path, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select

from services.api import idempotency
from services.api.access import requires
from services.api.auth import Caller
from services.api.batches import Errors, WriteResult, write_batch
from services.api.children.service import require_child
from services.api.deps import SessionDep
from services.api.etags import etag, parse_if_match
from services.api.outcomes import service
from services.api.outcomes.schemas import (
    OutcomeMeasureAmendment,
    OutcomeMeasureBatchIn,
    OutcomeMeasureIn,
    OutcomeMeasureOut,
    OutcomeMeasureVersionOut,
)
from services.api.owned import require_owned
from services.api.problems import V1_PROBLEMS, documented
from services.api.schemas import BatchResult
from services.api.types import ChildIdQuery, IdempotencyKey
from shared.access import Scope
from shared.domain.measure_codes import codes_of
from shared.models import OutcomeMeasure

MeasureIdPath = Annotated[uuid.UUID, Path(description="The API's id for the outcome measure")]
router = APIRouter(prefix="/v1/outcome-measures", tags=["outcome measures"], responses=V1_PROBLEMS)
MEASURE = "/{measure_id:uuid}"


def outcome(out: OutcomeMeasureOut, status: int) -> idempotency.Reply:
    return (
        status,
        out.model_dump(mode="json"),
        {"Location": f"/v1/outcome-measures/{out.id}", "ETag": etag(out.version)},
    )


@router.post(
    "",
    status_code=201,
    response_model=OutcomeMeasureOut,
    responses={**documented(409), 200: {"model": OutcomeMeasureOut, "description": "Sent again: the stored one"}},
    summary="Record an outcome measure (idempotent): 201 when created, 200 with the stored one when sent again",
)
async def create_outcome_measure(
    body: OutcomeMeasureIn,
    db: SessionDep,
    caller: Annotated[Caller, requires(Scope.OUTCOMES_WRITE)],
    key: IdempotencyKey = None,
) -> JSONResponse:
    async def run() -> idempotency.Reply:
        codes = await codes_of(db, caller.la_id)
        measure, written = await service.create(db, caller.la_id, body, codes, date.today())
        return outcome(await service.render(db, measure), 201 if written == "created" else 200)

    return await idempotency.once(db, caller, key, ("POST /v1/outcome-measures", body), run)


@router.post("/batch", response_model=BatchResult, summary="Record up to 1,000 outcome measures, all or none")
async def create_outcome_measures(
    body: OutcomeMeasureBatchIn,
    db: SessionDep,
    caller: Annotated[Caller, requires(Scope.OUTCOMES_WRITE)],
    key: IdempotencyKey = None,
) -> JSONResponse:
    async def run() -> idempotency.Reply:
        codes = await codes_of(db, caller.la_id)

        async def check(items: dict[int, OutcomeMeasureIn]) -> dict[int, service.Checked | Errors]:
            return await service.check_new(db, caller.la_id, items, codes, date.today())

        async def apply(ready: dict[int, service.Checked]) -> dict[int, tuple[OutcomeMeasure, WriteResult]]:
            return await service.apply_new(db, caller.la_id, ready)

        return await write_batch(db, caller.la_id, OutcomeMeasureIn, body.items, check, apply)

    return await idempotency.once(db, caller, key, ("POST /v1/outcome-measures/batch", body), run)


@router.get("", response_model=list[OutcomeMeasureOut], summary="A child's outcome measures by period")
async def list_outcome_measures(
    child_id: ChildIdQuery, db: SessionDep, caller: Annotated[Caller, requires(Scope.OUTCOMES_READ)]
) -> list[OutcomeMeasureOut]:
    child = await require_child(db, caller.la_id, child_id)
    rows = await db.scalars(
        select(OutcomeMeasure)
        .where(OutcomeMeasure.child_pk == child.id)
        .order_by(OutcomeMeasure.code, OutcomeMeasure.period_end, OutcomeMeasure.period_start)
    )
    return [await service.render(db, row, child.child_id) for row in rows]


@router.get(MEASURE, response_model=OutcomeMeasureOut, summary="Read an outcome measure's current version")
async def get_outcome_measure(
    measure_id: MeasureIdPath,
    db: SessionDep,
    caller: Annotated[Caller, requires(Scope.OUTCOMES_READ)],
    response: Response,
) -> OutcomeMeasureOut:
    out = await service.render(db, await require_owned(db, OutcomeMeasure, caller.la_id, measure_id))
    response.headers["ETag"] = etag(out.version)
    return out


@router.get(f"{MEASURE}/versions", response_model=list[OutcomeMeasureVersionOut], summary="Every version, oldest first")
async def get_outcome_measure_versions(
    measure_id: MeasureIdPath, db: SessionDep, caller: Annotated[Caller, requires(Scope.OUTCOMES_READ)]
) -> list[OutcomeMeasureVersionOut]:
    return await service.versions(db, await require_owned(db, OutcomeMeasure, caller.la_id, measure_id))


@router.put(
    MEASURE,
    response_model=OutcomeMeasureOut,
    responses=documented(412, 428),
    summary="Amend an outcome measure's value: a new version, the old kept; needs If-Match with the ETag you read",
)
async def amend_outcome_measure(
    measure_id: MeasureIdPath,
    body: OutcomeMeasureAmendment,
    db: SessionDep,
    caller: Annotated[Caller, requires(Scope.OUTCOMES_WRITE)],
    response: Response,
    if_match: Annotated[
        str | None, Header(alias="If-Match", description="The ETag of the version you read: a stale one is 412")
    ] = None,
) -> OutcomeMeasureOut:
    codes = await codes_of(db, caller.la_id)
    measure = await service.amend(db, caller.la_id, measure_id, parse_if_match(if_match), body, codes)
    out = await service.render(db, measure)
    response.headers["ETag"] = etag(out.version)
    return out
