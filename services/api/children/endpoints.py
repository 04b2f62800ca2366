from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Response

from services.api.access import requires
from services.api.auth import Caller
from services.api.children import service
from services.api.children.schemas import ChildIn, ChildOut
from services.api.children.series import ChildSeriesOut, read_series
from services.api.children.trends import ChildTrendsOut, read_child_trends
from services.api.deps import SessionDep, StateDep
from services.api.problems import V1_PROBLEMS
from services.api.types import Id
from shared.access import Scope

router = APIRouter(prefix="/v1/children", tags=["children"], responses=V1_PROBLEMS)
ChildIdPath = Annotated[Id, Path(min_length=1, max_length=64, description="The council's own child id")]


@router.put(
    "/{child_id}",
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


@router.get("/{child_id}", response_model=ChildOut, summary="Read a child")
async def get_child(
    child_id: ChildIdPath, db: SessionDep, caller: Annotated[Caller, requires(Scope.CHILDREN_READ)]
) -> ChildOut:
    child = await service.require_child(db, caller.la_id, child_id)
    return ChildOut.model_validate(child, from_attributes=True)


@router.get(
    "/{child_id}/needs-trends",
    response_model=ChildTrendsOut,
    summary="A child's needs trends: every domain and the summary, with the assessments they reflect",
)
async def get_needs_trends(
    child_id: ChildIdPath, db: SessionDep, caller: Annotated[Caller, requires(Scope.CHILDREN_READ)], state: StateDep
) -> Response:
    return await read_child_trends(db, caller.la_id, child_id, state.settings.outbox_max_sends)


@router.get(
    "/{child_id}/series",
    response_model=ChildSeriesOut,
    summary="A child's journey: every final assessment's levels in date order, for charting",
)
async def get_series(
    child_id: ChildIdPath, db: SessionDep, caller: Annotated[Caller, requires(Scope.CHILDREN_READ)]
) -> ChildSeriesOut:
    child = await service.require_child(db, caller.la_id, child_id)
    return ChildSeriesOut(child_id=child.child_id, child_pseudonym=child.pseudonym, points=await read_series(db, child))
