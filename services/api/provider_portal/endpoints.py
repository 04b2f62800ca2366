"""What a provider portal reads: figures for the children placed with it now, by pseudonym only.
A child placed elsewhere, or no longer placed with it, is a 404 like a child that does not exist."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api import audit
from services.api.access import requires
from services.api.auth import Caller
from services.api.children.series import SeriesOut, read_series
from services.api.children.trends import TrendsOut, read_trends
from services.api.deps import SessionDep, StateDep
from services.api.problems import V1_PROBLEMS
from services.api.types import Id
from shared.access import Scope
from shared.errors import NotFound
from shared.models import Child, Placement

router = APIRouter(prefix="/v1/provider", tags=["provider portal"], responses=V1_PROBLEMS)
ProviderClient = Annotated[Caller, requires(Scope.FIGURES_READ)]
PseudonymPath = Annotated[Id, Path(min_length=1, max_length=32, description="The child's pseudonym")]


class PlacedChildOut(BaseModel):
    child_pseudonym: str = Field(description="The child's pseudonym")
    placed_since: date = Field(description="The first day of the stay with the provider")


def placed_now(caller: Caller, today: date) -> list[ColumnElement[bool]]:
    return [
        Placement.la_id == caller.la_id,
        Placement.provider_id == caller.provider_pk,
        Placement.start_date <= today,
        or_(Placement.end_date.is_(None), Placement.end_date > today),
    ]


@router.get("/children", response_model=list[PlacedChildOut], summary="The children placed with this provider now")
async def list_placed_children(db: SessionDep, caller: ProviderClient) -> list[PlacedChildOut]:
    rows = (
        await db.execute(
            select(Child.pseudonym, func.min(Placement.start_date))
            .join(Placement, Placement.child_pk == Child.id)
            .where(*placed_now(caller, date.today()))
            .group_by(Child.pseudonym)
            .order_by(Child.pseudonym)
        )
    ).all()
    audit.saw_pseudonyms(db, [row[0] for row in rows])
    return [PlacedChildOut(child_pseudonym=row[0], placed_since=row[1]) for row in rows]


async def require_placed_child(db: AsyncSession, caller: Caller, child_pseudonym: str) -> Child:
    child = await db.scalar(
        select(Child)
        .join(Placement, Placement.child_pk == Child.id)
        .where(Child.la_id == caller.la_id, Child.pseudonym == child_pseudonym, *placed_now(caller, date.today()))
        .limit(1)
    )
    if child is None:
        raise NotFound("No such child placed with this provider.")
    audit.saw_child(db, child.id)
    return child


@router.get(
    "/children/{child_pseudonym}/needs-trends",
    response_model=TrendsOut,
    summary="Needs trends of a child placed with this provider now",
)
async def get_placed_child_trends(
    child_pseudonym: PseudonymPath, db: SessionDep, caller: ProviderClient, state: StateDep
) -> TrendsOut:
    child = await require_placed_child(db, caller, child_pseudonym)
    return await read_trends(db, child, state.settings.outbox_max_sends, TrendsOut)


@router.get(
    "/children/{child_pseudonym}/series",
    response_model=SeriesOut,
    summary="The journey of a child placed with this provider now: every final assessment's levels in date order",
)
async def get_placed_child_series(child_pseudonym: PseudonymPath, db: SessionDep, caller: ProviderClient) -> SeriesOut:
    child = await require_placed_child(db, caller, child_pseudonym)
    return SeriesOut(child_pseudonym=child.pseudonym, points=await read_series(db, child))
