"""The outcome link figures for BI (small numbers withheld) and for the council's admin (as they are), and the
council's suppression threshold."""

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StrictInt
from sqlalchemy import update

from services.api import audit
from services.api.auth import Caller
from services.api.deps import SessionDep, StateDep
from services.api.paging import PAGE_LIMIT_QUERY, Cursor, check_limit, offset_page
from services.api.scores.cohort import SLICE_DEFINITIONS
from services.api.scores.cohort_endpoints import ByQuery, Slices
from services.api.scores.outcome_links import read_links
from services.api.scores.serving import AdminClient, BiClient, page_response, scores_router, whole_scores_router
from services.api.scores.withheld_rows import council_threshold
from services.api.tabular import CSV_RESPONSE, TableFormat, TableFormatAsked
from services.api.types import IsoDate, built_in_loop
from shared.db import transaction
from shared.domain.engines.outcome_links import MIN_FOR_CORRELATION, MIN_FOR_INTERVAL
from shared.domain.engines.outcomes import Window
from shared.errors import InvalidInput, field_error
from shared.models import LocalAuthority

router = scores_router()
admin_router = whole_scores_router()


NOTE = "Why the figure is null (too few children, no variation, or suppressed); null when it is given"


class OutcomeLinkRow(Slices):
    """One slice combination, outcome area and measure code."""

    outcome_area: str = Field(description="The outcome area of the instrument (e.g. be_healthy)")
    measure_code: str = Field(description="The measure code (see /v1/measure-codes), of that outcome area")
    children: int | None = Field(
        description="Children with an area-need change (a domain of the area rated at least twice) and a change "
        "in the measure (at least two values) over overlapping periods; null when withheld"
    )
    spearman: float | None = Field(
        description="Spearman's rank correlation between the children's area-need changes and measure changes, "
        f"ties as mean ranks, 4 places; null below {MIN_FOR_CORRELATION} children or without variation. For a "
        "measure where lower is better, a positive value means needs and the measure fell together"
    )
    spearman_note: str | None = Field(description=NOTE)
    interval_low: float | None = Field(
        description="The 95% confidence interval's lower end: Fisher's z with variance 1.06 / (n - 3) (Fieller, "
        f"Hartley and Pearson); null below {MIN_FOR_INTERVAL} children"
    )
    interval_high: float | None = Field(description="Its upper end")
    interval_note: str | None = Field(description=NOTE)
    need_fell: int | None = Field(description="Of the children, those whose area need fell; null when withheld")
    need_fell_improved: int | None = Field(
        description="Of those, children whose measure improved (moved the way the code calls better); null when "
        "withheld"
    )
    need_fell_share_improved: float | None = Field(description="need_fell_improved / need_fell, 4 places")
    need_fell_share_note: str | None = Field(description=NOTE)
    need_not_fell: int | None = Field(
        description="Of the children, those whose area need did not fall (rose or stayed); null when withheld"
    )
    need_not_fell_improved: int | None = Field(description="Of those, children whose measure improved")
    need_not_fell_share_improved: float | None = Field(
        description="need_not_fell_improved / need_not_fell, 4 places: the comparison for need_fell_share_improved"
    )
    need_not_fell_share_note: str | None = Field(description=NOTE)
    suppressed: bool = Field(
        description="True when a count of this row is withheld: it was from 1 to the council's threshold, or would "
        "give one back through the row's totals or the rows of the same area and measure"
    )
    suppressed_columns: str = Field(description="The withheld columns, separated by spaces")


class OutcomeLinksOut(BaseModel):
    suppression_threshold: int | None = Field(
        description="Counts from 1 to this are withheld, with what would give them back; null: nothing withheld"
    )
    window_start: date | None = Field(description="The window's first day; null: from the first figure")
    window_end: date | None = Field(description="The window's last day; null: to today")
    slices: dict[str, str] = Field(description="The slices asked for, with their definitions")
    columns: list[str] = Field(description="The columns of the rows in order: the CSV header")
    items: list[OutcomeLinkRow] = Field(description="The rows of this page")
    next_cursor: str | None = Field(description="Send as cursor for the next page; null on the last page")
    has_more: bool = Field(description="More rows wait")


WINDOW = (
    "Only what is dated within the window counts: each child's needs figures computed from its final assessments "
    "dated in it, and the measures whose periods end in it. Without either end, the figures kept now and every "
    "measure."
)


@dataclass
class LinksQuery:
    by: ByQuery = None
    window_start: Annotated[IsoDate | None, Query(description="The window's first day. " + WINDOW)] = None
    window_end: Annotated[IsoDate | None, Query(description="The window's last day, not after today")] = None
    limit: PAGE_LIMIT_QUERY = 500
    cursor: Cursor = None


async def serve_links(
    request: Request,
    db: SessionDep,
    caller: Caller,
    state: StateDep,
    table_format: TableFormat,
    query: LinksQuery,
    *,
    suppressed: bool,
) -> Response:
    today = date.today()
    limit = check_limit(query.limit, state.settings)
    window = Window(query.window_start, query.window_end)
    if window.end is not None and window.end > today:
        raise InvalidInput("The window cannot end after today.", errors=[field_error("window_end", "not after today")])
    if window.start is not None and window.end is not None and window.start > window.end:
        message = "must not come after window_end"
        raise InvalidInput("The window is empty.", errors=[field_error("window_start", message)])
    # Each reads the whole council, and a window recomputes its needs figures: a client gets a few at once. A
    # window's figures sit in temporary tables that last as long as a transaction, which a read's own session
    # (committing each statement) does not hold: the reading gets one of its own.
    async with state.expensive_reads.slot(caller.holder), transaction(state.sessions) as reading:
        table = await read_links(
            reading, caller.la_id, by=query.by or [], today=today, window=window, suppressed=suppressed
        )
    rows, next_offset, more = offset_page(table.rows, query.cursor or 0, limit)
    audit.note(db, rows=len(rows), by=list(query.by or []), suppressed=suppressed)
    described = {
        "suppression_threshold": table.threshold,
        "window_start": None if window.start is None else window.start.isoformat(),
        "window_end": None if window.end is None else window.end.isoformat(),
        "slices": {name: SLICE_DEFINITIONS[name] for name in query.by or []},
    }
    cursor = None if next_offset is None else str(next_offset)
    return page_response(request, table_format, "outcome-links", table.columns, rows, cursor, more, described)


@router.get(
    "/outcome-links",
    response_model=OutcomeLinksOut,
    responses=CSV_RESPONSE,
    summary="The link between needs and outcomes: per outcome area and measure, with small numbers withheld",
    description="One row per slice combination, outcome area and measure code, in a fixed order (slice values, "
    "age bands youngest first and nulls last, then area and code). Counts from 1 to the council's threshold are "
    "withheld, and so is whatever would give one back (secondary suppression); shares and coefficients built on "
    "them are null with the reason.",
)
async def read_outcome_links(
    request: Request,
    db: SessionDep,
    caller: BiClient,
    state: StateDep,
    table_format: TableFormatAsked,
    query: Annotated[LinksQuery, Depends(built_in_loop(LinksQuery))],
) -> Response:
    return await serve_links(request, db, caller, state, table_format, query, suppressed=True)


@admin_router.get(
    "/outcome-links",
    response_model=OutcomeLinksOut,
    responses=CSV_RESPONSE,
    summary="The outcome link figures as they are, nothing withheld: for the council's own analysts",
)
async def read_unsuppressed_outcome_links(
    request: Request,
    db: SessionDep,
    caller: AdminClient,
    state: StateDep,
    table_format: TableFormatAsked,
    query: Annotated[LinksQuery, Depends(built_in_loop(LinksQuery))],
) -> Response:
    return await serve_links(request, db, caller, state, table_format, query, suppressed=False)


class ThresholdIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    threshold: StrictInt = Field(ge=0, le=100, description="Counts from 1 to this are withheld; 0 withholds nothing")


class ThresholdOut(BaseModel):
    threshold: int = Field(description="Counts from 1 to this are withheld in published figures")


@admin_router.get("/suppression-threshold", response_model=ThresholdOut, summary="The council's threshold")
async def get_suppression_threshold(db: SessionDep, caller: AdminClient) -> ThresholdOut:
    return ThresholdOut(threshold=await council_threshold(db, caller.la_id))


@admin_router.put(
    "/suppression-threshold",
    response_model=ThresholdOut,
    summary="Set the council's small-number threshold (5 unless set)",
)
async def put_suppression_threshold(body: ThresholdIn, db: SessionDep, caller: AdminClient) -> ThresholdOut:
    await db.execute(
        update(LocalAuthority).where(LocalAuthority.id == caller.la_id).values(suppression_threshold=body.threshold)
    )
    return ThresholdOut(threshold=body.threshold)
