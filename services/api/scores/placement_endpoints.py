"""The placement figures of domain.md §6 for BI tools: one row per child placed by the day, and the council's
figures per slice, measure and category; as at any day (default today): the worker's figures as at today,
computed on reading from the episodes as at another day (scores/placement_figures.py)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel, Field

from services.api import audit
from services.api.deps import SessionDep, StateDep
from services.api.paging import PAGE_LIMIT_QUERY, Cursor, check_limit, offset_page
from services.api.scores.cohort import SLICE_DEFINITIONS, slices_asked
from services.api.scores.cohort_endpoints import ByQuery, CohortSlices, Slices
from services.api.scores.placement_figures import (
    CHILD_COLUMNS,
    FIGURE_COLUMNS,
    PlacementChildRow,
    day_asked,
    read_child_rows,
    read_council_rows,
)
from services.api.scores.serving import BiClient, page_response, scores_router
from services.api.tabular import CSV_RESPONSE, TableFormatAsked
from services.api.types import IsoDate, built_in_loop

router = scores_router()

AS_AT = (
    "The day the figures are as at (YYYY-MM-DD, not after today; default today), standing for 31 March: episodes "
    "as stored now, an episode ending on the day no longer open at its end"
)
AsAtQuery = Annotated[IsoDate | None, Query(description=AS_AT)]


class PlacementFigureRow(Slices):
    measure: str = Field(
        description="looked_after (by group), unstable, long_term_stable, placements_ended_in_year (by reason), "
        "average_weekly_cost (by group), weekly_spend (by funder)"
    )
    category: str | None = Field(description="The group, reason or funder the row counts; null for the shares")
    count: int | None = Field(description="Children (or placements ended) counted; a share's numerator")
    population: int | None = Field(description="A share's children: those the measure counts")
    share: float | None = Field(description="count / population, 4 places; null with no population")
    amount: Decimal | None = Field(description="GBP a week, to the penny (half up)")


class PlacementChildrenOut(BaseModel):
    as_at: date = Field(description="The day the figures are as at")
    columns: list[str] = Field(description="The columns of the rows in order: the CSV header")
    items: list[PlacementChildRow] = Field(description="The rows of this page")
    next_cursor: str | None = Field(description="Send as cursor for the next page; null on the last page")
    has_more: bool = Field(description="More rows wait")


class PlacementFiguresOut(PlacementChildrenOut):
    slices: CohortSlices = Field(description="The slices asked for and their definitions")
    items: list[PlacementFigureRow] = Field(description="The rows of this page")  # type: ignore[assignment]


@dataclass
class PlacementQuery:
    as_at: AsAtQuery = None
    limit: PAGE_LIMIT_QUERY = 500
    cursor: Cursor = None


@dataclass
class SlicedPlacementQuery(PlacementQuery):
    by: ByQuery = None


@router.get(
    "/placement-children",
    response_model=PlacementChildrenOut,
    responses=CSV_RESPONSE,
    summary="Each child placed by the day: current placement, stability, placements ended and why, cost",
    description="One row per child with an episode begun by the day, in the order children were first recorded; "
    "the cursor is the next row's offset.",
)
async def read_placement_children(
    request: Request,
    db: SessionDep,
    caller: BiClient,
    state: StateDep,
    table_format: TableFormatAsked,
    query: Annotated[PlacementQuery, Depends(built_in_loop(PlacementQuery))],
) -> Response:
    day, limit, offset = day_asked(query.as_at), check_limit(query.limit, state.settings), query.cursor or 0
    async with state.expensive_reads.slot(caller.holder):
        page, next_offset, more = await read_child_rows(db, caller.la_id, day, offset, limit)
    audit.saw_pseudonyms(db, {row["child_pseudonym"] for row in page})
    audit.note(db, rows=len(page), as_at=day.isoformat())
    cursor = None if next_offset is None else str(next_offset)
    name = f"placement-children-as-at-{day.isoformat()}"
    return page_response(request, table_format, name, CHILD_COLUMNS, page, cursor, more, {"as_at": day.isoformat()})


@router.get(
    "/placement-figures",
    response_model=PlacementFiguresOut,
    responses=CSV_RESPONSE,
    summary="The council's placement figures as at a day, per slice: looked after, stability, endings, cost",
    description="One row per slice combination (as the cohort figures slice, on the day), measure and category: "
    "a long table to pivot. Shares count only the children each measure counts (domain.md §6).",
)
async def read_placement_figures(
    request: Request,
    db: SessionDep,
    caller: BiClient,
    state: StateDep,
    table_format: TableFormatAsked,
    query: Annotated[SlicedPlacementQuery, Depends(built_in_loop(SlicedPlacementQuery))],
) -> Response:
    day, limit, offset = day_asked(query.as_at), check_limit(query.limit, state.settings), query.cursor or 0
    slices = slices_asked(query.by)
    async with state.expensive_reads.slot(caller.holder):
        rows = await read_council_rows(db, caller.la_id, day, slices)
    page, next_offset, more = offset_page(rows, offset, limit)
    audit.note(db, rows=len(page), by=list(slices), as_at=day.isoformat())
    cursor = None if next_offset is None else str(next_offset)
    described = {
        "as_at": day.isoformat(),
        "slices": {"by": list(slices), "definitions": {name: SLICE_DEFINITIONS[name] for name in slices}},
    }
    columns = (*slices, *FIGURE_COLUMNS)
    name = f"placement-figures-as-at-{day.isoformat()}"
    return page_response(request, table_format, name, columns, page, cursor, more, described)
