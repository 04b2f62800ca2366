from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from starlette.convertors import StringConvertor, register_url_convertor

from services.api import idempotency
from services.api.access import requires
from services.api.auth import Caller
from services.api.batches import Errors, WriteResult, distinct_children, one_by_one, write_batch
from services.api.children import service
from services.api.children.schemas import ChildBatchIn, ChildBatchItem, ChildDetailOut, ChildIn, ChildOut
from services.api.children.series import ChildSeriesOut, disagreements, read_series
from services.api.children.trends import ChildTrendsOut, read_child_trends
from services.api.deps import SessionDep, StateDep
from services.api.problems import V1_PROBLEMS
from services.api.schemas import ChildBatchResult
from services.api.scores.placement_figures import PlacementChildRow, day_asked, read_child_figures
from services.api.types import ChildIdPath, IdempotencyKey, IsoDate
from shared.access import Scope
from shared.domain.care_status import care_status
from shared.models import Child


class ChildIdConvertor(StringConvertor):
    """Any one path segment but "batch", which is POST /v1/children/batch's: without it, GET or PUT there would
    be a child named "batch", and an OPTIONS there would advertise methods the document does not give it."""

    regex = "(?!batch(?:/|$))[^/]+"


register_url_convertor("child_id", ChildIdConvertor())
CHILD = "/{child_id:child_id}"
router = APIRouter(prefix="/v1/children", tags=["children"], responses=V1_PROBLEMS)


def by_child_id(child: Child) -> dict[str, Any]:
    return {"child_id": child.child_id}


@router.put(
    CHILD,
    response_model=ChildOut,
    responses={201: {"model": ChildOut, "description": "Created"}},
    summary="Create or update a child by the council's id: 201 when created, 200 when updated",
)
async def put_child(
    child_id: ChildIdPath,
    body: ChildIn,
    db: SessionDep,
    caller: Annotated[Caller, requires(Scope.CHILDREN_WRITE)],
    state: StateDep,
    response: Response,
) -> ChildOut:
    child, created = await service.upsert_child(
        db, caller.la_id, child_id, body, date.today(), state.settings.pseudonym_key_bytes
    )
    response.status_code = 201 if created else 200
    return ChildOut.model_validate(child, from_attributes=True)


@router.post(
    "/batch",
    response_model=ChildBatchResult,
    summary="Create or update up to 1,000 children by the council's ids, all or none",
)
async def put_children(
    body: ChildBatchIn,
    db: SessionDep,
    caller: Annotated[Caller, requires(Scope.CHILDREN_WRITE)],
    state: StateDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    async def run() -> idempotency.Reply:
        async def check(item: ChildBatchItem) -> service.Checked | Errors:
            body = ChildIn.model_validate(item.model_dump(exclude={"child_id"}))
            return await service.check(db, caller.la_id, item.child_id, body, date.today())

        async def apply(ready: service.Checked) -> tuple[Child, WriteResult]:
            return await service.apply(db, caller.la_id, ready, state.settings.pseudonym_key_bytes)

        return await write_batch(
            db,
            caller.la_id,
            ChildBatchItem,
            body.items,
            one_by_one(check),
            one_by_one(apply),
            repeated=distinct_children,
            named=by_child_id,
        )

    return await idempotency.once(db, caller, key, ("POST /v1/children/batch", body), run)


@router.get(CHILD, response_model=ChildDetailOut, summary="Read a child, with where it stands with care today")
async def get_child(
    child_id: ChildIdPath, db: SessionDep, caller: Annotated[Caller, requires(Scope.CHILDREN_READ)]
) -> ChildDetailOut:
    child = await service.require_child(db, caller.la_id, child_id)
    status = await db.scalar(select(care_status(child.id, date.today())))
    return ChildDetailOut(**ChildOut.model_validate(child, from_attributes=True).model_dump(), care_status=status)


@router.get(
    f"{CHILD}/needs-trends",
    response_model=ChildTrendsOut,
    summary="A child's needs trends: every domain and the summary, with the assessments they reflect",
    description="From the professionals' final assessments: the child's own ratings (assessor_role child) are its "
    "view, not a professional judgement, and are shown beside them in the child's series, never counted here.",
)
async def get_needs_trends(
    child_id: ChildIdPath, db: SessionDep, caller: Annotated[Caller, requires(Scope.CHILDREN_READ)], state: StateDep
) -> Response:
    return await read_child_trends(db, caller.la_id, child_id, state.settings.outbox_max_sends)


@router.get(
    f"{CHILD}/series",
    response_model=ChildSeriesOut,
    summary="A child's journey: every final assessment's levels in date order, for charting, and the child's own "
    "view beside the professionals'",
)
async def get_series(
    child_id: ChildIdPath, db: SessionDep, caller: Annotated[Caller, requires(Scope.CHILDREN_READ)]
) -> ChildSeriesOut:
    child = await service.require_child(db, caller.la_id, child_id)
    points, own = await read_series(db, child), await read_series(db, child, own=True)
    return ChildSeriesOut(
        child_id=child.child_id,
        child_pseudonym=child.pseudonym,
        points=points,
        childs_own=own,
        disagreements=disagreements(points, own),
    )


class ChildPlacementFiguresOut(BaseModel):
    child_id: str = Field(description="The council's own id for the child")
    as_at: date = Field(description="The day the figures are as at")
    figures: PlacementChildRow | None = Field(description="The child's placement figures; null before any episode")


@router.get(
    f"{CHILD}/placement-figures",
    response_model=ChildPlacementFiguresOut,
    summary="A child's placement figures as at a day: current placement, stability, placements ended, cost",
)
async def get_placement_figures(
    child_id: ChildIdPath,
    db: SessionDep,
    caller: Annotated[Caller, requires(Scope.CHILDREN_READ)],
    as_at: Annotated[IsoDate | None, Query(description="YYYY-MM-DD, not after today; default today")] = None,
) -> ChildPlacementFiguresOut:
    child = await service.require_child(db, caller.la_id, child_id)
    day = day_asked(as_at)
    figures = await read_child_figures(db, caller.la_id, child.id, day)
    return ChildPlacementFiguresOut(
        child_id=child.child_id, as_at=day, figures=None if figures is None else PlacementChildRow(**figures)
    )
