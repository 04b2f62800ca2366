import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select

from services.api import idempotency
from services.api.access import requires
from services.api.assessments import service
from services.api.assessments.schemas import AssessmentAmendment, AssessmentBatchIn, AssessmentOut
from services.api.auth import Caller
from services.api.batches import WriteResult, write_batch
from services.api.children.service import require_child
from services.api.deps import SessionDep
from services.api.etags import etag, parse_if_match
from services.api.owned import require_owned
from services.api.problems import V1_PROBLEMS, documented
from services.api.schemas import BatchResult
from services.api.types import ChildIdQuery, IdempotencyKey
from shared.access import Scope
from shared.domain.assessments.content import AssessmentIn
from shared.models import Assessment

AssessmentIdPath = Annotated[uuid.UUID, Path(description="The API's id for the assessment")]
router = APIRouter(prefix="/v1/assessments", tags=["assessments"], responses=V1_PROBLEMS)
# Only a UUID routes here: "batch" is its own path, so PUT or GET /batch is a 405, not a bad assessment id.
ASSESSMENT = "/{assessment_id:uuid}"


def outcome(out: AssessmentOut, status: int) -> idempotency.Reply:
    return status, out.model_dump(mode="json"), {"ETag": etag(out.version), "Location": f"/v1/assessments/{out.id}"}


@router.post(
    "",
    status_code=201,
    response_model=AssessmentOut,
    responses={**documented(409), 200: {"model": AssessmentOut, "description": "Sent again: the stored assessment"}},
    summary="Record an assessment (idempotent): 201 when created, 200 with the stored one when sent again",
)
async def create_assessment(
    body: AssessmentIn,
    db: SessionDep,
    caller: Annotated[Caller, requires(Scope.ASSESSMENTS_WRITE)],
    key: IdempotencyKey = None,
) -> JSONResponse:
    async def run() -> idempotency.Reply:
        assessment, written = await service.create(db, caller.la_id, body, date.today())
        return outcome(await service.render(db, assessment), 201 if written == "created" else 200)

    return await idempotency.once(db, caller, key, ("POST /v1/assessments", body), run)


@router.post("/batch", response_model=BatchResult, summary="Record up to 1,000 assessments, all or none")
async def create_assessments(
    body: AssessmentBatchIn,
    db: SessionDep,
    caller: Annotated[Caller, requires(Scope.ASSESSMENTS_WRITE)],
    key: IdempotencyKey = None,
) -> JSONResponse:
    async def run() -> idempotency.Reply:
        async def check(items: dict[int, AssessmentIn]) -> dict[int, service.Checked | list[dict[str, Any]]]:
            return await service.check_new(db, caller.la_id, items, date.today())

        async def apply(ready: dict[int, service.Checked]) -> dict[int, tuple[service.Recorded, WriteResult]]:
            return await service.apply_new(db, caller.la_id, ready)

        return await write_batch(db, caller.la_id, AssessmentIn, body.items, check, apply)

    return await idempotency.once(db, caller, key, ("POST /v1/assessments/batch", body), run)


@router.get("", response_model=list[AssessmentOut], summary="A child's assessments, oldest first")
async def list_assessments(
    child_id: ChildIdQuery, db: SessionDep, caller: Annotated[Caller, requires(Scope.ASSESSMENTS_READ)]
) -> list[AssessmentOut]:
    child = await require_child(db, caller.la_id, child_id)
    rows = (
        await db.scalars(select(Assessment).where(Assessment.child_pk == child.id).order_by(Assessment.recorded_seq))
    ).all()
    return [await service.render(db, row) for row in rows]


@router.get(ASSESSMENT, response_model=AssessmentOut, summary="Read an assessment's current version")
async def get_assessment(
    assessment_id: AssessmentIdPath,
    db: SessionDep,
    caller: Annotated[Caller, requires(Scope.ASSESSMENTS_READ)],
    response: Response,
) -> AssessmentOut:
    out = await service.render(db, await require_owned(db, Assessment, caller.la_id, assessment_id))
    response.headers["ETag"] = etag(out.version)
    return out


@router.get(f"{ASSESSMENT}/versions", response_model=list[AssessmentOut], summary="Every version, oldest first")
async def get_versions(
    assessment_id: AssessmentIdPath, db: SessionDep, caller: Annotated[Caller, requires(Scope.ASSESSMENTS_READ)]
) -> list[AssessmentOut]:
    return await service.versions(db, await require_owned(db, Assessment, caller.la_id, assessment_id))


@router.put(
    ASSESSMENT,
    response_model=AssessmentOut,
    responses=documented(412, 428),
    summary="Amend an assessment: a new version, the old kept; needs If-Match with the ETag you read",
    description="The body may be the assessment as GET returned it, changed where it is amended: the fields GET "
    "adds (id, external_id, child_id, version, recorded_at) may be left in, as they were read.",
)
async def amend_assessment(
    assessment_id: AssessmentIdPath,
    body: AssessmentAmendment,
    db: SessionDep,
    caller: Annotated[Caller, requires(Scope.ASSESSMENTS_WRITE)],
    response: Response,
    if_match: Annotated[
        str | None, Header(alias="If-Match", description="The ETag of the version you read: a stale one is 412")
    ] = None,
) -> AssessmentOut:
    assessment = await service.amend(db, caller.la_id, assessment_id, parse_if_match(if_match), body, date.today())
    out = await service.render(db, assessment)
    response.headers["ETag"] = etag(out.version)
    return out
