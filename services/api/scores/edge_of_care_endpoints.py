"""The council's edge-of-care figures for BI (small numbers withheld) and for its admin (whole)."""

import uuid
from datetime import date

from fastapi import Request, Response
from pydantic import BaseModel, Field

from services.api import audit
from services.api.deps import SessionDep
from services.api.scores.edge_of_care import COLUMNS, read_edge_of_care
from services.api.scores.serving import AdminClient, BiClient, page_response, scores_router, whole_scores_router
from services.api.tabular import CSV_RESPONSE, TableFormat, TableFormatAsked

router = scores_router()
admin_router = whole_scores_router()
WITHHELD = "; null when withheld"


class EdgeOfCareRow(BaseModel):
    """The children first assessed before any placement episode, of one highest need at that assessment."""

    max_need_at_first_assessment: int | None = Field(
        description="The highest need level of the child's first final assessment (0 to the instrument's top)"
    )
    first_assessed_on_edge: int | None = Field(
        description="Children whose first final assessment came before any placement episode began" + WITHHELD
    )
    on_edge_now: int | None = Field(description="Of those, children with no episode begun by today" + WITHHELD)
    on_edge_mean_total_need_change: float | None = Field(
        description="Their mean change in total need since that first assessment (negative: needs fell), 4 places"
    )
    followed_6_months: int | None = Field(
        description="Children first assessed at least 6 months ago: those whose next 6 months are known" + WITHHELD
    )
    came_into_care_within_6_months: int | None = Field(
        description="Of those, children whose first episode began within 6 months of the assessment" + WITHHELD
    )
    share_into_care_within_6_months: float | None = Field(
        description="came_into_care_within_6_months / followed_6_months, 4 places"
    )
    followed_12_months: int | None = Field(description="The same at 12 months" + WITHHELD)
    came_into_care_within_12_months: int | None = Field(description="The same at 12 months" + WITHHELD)
    share_into_care_within_12_months: float | None = Field(description="The same at 12 months")
    suppressed: bool = Field(description="True when a count of this row is withheld")
    suppressed_columns: str = Field(description="The withheld columns, separated by spaces")


class EdgeOfCareOut(BaseModel):
    suppression_threshold: int | None = Field(description="Counts from 1 to this are withheld; null: nothing")
    columns: list[str] = Field(description="The columns of the rows in order: the CSV header")
    items: list[EdgeOfCareRow] = Field(description="One row per highest need at first assessment")
    next_cursor: str | None = Field(description="Always null: the rows are few")
    has_more: bool = Field(description="Always false")


async def serve(
    request: Request, db: SessionDep, table_format: TableFormat, la_id: uuid.UUID, *, suppressed: bool
) -> Response:
    rows, threshold = await read_edge_of_care(db, la_id, date.today(), suppressed=suppressed)
    audit.note(db, rows=len(rows), suppressed=suppressed)
    described = {"suppression_threshold": threshold}
    return page_response(request, table_format, "edge-of-care", COLUMNS, rows, None, False, described)


@router.get(
    "/edge-of-care",
    response_model=EdgeOfCareOut,
    responses=CSV_RESPONSE,
    summary="Children on the edge of care and how many came into care within 6 and 12 months, by their needs",
    description="From each child's first final assessment (its kept needs figures) and its placement episodes. A "
    "child first assessed on or after the day its first episode began was in care already and is not counted.",
)
async def read_edge_of_care_figures(
    request: Request, db: SessionDep, caller: BiClient, table_format: TableFormatAsked
) -> Response:
    return await serve(request, db, table_format, caller.la_id, suppressed=True)


@admin_router.get(
    "/edge-of-care",
    response_model=EdgeOfCareOut,
    responses=CSV_RESPONSE,
    summary="The edge-of-care figures whole, nothing withheld: for the council's own analysts",
)
async def read_unsuppressed_edge_of_care(
    request: Request, db: SessionDep, caller: AdminClient, table_format: TableFormatAsked
) -> Response:
    return await serve(request, db, table_format, caller.la_id, suppressed=False)
