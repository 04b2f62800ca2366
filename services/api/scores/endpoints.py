"""Score tables for BI tools: one route per table, all paged, filtered and served the same way; the
erasures feed that tells a synced copy which children to drop. The other feeds (cohort figures, the
children's dimensions, code and domain labels) live beside this module, each with a router of its own."""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response
from sqlalchemy import select

from services.api import audit
from services.api.deps import SessionDep, StateDep
from services.api.paging import PageAsked, PageQuery, check_limit, keyset_page
from services.api.scores.rows import ErasureRow, Page, columns_of
from services.api.scores.serving import BiClient, page_response, scores_router
from services.api.scores.tables import (
    DECISION_SUPPORT,
    NEEDS_SUMMARY,
    NEEDS_TRENDS,
    OUTCOME_AREA_REMOVALS,
    OUTCOME_AREAS,
    OUTCOME_MEASURES,
    ScoreTable,
    read_page,
)
from services.api.tabular import CSV_RESPONSE, TableFormatAsked, plain
from services.api.types import Id, UtcDateTime, built_in_loop
from shared.models import Erasure

router = scores_router()


@dataclass
class ScoreQuery(PageQuery):
    child_pseudonym: Annotated[Id | None, Query(max_length=32, description="Only this child")] = None
    updated_since: Annotated[
        UtcDateTime | None, Query(description="Only rows computed (a removal: made) at or after this instant")
    ] = None


ScoreAsked = Annotated[ScoreQuery, Depends(built_in_loop(ScoreQuery))]


def score_route(table: ScoreTable, summary: str) -> None:
    async def read_scores(
        request: Request,
        db: SessionDep,
        caller: BiClient,
        state: StateDep,
        query: ScoreAsked,
        table_format: TableFormatAsked,
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
            request, table_format, table.name, table.columns, page.rows, page.next_cursor, page.has_more
        )

    router.add_api_route(
        f"/{table.name}",
        read_scores,
        methods=["GET"],
        response_model=Page[table.row],  # type: ignore[name-defined]
        responses=CSV_RESPONSE,
        summary=summary,
        name=f"read_{table.name.replace('-', '_')}",
    )


score_route(NEEDS_TRENDS, "Needs trends per child and domain")
score_route(NEEDS_SUMMARY, "Needs summary per child")
score_route(OUTCOME_AREAS, "Outcome figures per child and outcome area: area need and outcome index (domain.md §5)")
score_route(OUTCOME_MEASURES, "Outcome figures per child and measure code: baseline, latest, change and bands")
score_route(
    OUTCOME_AREA_REMOVALS,
    "Outcome area rows that went (a child's figures cleared, an area no longer rated): drop them from a synced "
    "copy. Their row versions are of the figures' sequence: applied in that order with the rows, a copy stays true",
)
score_route(
    DECISION_SUPPORT,
    "Decision support per child looked after (domain.md §8): step-down candidates and the reasons others are ruled "
    "out, stability risks with their evidence, joint-funding flags and the cost per need point, under the council's "
    "decision rules; kept current by the worker",
)


@router.get(
    "/erasures",
    response_model=Page[ErasureRow],
    responses=CSV_RESPONSE,
    summary="Children erased on request, by pseudonym, oldest first: drop them from any synced copy",
)
async def read_erasures(
    request: Request,
    db: SessionDep,
    caller: BiClient,
    state: StateDep,
    table_format: TableFormatAsked,
    paging: PageAsked,
) -> Response:
    limit, cursor = check_limit(paging.limit, state.settings), paging.cursor
    query = select(Erasure).where(Erasure.la_id == caller.la_id).order_by(Erasure.id).limit(limit + 1)
    if cursor is not None:
        query = query.where(Erasure.id > cursor)
    page = keyset_page(list(await db.scalars(query)), limit, cursor, lambda erasure: erasure.id)
    rows: list[dict[str, Any]] = [
        {"child_pseudonym": e.child_pseudonym, "erased_at": plain(e.erased_at)} for e in page.rows
    ]
    audit.note(db, rows=len(rows))
    columns = columns_of(ErasureRow)
    return page_response(request, table_format, "erasures", columns, rows, page.next_cursor, page.has_more)
