"""Score tables for BI tools: one route per table, all paged, filtered and served the same way."""

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from services.api.deps import ClientDep, SessionDep, StateDep
from services.api.problems import V1_PROBLEMS
from services.api.scores.tables import NEEDS_SUMMARY, NEEDS_TRENDS, ScoreTable, read_page, to_csv
from services.api.types import Text, UtcDateTime
from shared.errors import InvalidInput, field_error

router = APIRouter(prefix="/v1/scores", tags=["scores"], responses=V1_PROBLEMS)
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}}}}


class ScorePage(BaseModel):
    columns: list[str]
    items: list[dict[str, Any]]
    next_cursor: str | None = Field(
        description="Send as cursor for the next page, or later for the rows computed since (incremental sync)"
    )
    has_more: bool = Field(description="More rows wait now; when false, the cursor still serves a later sync")


@dataclass
class ScoreQuery:
    limit: Annotated[int, Query(ge=1, description="Rows per page")] = 500
    cursor: Annotated[Text | None, Query(description="next_cursor from the previous page")] = None
    child_id: Annotated[Text | None, Query(max_length=64, description="Only this child")] = None
    updated_since: Annotated[UtcDateTime | None, Query(description="Only rows computed at or after this instant")] = (
        None
    )
    format: Annotated[Literal["json", "csv"] | None, Query(description="Or send Accept: text/csv")] = None


MAX_CURSOR = 2**63 - 1  # row versions are bigint


def parse_cursor(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    if not (cursor.isascii() and cursor.isdigit() and int(cursor) <= MAX_CURSOR):
        raise InvalidInput(
            "The cursor is not one this API gave out.", errors=[field_error("cursor", "not a cursor from next_cursor")]
        )
    return int(cursor)


def wants_csv(query: ScoreQuery, accept: str | None) -> bool:
    return query.format == "csv" or (query.format is None and "text/csv" in (accept or ""))


def score_route(table: ScoreTable, summary: str) -> None:
    async def read_scores(
        request: Request,
        db: SessionDep,
        client: ClientDep,
        state: StateDep,
        query: Annotated[ScoreQuery, Depends()],
        accept: Annotated[str | None, Header()] = None,
    ) -> Response:
        if query.limit > state.settings.page_max_size:
            limit = f"at most {state.settings.page_max_size}"
            raise InvalidInput("The page is too large.", errors=[field_error("limit", limit)])
        page = await read_page(
            db,
            table,
            client.la_id,
            limit=query.limit,
            cursor=parse_cursor(query.cursor),
            child_id=query.child_id,
            updated_since=query.updated_since,
        )
        headers = {}
        if page.next_cursor is not None:
            headers["X-Next-Cursor"] = page.next_cursor
        if page.has_more and page.next_cursor is not None:
            headers["Link"] = f'<{request.url.include_query_params(cursor=page.next_cursor)}>; rel="next"'
        if wants_csv(query, accept):
            return Response(to_csv(table.columns, page.rows), media_type="text/csv; charset=utf-8", headers=headers)
        body = ScorePage(
            columns=list(table.columns), items=page.rows, next_cursor=page.next_cursor, has_more=page.has_more
        )
        return JSONResponse(body.model_dump(mode="json"), headers=headers)

    router.add_api_route(
        f"/{table.name}",
        read_scores,
        methods=["GET"],
        response_model=ScorePage,
        responses=CSV_RESPONSE,
        summary=summary,
        name=table.name.replace("-", "_"),
        operation_id=f"read_{table.name.replace('-', '_')}",
    )


score_route(NEEDS_TRENDS, "Needs trends per child and domain")
score_route(NEEDS_SUMMARY, "Needs summary per child")
