"""Savings tracking for BI tools (issue 17): the moves the council made to care that costs less, each with its
weekly saving and its saving to date while the child stays, and the totals by month, as at any day (default
today), computed on reading from the episodes under the council's rules."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from pydantic import BaseModel, Field

from services.api import audit
from services.api.auth import Caller
from services.api.deps import SessionDep, StateDep
from services.api.paging import PAGE_LIMIT_QUERY, Cursor, check_limit, offset_page
from services.api.scores.placement_endpoints import AsAtQuery
from services.api.scores.placement_figures import day_asked
from services.api.scores.rows import columns_of
from services.api.scores.savings_rows import MonthRow, MoveRow, month_fields, move_fields
from services.api.scores.serving import BiClient, page_response, scores_router
from services.api.tabular import CSV_RESPONSE, TableFormat, TableFormatAsked
from services.api.types import built_in_loop
from shared.domain.engines.placements.savings import months
from shared.domain.savings_tracking import Savings, savings

router = scores_router()


class MovesOut(BaseModel):
    columns: list[str] = Field(description="The columns of the rows in order: the CSV header")
    items: list[MoveRow] = Field(description="The rows of this page")
    next_cursor: str | None = Field(description="Send as cursor for the next page; null on the last page")
    has_more: bool = Field(description="More rows wait")


class MonthsOut(MovesOut):
    items: list[MonthRow] = Field(description="The rows of this page")  # type: ignore[assignment]


@dataclass
class SavingsQuery:
    as_at: AsAtQuery = None
    limit: PAGE_LIMIT_QUERY = 500
    cursor: Cursor = None


SavingsAsked = Annotated[SavingsQuery, Depends(built_in_loop(SavingsQuery))]


async def serve(
    request: Request,
    db: SessionDep,
    caller: Caller,
    state: StateDep,
    table_format: TableFormat,
    query: SavingsQuery,
    feed: str,
    row: type[BaseModel],
    rows_of: Callable[[Savings, date], list[dict[str, Any]]],
) -> Response:
    """A feed's page of rows made from the council's savings as at the day asked."""
    day, limit, offset = day_asked(query.as_at), check_limit(query.limit, state.settings), query.cursor or 0
    async with state.expensive_reads.slot(caller.holder):
        found = await savings(db, caller.la_id, day)
    page, next_offset, more = offset_page(rows_of(found, day), offset, limit)
    audit.saw_pseudonyms(db, {row["child_pseudonym"] for row in page if "child_pseudonym" in row})
    audit.note(db, rows=len(page), as_at=day.isoformat())
    cursor = None if next_offset is None else str(next_offset)
    name = f"{feed}-as-at-{day.isoformat()}"
    return page_response(request, table_format, name, columns_of(row), page, cursor, more)


def move_rows(found: Savings, day: date) -> list[dict[str, Any]]:
    return [
        {**move_fields(each.move, day), "child_pseudonym": each.child.pseudonym, "rules_version": found.rules_version}
        for each in found.moves
    ]


def month_rows(found: Savings, day: date) -> list[dict[str, Any]]:
    return [month_fields(month) for month in months([each.move for each in found.moves], day)]


@router.get(
    "/savings",
    response_model=MovesOut,
    responses=CSV_RESPONSE,
    summary="Step-downs and moves from agency to in-house carers, each with its weekly saving and its saving to date",
    description="One row per move, in the order children were first recorded, then by date; the cursor is the next "
    "row's offset.",
)
async def read_savings(
    request: Request,
    db: SessionDep,
    caller: BiClient,
    state: StateDep,
    table_format: TableFormatAsked,
    query: SavingsAsked,
) -> Response:
    return await serve(request, db, caller, state, table_format, query, "savings", MoveRow, move_rows)


@router.get(
    "/savings-by-month",
    response_model=MonthsOut,
    responses=CSV_RESPONSE,
    summary="The council's savings by calendar month and kind: moves made, breakdowns, and what was saved",
)
async def read_savings_by_month(
    request: Request,
    db: SessionDep,
    caller: BiClient,
    state: StateDep,
    table_format: TableFormatAsked,
    query: SavingsAsked,
) -> Response:
    return await serve(request, db, caller, state, table_format, query, "savings-by-month", MonthRow, month_rows)
