import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse
from sqlalchemy import select

from services.api import idempotency
from services.api.access import requires
from services.api.auth import Caller
from services.api.batches import WriteResult, one_by_one, write_batch
from services.api.children.service import require_child
from services.api.deps import SessionDep
from services.api.owned import require_owned
from services.api.placements import service
from services.api.placements.schemas import PlacementBatchIn, PlacementEnding, PlacementIn, PlacementOut
from services.api.problems import V1_PROBLEMS, documented
from services.api.schemas import BatchResult
from services.api.types import ChildIdQuery, IdempotencyKey
from shared.access import Scope
from shared.models import Placement
from shared.ssda903 import Interval

PlacementIdPath = Annotated[uuid.UUID, Path(description="The API's id for the placement episode")]
router = APIRouter(prefix="/v1/placements", tags=["placements"], responses=V1_PROBLEMS)
# Only a UUID routes here: "batch" is its own path, so PUT or GET /batch is a 405, not a bad placement id.
PLACEMENT = "/{placement_id:uuid}"


@router.post(
    "",
    status_code=201,
    response_model=PlacementOut,
    responses={**documented(409), 200: {"model": PlacementOut, "description": "Sent again: the stored episode"}},
    summary=(
        "Record a placement episode (idempotent): 201 when created, 200 with the stored one when sent again,"
        " or when sent again with its ending"
    ),
)
async def create_placement(
    body: PlacementIn,
    db: SessionDep,
    caller: Annotated[Caller, requires(Scope.PLACEMENTS_WRITE)],
    key: IdempotencyKey = None,
) -> JSONResponse:
    async def run() -> idempotency.Reply:
        placement, written = await service.create(db, caller.la_id, body, date.today())
        out = await service.render(db, placement)
        return (
            201 if written == "created" else 200,
            out.model_dump(mode="json"),
            {"Location": f"/v1/placements/{out.id}"},
        )

    return await idempotency.once(db, caller, key, ("POST /v1/placements", body), run)


@router.post("/batch", response_model=BatchResult, summary="Record up to 1,000 placement episodes, all or none")
async def create_placements(
    body: PlacementBatchIn,
    db: SessionDep,
    caller: Annotated[Caller, requires(Scope.PLACEMENTS_WRITE)],
    key: IdempotencyKey = None,
) -> JSONResponse:
    async def run() -> idempotency.Reply:
        # Earlier items of the batch count for overlaps, as if they were already written.
        in_batch: dict[str, tuple[uuid.UUID, Interval]] = {}

        async def check(item: PlacementIn) -> service.Checked | list[dict[str, Any]]:
            result = await service.check_new(db, caller.la_id, item, date.today(), in_batch)
            if not isinstance(result, list):
                in_batch[item.external_id] = (result.child.id, (item.start_date, item.end_date))
            return result

        async def apply(ready: service.Checked) -> tuple[Placement, WriteResult]:
            return await service.apply_new(db, caller.la_id, ready)

        return await write_batch(db, caller.la_id, PlacementIn, body.items, one_by_one(check), one_by_one(apply))

    return await idempotency.once(db, caller, key, ("POST /v1/placements/batch", body), run)


@router.get("", response_model=list[PlacementOut], summary="A child's placement episodes in date order")
async def list_placements(
    child_id: ChildIdQuery, db: SessionDep, caller: Annotated[Caller, requires(Scope.PLACEMENTS_READ)]
) -> list[PlacementOut]:
    child = await require_child(db, caller.la_id, child_id)
    rows = (
        await db.scalars(select(Placement).where(Placement.child_pk == child.id).order_by(Placement.start_date))
    ).all()
    return [await service.render(db, row) for row in rows]


@router.get(PLACEMENT, response_model=PlacementOut, summary="Read a placement episode")
async def get_placement(
    placement_id: PlacementIdPath, db: SessionDep, caller: Annotated[Caller, requires(Scope.PLACEMENTS_READ)]
) -> PlacementOut:
    return await service.render(db, await require_owned(db, Placement, caller.la_id, placement_id))


@router.post(
    f"{PLACEMENT}/end",
    response_model=PlacementOut,
    responses=documented(409),
    summary="End an open placement episode (idempotent; another ending of an ended episode is a 409)",
)
async def end_placement(
    placement_id: PlacementIdPath,
    body: PlacementEnding,
    db: SessionDep,
    caller: Annotated[Caller, requires(Scope.PLACEMENTS_WRITE)],
) -> PlacementOut:
    return await service.render(db, await service.end(db, caller.la_id, placement_id, body, date.today()))
