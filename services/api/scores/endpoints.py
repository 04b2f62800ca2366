"""Score tables for BI tools: one route per table, all paged, filtered and served the same way; the
erasures feed that tells a synced copy which children to drop; the council's cohort figures."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from services.api import audit
from services.api.access import requires
from services.api.auth import Caller
from services.api.deps import SessionDep, StateDep
from services.api.paging import PAGE_LIMIT_QUERY, Cursor, check_limit, keyset_page, page_headers
from services.api.problems import V1_PROBLEMS
from services.api.responses import json_of
from services.api.scores.cohort import SLICE_DEFINITIONS, SliceName, slices_asked
from services.api.scores.tables import NEEDS_SUMMARY, NEEDS_TRENDS, ScoreTable, read_page, to_csv
from services.api.types import Id, UtcDateTime
from shared.access import Scope
from shared.models import Erasure

router = APIRouter(prefix="/v1/scores", tags=["scores"], responses=V1_PROBLEMS)
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}}}}
BiClient = Annotated[Caller, requires(Scope.SCORES_READ)]
FormatQuery = Annotated[Literal["json", "csv"] | None, Query(description="Or send Accept: text/csv")]


class ScorePage(BaseModel):
    columns: list[str]
    items: list[dict[str, Any]]
    next_cursor: str | None = Field(
        description="Send as cursor for the next page, or later for the rows computed since (incremental sync)"
    )
    has_more: bool = Field(description="More rows wait now; when false, the cursor still serves a later sync")


@dataclass
class ScoreQuery:
    limit: PAGE_LIMIT_QUERY = 500
    cursor: Cursor = None
    child_pseudonym: Annotated[Id | None, Query(max_length=32, description="Only this child")] = None
    updated_since: Annotated[UtcDateTime | None, Query(description="Only rows computed at or after this instant")] = (
        None
    )
    format: FormatQuery = None


def wants_csv(format_: str | None, accept: str | None) -> bool:
    return format_ == "csv" or (format_ is None and "text/csv" in (accept or ""))


def page_response(
    request: Request, columns: tuple[str, ...], rows: list[dict[str, Any]], cursor: str | None, more: bool, csv: bool
) -> Response:
    headers = page_headers(request, cursor, more)
    if csv:
        return Response(to_csv(columns, rows), media_type="text/csv; charset=utf-8", headers=headers)
    return json_of(ScorePage(columns=list(columns), items=rows, next_cursor=cursor, has_more=more), headers)


def score_route(table: ScoreTable, summary: str) -> None:
    async def read_scores(
        request: Request,
        db: SessionDep,
        caller: BiClient,
        state: StateDep,
        query: Annotated[ScoreQuery, Depends()],
        accept: Annotated[str | None, Header()] = None,
    ) -> Response:
        page = await read_page(
            db,
            table,
            caller.la_id,
            limit=check_limit(query.limit, state.settings),
            cursor=query.cursor,
            child_pseudonym=query.child_pseudonym,
            updated_since=query.updated_since,
        )
        audit.saw_pseudonyms(db, {row["child_pseudonym"] for row in page.rows})
        audit.note(db, rows=len(page.rows))
        return page_response(
            request, table.columns, page.rows, page.next_cursor, page.has_more, wants_csv(query.format, accept)
        )

    router.add_api_route(
        f"/{table.name}",
        read_scores,
        methods=["GET"],
        response_model=ScorePage,
        responses=CSV_RESPONSE,
        summary=summary,
        name=f"read_{table.name.replace('-', '_')}",
    )


score_route(NEEDS_TRENDS, "Needs trends per child and domain")
score_route(NEEDS_SUMMARY, "Needs summary per child")

ERASURE_COLUMNS = ("child_pseudonym", "erased_at")


@router.get(
    "/erasures",
    response_model=ScorePage,
    responses=CSV_RESPONSE,
    summary="Children erased on request, by pseudonym, oldest first: drop them from any synced copy",
)
async def read_erasures(
    request: Request,
    db: SessionDep,
    caller: BiClient,
    state: StateDep,
    limit: PAGE_LIMIT_QUERY = 500,
    cursor: Cursor = None,
    format: FormatQuery = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    limit = check_limit(limit, state.settings)
    query = select(Erasure).where(Erasure.la_id == caller.la_id).order_by(Erasure.id).limit(limit + 1)
    if cursor is not None:
        query = query.where(Erasure.id > cursor)
    page = keyset_page(list(await db.scalars(query)), limit, cursor, lambda erasure: erasure.id)
    rows: list[dict[str, Any]] = [{"child_pseudonym": e.child_pseudonym, "erased_at": e.erased_at} for e in page.rows]
    audit.note(db, rows=len(rows))
    return page_response(request, ERASURE_COLUMNS, rows, page.next_cursor, page.has_more, wants_csv(format, accept))


SLICE_FIELD = Field(default=None, description="Present only when sliced by it (see slices.definitions)")


class CohortRow(BaseModel):
    """One slice combination, instrument and domain. The slice columns come first, only those asked for."""

    age_band: Literal["under_1", "1_4", "5_9", "10_15", "16_plus"] | None = SLICE_FIELD
    sex: str | None = SLICE_FIELD
    ethnicity: str | None = SLICE_FIELD
    uasc: bool | None = SLICE_FIELD
    legal_status: str | None = SLICE_FIELD
    placement_group: str | None = SLICE_FIELD
    provider: str | None = SLICE_FIELD
    instrument_code: str
    instrument_version: int
    domain: str
    children_counted: int = Field(description="Children of the slice with a rated latest level in the domain")
    actionable_count: int = Field(description="Of those, children whose latest level is actionable")
    actionable_prevalence: float | None = Field(description="actionable_count / children_counted, 4 places")
    mean_change_since_baseline: float | None = Field(description="Over children_counted, 4 places")
    improving_count: int = Field(description="Children whose direction in the domain is improving")
    worsening_count: int = Field(description="Children whose direction in the domain is worsening")
    resolved_count: int = Field(description="Children with the domain among their resolved needs")
    new_need_count: int = Field(description="Children with the domain among their new needs")
    children_in_slice: int = Field(description="Children of the slice with figures of the instrument")
    children_with_verdict: int = Field(description="Of those, children with a reliable-change verdict")
    reliably_improved_count: int
    reliably_worse_count: int
    reliably_improved_share: float | None = Field(
        description="reliably_improved_count / children_with_verdict, 4 places; null with no verdict"
    )
    reliably_worse_share: float | None = Field(
        description="reliably_worse_count / children_with_verdict, 4 places; null with no verdict"
    )


class CohortSlices(BaseModel):
    by: list[SliceName] = Field(description="The slices of the rows, in the order of their columns")
    definitions: dict[str, str] = Field(description="How each slice's value is found for a child")


class CohortOut(BaseModel):
    computed_at: datetime = Field(description="When these were aggregated from the per-child figures")
    slices: CohortSlices
    columns: list[str]
    items: list[CohortRow]
    next_cursor: str | None = Field(description="Send as cursor for the next page; null on the last page")
    has_more: bool


@router.get(
    "/cohort",
    response_model=CohortOut,
    responses=CSV_RESPONSE,
    summary="The council's children taken together, per domain and any slices: actionable need and change",
    description=(
        "One row per slice combination, instrument and domain, in a fixed order (slice values, age bands "
        "youngest first and nulls last, then instrument and the domain's place in it). The figures are "
        "aggregated from the per-child figures and served again until those change, so the cursor is the offset "
        "of the next row in that order: read the pages of one report in one go, as figures recomputed in between "
        "move rows. A client may have a few of these reads in flight at once; beyond, 429."
    ),
)
async def read_cohort_figures(
    request: Request,
    db: SessionDep,
    caller: BiClient,
    state: StateDep,
    by: Annotated[
        list[SliceName] | None,
        Query(description="Slice by these (repeat the parameter); none: the whole council"),
    ] = None,
    limit: PAGE_LIMIT_QUERY = 500,
    cursor: Cursor = None,
    format: FormatQuery = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    slices = slices_asked(by)
    limit = check_limit(limit, state.settings)
    # Each aggregates the whole council: a client gets a few at once, and a repeat is served as kept.
    async with state.expensive_reads.slot(caller.client_id):
        cohort = await state.cohort_cache.read(db, caller.la_id, slices, date.today())
    page = cohort.page(cursor or 0, limit)
    audit.note(db, rows=len(page.rows), by=list(slices))
    next_cursor = None if page.next_offset is None else str(page.next_offset)
    headers = page_headers(request, next_cursor, page.has_more)
    if wants_csv(format, accept):
        return Response(to_csv(page.columns, page.rows), media_type="text/csv; charset=utf-8", headers=headers)
    body = {
        "computed_at": cohort.computed_at.isoformat(),
        "slices": {"by": list(slices), "definitions": {name: SLICE_DEFINITIONS[name] for name in slices}},
        "columns": list(page.columns),
        "items": page.rows,
        "next_cursor": next_cursor,
        "has_more": page.has_more,
    }
    return JSONResponse(body, headers=headers)
