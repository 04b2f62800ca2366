from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from services.api.deps import ClientDep, SessionDep, StateDep
from services.api.scores.tables import NEEDS_SUMMARY, NEEDS_TRENDS, ScoreTable, read_page, to_csv
from shared.errors import InvalidInput, field_error

router = APIRouter(prefix="/v1/scores", tags=["scores"])


class ScorePage(BaseModel):
    columns: list[str]
    items: list[dict[str, Any]]
    next_cursor: str | None


def parse_cursor(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    if not cursor.isdigit():
        raise InvalidInput(
            "The cursor is not one this API gave out.", errors=[field_error("cursor", "not a cursor from next_cursor")]
        )
    return int(cursor)


async def serve(
    table: ScoreTable,
    request: Request,
    db: SessionDep,
    client: ClientDep,
    state: StateDep,
    limit: int,
    cursor: str | None,
    child_id: str | None,
    updated_since: datetime | None,
    format_: str | None,
    accept: str | None,
) -> Response:
    if limit > state.settings.page_max_size:
        raise InvalidInput(
            "The page is too large.", errors=[field_error("limit", f"at most {state.settings.page_max_size}")]
        )
    page = await read_page(
        db,
        table,
        client.la_id,
        limit=limit,
        cursor=parse_cursor(cursor),
        child_id=child_id,
        updated_since=updated_since,
    )
    headers = {}
    if page.next_cursor is not None:
        headers["X-Next-Cursor"] = page.next_cursor
        headers["Link"] = f'<{request.url.include_query_params(cursor=page.next_cursor)}>; rel="next"'
    if format_ == "csv" or (format_ is None and "text/csv" in (accept or "")):
        return Response(to_csv(table.columns, page.rows), media_type="text/csv; charset=utf-8", headers=headers)
    body = ScorePage(columns=list(table.columns), items=page.rows, next_cursor=page.next_cursor)
    return JSONResponse(body.model_dump(mode="json"), headers=headers)


Limit = Annotated[int, Query(ge=1, description="Rows per page")]
Cursor = Annotated[str | None, Query(description="next_cursor from the previous page")]
ChildFilter = Annotated[str | None, Query(max_length=64, description="Only this child")]
UpdatedSince = Annotated[datetime | None, Query(description="Only rows computed at or after this instant")]
Format = Annotated[Literal["json", "csv"] | None, Query(alias="format", description="Or send Accept: text/csv")]
Accept = Annotated[str | None, Header()]
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}}}}


@router.get(
    "/needs-trends", response_model=ScorePage, responses=CSV_RESPONSE, summary="Needs trends per child and domain"
)
async def needs_trends(
    request: Request,
    db: SessionDep,
    client: ClientDep,
    state: StateDep,
    limit: Limit = 500,
    cursor: Cursor = None,
    child_id: ChildFilter = None,
    updated_since: UpdatedSince = None,
    format_: Format = None,
    accept: Accept = None,
) -> Response:
    return await serve(
        NEEDS_TRENDS, request, db, client, state, limit, cursor, child_id, updated_since, format_, accept
    )


@router.get("/needs-summary", response_model=ScorePage, responses=CSV_RESPONSE, summary="Needs summary per child")
async def needs_summary(
    request: Request,
    db: SessionDep,
    client: ClientDep,
    state: StateDep,
    limit: Limit = 500,
    cursor: Cursor = None,
    child_id: ChildFilter = None,
    updated_since: UpdatedSince = None,
    format_: Format = None,
    accept: Accept = None,
) -> Response:
    return await serve(
        NEEDS_SUMMARY, request, db, client, state, limit, cursor, child_id, updated_since, format_, accept
    )
