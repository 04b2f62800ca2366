"""The council's cohort figures: per domain (`/cohort`) and, once per slice and instrument, the counts of
children (`/cohort-children`), so a sum over rows never counts a child twice."""

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal

from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel, Field

from services.api import audit
from services.api.auth import Caller
from services.api.deps import SessionDep, StateDep
from services.api.paging import PAGE_LIMIT_QUERY, Cursor, check_limit
from services.api.scores.cohort import SLICE_DEFINITIONS, CohortTable, SliceName, slices_asked
from services.api.scores.cohort_withheld import as_published
from services.api.scores.rows import INSTANT, Instant
from services.api.scores.serving import AdminClient, BiClient, page_response, scores_router, whole_scores_router
from services.api.scores.withheld_rows import council_threshold
from services.api.tabular import CSV_RESPONSE, TableFormat, TableFormatAsked, instant
from services.api.types import IsoDate, built_in_loop
from shared.errors import InvalidInput, field_error

router = scores_router()
admin_router = whole_scores_router()
WITHHOLDING = (
    "Every count from 1 to the council's threshold (GET /v1/admin/suppression-threshold, 5 unless set) is withheld, "
    "with whatever would give one back through the row's totals or the other slices of the same instrument (and "
    "domain), and every share or mean built on one; the council's admin reads them whole at /v1/admin/cohort..."
)

WITHHELD = "; null when withheld (see suppressed)"
SUPPRESSED = Field(
    description="True when a count of this row is withheld: it was from 1 to the council's threshold, or would give "
    "one back through the row's totals or the other slices of the same instrument (and domain); the shares and means "
    "built on a withheld count are null too. Always false in the admin's copy (/v1/admin/cohort...)"
)
SUPPRESSED_COLUMNS = Field(description="The withheld columns, separated by spaces")
SLICE_FIELD = Field(default=None, description="Present only when sliced by it (see slices.definitions)")


class Slices(BaseModel):
    """The slice columns come first, only those asked for."""

    age_band: Literal["under_1", "1_4", "5_9", "10_15", "16_plus"] | None = SLICE_FIELD
    sex: str | None = SLICE_FIELD
    ethnicity: str | None = SLICE_FIELD
    uasc: bool | None = SLICE_FIELD
    legal_status: str | None = SLICE_FIELD
    placement_group: str | None = SLICE_FIELD
    provider: str | None = SLICE_FIELD


class SliceColumns(Slices):
    """The slices, then the instrument the figures are of."""

    instrument_code: str = Field(description="The instrument the figures are of")
    instrument_version: int = Field(description="Its version")


class CohortRow(SliceColumns):
    """One slice combination, instrument and domain."""

    domain: str = Field(description="The instrument's domain code (see /v1/scores/domains)")
    children_counted: int | None = Field(
        description="Children of the slice with a rated latest level in the domain" + WITHHELD
    )
    actionable_count: int | None = Field(description="Of those, children whose latest level is actionable" + WITHHELD)
    actionable_prevalence: float | None = Field(description="actionable_count / children_counted, 4 places")
    mean_change_since_baseline: float | None = Field(description="Over children_counted, 4 places")
    improving_count: int | None = Field(description="Children whose direction in the domain is improving" + WITHHELD)
    worsening_count: int | None = Field(description="Children whose direction in the domain is worsening" + WITHHELD)
    resolved_count: int | None = Field(description="Children with the domain among their resolved needs" + WITHHELD)
    new_need_count: int | None = Field(description="Children with the domain among their new needs" + WITHHELD)
    suppressed: bool = SUPPRESSED
    suppressed_columns: str = SUPPRESSED_COLUMNS


class CohortChildrenRow(SliceColumns):
    """One slice combination and instrument: counts of children, each counted once."""

    children_in_slice: int | None = Field(description="Children of the slice with figures of the instrument" + WITHHELD)
    children_with_verdict: int | None = Field(
        description="Of those, children with a reliable-change verdict" + WITHHELD
    )
    reliably_improved_count: int | None = Field(
        description="Of those, children whose verdict is reliable_improvement" + WITHHELD
    )
    reliably_worse_count: int | None = Field(
        description="Of those, children whose verdict is reliable_deterioration" + WITHHELD
    )
    reliably_improved_share: float | None = Field(
        description="reliably_improved_count / children_with_verdict, 4 places; null with no verdict"
    )
    reliably_worse_share: float | None = Field(
        description="reliably_worse_count / children_with_verdict, 4 places; null with no verdict"
    )
    suppressed: bool = SUPPRESSED
    suppressed_columns: str = SUPPRESSED_COLUMNS


class CohortSlices(BaseModel):
    by: list[SliceName] = Field(description="The slices of the rows, in the order of their columns")
    definitions: dict[str, str] = Field(description="How each slice's value is found for a child, by slice name")


class CohortOut(BaseModel):
    computed_at: Instant = Field(description=f"When these were aggregated from the per-child figures, {INSTANT}")
    as_at: date | None = Field(description="The day the figures are as at (see the as_at parameter); null: now")
    slices: CohortSlices = Field(description="The slices asked for and their definitions")
    columns: list[str] = Field(description="The columns of the rows in order: the CSV header")
    items: list[CohortRow] = Field(description="The rows of this page")
    next_cursor: str | None = Field(description="Send as cursor for the next page; null on the last page")
    has_more: bool = Field(description="More rows wait")


class CohortChildrenOut(CohortOut):
    items: list[CohortChildrenRow] = Field(description="The rows of this page")  # type: ignore[assignment]


PAGING = (
    "The figures are aggregated from the per-child figures and served again until those change, so the cursor is "
    "the offset of the next row in that order: read the pages of one report in one go, as figures recomputed in "
    "between move rows. A client may have a few of these reads in flight at once; beyond, 429."
)


ByQuery = Annotated[
    list[SliceName] | None, Query(description="Slice by these (repeat the parameter); none: the whole council")
]
AS_AT = (
    "The figures as at this day (YYYY-MM-DD, not after today): each child's figures computed from its final "
    "assessments, as they stand now, dated on or before it, with the council's reference SD now; its age and "
    "placement episode on the day; a child with no assessment dated by then not counted. None: the figures now."
)
AsAtQuery = Annotated[IsoDate | None, Query(description=AS_AT)]


@dataclass
class CohortQuery:
    by: ByQuery = None
    as_at: AsAtQuery = None
    limit: PAGE_LIMIT_QUERY = 500
    cursor: Cursor = None


async def serve_cohort(
    request: Request,
    db: SessionDep,
    caller: Caller,
    state: StateDep,
    table_format: TableFormat,
    table: CohortTable,
    query: CohortQuery,
    *,
    whole: bool,
) -> Response:
    slices, as_at = slices_asked(query.by), query.as_at
    limit = check_limit(query.limit, state.settings)
    if as_at is not None and as_at > date.today():
        raise InvalidInput(
            "The figures cannot be as at a day to come.", errors=[field_error("as_at", "not after today")]
        )
    # Each aggregates the whole council: a client gets a few at once, and a repeat is served as kept.
    async with state.expensive_reads.slot(caller.holder):
        kept = await state.cohort_cache.read(db, caller.la_id, slices, table, date.today(), as_at)
    cohort = as_published(kept, table, None if whole else await council_threshold(db, caller.la_id))
    page = cohort.page(query.cursor or 0, limit)
    audit.note(db, rows=len(page.rows), by=list(slices), as_at=None if as_at is None else as_at.isoformat())
    next_cursor = None if page.next_offset is None else str(page.next_offset)
    described = {
        "computed_at": instant(cohort.computed_at),
        "as_at": None if as_at is None else as_at.isoformat(),
        "slices": {"by": list(slices), "definitions": {name: SLICE_DEFINITIONS[name] for name in slices}},
    }
    name = ("cohort" if table == "domains" else "cohort-children") + (f"-as-at-{as_at.isoformat()}" if as_at else "")
    return page_response(request, table_format, name, page.columns, page.rows, next_cursor, page.has_more, described)


def cohort_route(table: CohortTable, model: type[CohortOut], name: str, summary: str, description: str) -> None:
    """The published table for BI, and the admin's whole copy (named `name` with _whole)."""

    async def read_cohort_table(
        request: Request,
        db: SessionDep,
        caller: BiClient,
        state: StateDep,
        table_format: TableFormatAsked,
        query: Annotated[CohortQuery, Depends(built_in_loop(CohortQuery))],
    ) -> Response:
        return await serve_cohort(request, db, caller, state, table_format, table, query, whole=False)

    async def read_whole_cohort_table(
        request: Request,
        db: SessionDep,
        caller: AdminClient,
        state: StateDep,
        table_format: TableFormatAsked,
        query: Annotated[CohortQuery, Depends(built_in_loop(CohortQuery))],
    ) -> Response:
        return await serve_cohort(request, db, caller, state, table_format, table, query, whole=True)

    path = "/cohort" if table == "domains" else "/cohort-children"
    for routes, read, route_name, described in (
        (router, read_cohort_table, name, description + " " + WITHHOLDING),
        (admin_router, read_whole_cohort_table, f"{name}_whole", description + " Nothing is withheld."),
    ):
        routes.add_api_route(
            path,
            read,
            methods=["GET"],
            response_model=model,
            responses=CSV_RESPONSE,
            summary=summary,
            description=described + " " + PAGING,
            name=route_name,
        )


cohort_route(
    "domains",
    CohortOut,
    "read_cohort_figures",
    "The council's children taken together, per domain and any slices: actionable need and change",
    "One row per slice combination, instrument and domain, in a fixed order (slice values, age bands youngest first "
    "and nulls last, then instrument and the domain's place in it). The counts of children and their reliable "
    "change are in /v1/scores/cohort-children.",
)
cohort_route(
    "children",
    CohortChildrenOut,
    "read_cohort_children",
    "The council's children taken together, per instrument and any slices: children and reliable change",
    "One row per slice combination and instrument, in the order of /v1/scores/cohort, each child counted once: "
    "sums over rows are counts of children.",
)
