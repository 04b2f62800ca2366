"""What a provider portal reads, by pseudonym only: the children placed with it now and their figures,
its own stays as the payment rules see them, and a child's journey for the times the child was with it.
A child never placed with it is a 404 like a child that does not exist."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.api import audit
from services.api.access import requires
from services.api.auth import Caller
from services.api.children.series import SeriesOut, read_series
from services.api.children.trends import TrendsOut, read_trends
from services.api.deps import SessionDep, StateDep
from services.api.paging import PageAsked, check_limit, keyset_page, page_headers
from services.api.problems import V1_PROBLEMS
from services.api.provider_portal import queries
from services.api.provider_portal.stays import (
    days_so_far,
    is_temporary,
    stays_of_children,
    stays_page,
    windows,
    within,
)
from services.api.types import Id
from shared.access import Scope
from shared.errors import NotFound
from shared.models import Child

router = APIRouter(prefix="/v1/provider", tags=["provider portal"], responses=V1_PROBLEMS)
ProviderClient = Annotated[Caller, requires(Scope.FIGURES_READ)]
PseudonymPath = Annotated[Id, Path(min_length=1, max_length=32, description="The child's pseudonym")]
NEXT_CURSOR = "Send as cursor for the next page; also in the X-Next-Cursor header"


class PlacedChildOut(BaseModel):
    child_pseudonym: str = Field(description="The child's pseudonym")
    placed_since: date = Field(description="The start of the child's earliest episode with the provider running now")


class PlacedChildrenPage(BaseModel):
    items: list[PlacedChildOut] = Field(description="The children, by sequence of first record")
    next_cursor: str | None = Field(description=NEXT_CURSOR)
    has_more: bool = Field(description="More children wait")


class StayEpisodeOut(BaseModel):
    placement_id: str = Field(description="The placement's id, as statement lines name a stay by its first")
    start: date = Field(description="The episode's first day")
    end: date | None = Field(description="The day the next episode starts; null while open")
    place: str = Field(description="SSDA903 PLACE")
    legal_status: str = Field(description="SSDA903 LS")
    reason_ended: str | None = Field(description="SSDA903 REC")
    temporary: bool = Field(description="A temporary move (T0-T4): its days are not days with the provider")


class StayOut(BaseModel):
    child_pseudonym: str = Field(description="The child's pseudonym")
    stay: str = Field(description="The stay's id, as statement lines give it: its first episode's placement id")
    start: date = Field(description="Its first episode's start")
    end: date | None = Field(description="When its last episode with the provider ended; null while open")
    days_with_provider: int = Field(description="Days with the provider from the start up to the end, or today")
    temporary_days: int = Field(description="Days on temporary moves in that time")
    episodes: list[StayEpisodeOut] = Field(description="The provider's episodes and the temporary moves between them")


class StaysPage(BaseModel):
    items: list[StayOut] = Field(description="The stays, by child, then start")
    next_cursor: str | None = Field(description=NEXT_CURSOR)
    has_more: bool = Field(description="More stays wait")


@router.get("/children", response_model=PlacedChildrenPage, summary="The children placed with this provider now, paged")
async def list_placed_children(
    request: Request, response: Response, db: SessionDep, caller: ProviderClient, state: StateDep, asked: PageAsked
) -> PlacedChildrenPage:
    limit, cursor = check_limit(asked.limit, state.settings), asked.cursor
    found = await queries.placed_children(db, caller, date.today(), limit, cursor)
    page = keyset_page(found, limit, cursor, lambda row: int(row[0]))
    audit.saw_pseudonyms(db, [row[1] for row in page.rows])
    response.headers.update(page_headers(request, page.next_cursor, page.has_more))
    items = [PlacedChildOut(child_pseudonym=row[1], placed_since=row[2]) for row in page.rows]
    return PlacedChildrenPage(items=items, next_cursor=page.next_cursor, has_more=page.has_more)


@router.get(
    "/stays",
    response_model=StaysPage,
    summary="This provider's stays, as the payment rules count them: episodes, days with it, temporary days",
)
async def list_provider_stays(
    request: Request, response: Response, db: SessionDep, caller: ProviderClient, state: StateDep, asked: PageAsked
) -> StaysPage:
    limit, cursor = check_limit(asked.limit, state.settings), asked.cursor
    found = await stays_page(db, caller.la_id, caller.provider_pk, limit, cursor)
    page = keyset_page(found, limit, cursor, lambda row: row[0])
    audit.saw_pseudonyms(db, sorted({pseudonym for _, pseudonym, _ in page.rows}))
    response.headers.update(page_headers(request, page.next_cursor, page.has_more))
    today = date.today()
    items = []
    for _, pseudonym, stay in page.rows:
        with_provider, temporary = days_so_far(stay, today)
        episodes = [
            StayEpisodeOut(
                placement_id=e.id,
                start=e.start,
                end=e.end,
                place=e.place,
                legal_status=e.legal_status,
                reason_ended=e.reason_ended,
                temporary=is_temporary(e),
            )
            for e in stay.episodes
        ]
        items.append(
            StayOut(
                child_pseudonym=pseudonym,
                stay=stay.id,
                start=stay.start,
                end=stay.end,
                days_with_provider=with_provider,
                temporary_days=temporary,
                episodes=episodes,
            )
        )
    return StaysPage(items=items, next_cursor=page.next_cursor, has_more=page.has_more)


async def require_placed_child(db: AsyncSession, caller: Caller, child_pseudonym: str) -> Child:
    child = await queries.placed_child(db, caller, child_pseudonym, date.today())
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
) -> Response:
    child = await require_placed_child(db, caller, child_pseudonym)
    return await read_trends(db, child, state.settings.outbox_max_sends)


@router.get(
    "/children/{child_pseudonym}/series",
    response_model=SeriesOut,
    summary="The journey of a child ever placed with this provider: its final assessments dated during its stays "
    "with it or in the 28 days before each began, in date order",
)
async def get_placed_child_series(child_pseudonym: PseudonymPath, db: SessionDep, caller: ProviderClient) -> SeriesOut:
    child = await queries.child_ever_placed(db, caller, child_pseudonym)
    own = (await stays_of_children(db, caller.la_id, caller.provider_pk, [child.id])).get(child.id) if child else None
    if child is None or not own:
        raise NotFound("No such child placed with this provider.")
    audit.saw_child(db, child.id)
    spans = windows(own)
    points = [point for point in await read_series(db, child) if within(point.assessed_on, spans)]
    return SeriesOut(child_pseudonym=child.pseudonym, points=points)
