"""Per-child dimensions for a BI model: one row per child of the council, by pseudonym, with the values the
cohort figures slice by, so a model can join the per-child tables to them and slice as it likes."""

from datetime import date
from typing import Any

from fastapi import Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from services.api import audit
from services.api.deps import SessionDep, StateDep
from services.api.paging import PageAsked, check_limit, keyset_page
from services.api.scores.cohort import SLICE_DEFINITIONS, sliced_children
from services.api.scores.rows import PSEUDONYM, Page, columns_of
from services.api.scores.serving import BiClient, page_response, scores_router
from services.api.tabular import CSV_RESPONSE, TableFormatAsked
from shared.models import Child

router = scores_router()


class ChildDimensionsRow(BaseModel):
    child_pseudonym: str = PSEUDONYM
    age_band: str = Field(description=SLICE_DEFINITIONS["age_band"])
    sex: str = Field(description=SLICE_DEFINITIONS["sex"] + " (labels: /v1/scores/codes, code_list SEX)")
    ethnicity: str = Field(description=SLICE_DEFINITIONS["ethnicity"] + " (labels: code_list ETHNIC)")
    uasc: bool = Field(description=SLICE_DEFINITIONS["uasc"])
    legal_status: str | None = Field(description=SLICE_DEFINITIONS["legal_status"] + " (labels: code_list LS)")
    placement_group: str | None = Field(description=SLICE_DEFINITIONS["placement_group"])
    provider: str | None = Field(description=SLICE_DEFINITIONS["provider"])


COLUMNS = columns_of(ChildDimensionsRow)


@router.get(
    "/children",
    response_model=Page[ChildDimensionsRow],
    responses=CSV_RESPONSE,
    summary="Every child of the council by pseudonym, with its dimensions: age band, sex, ethnicity, UASC, "
    "legal status, placement group, provider",
    description=(
        "Pseudonymous: no ids, names or dates of birth. Paged by cursor in the order children were first "
        "recorded; the last cursor later returns only children recorded since, while a child's dimensions "
        "change with its age and placements, so read the table whole at each refresh."
    ),
)
async def read_children_dimensions(
    request: Request,
    db: SessionDep,
    caller: BiClient,
    state: StateDep,
    table_format: TableFormatAsked,
    paging: PageAsked,
) -> Response:
    limit, cursor = check_limit(paging.limit, state.settings), paging.cursor
    sliced = sliced_children(caller.la_id, date.today())
    query = (
        select(Child.pseudonym, *(sliced.c[name] for name in COLUMNS[1:]), Child.seq)
        .join(sliced, sliced.c.child_pk == Child.id)
        .where(Child.la_id == caller.la_id)
        .order_by(Child.seq)
        .limit(limit + 1)
    )
    if cursor is not None:
        query = query.where(Child.seq > cursor)
    page = keyset_page((await db.execute(query)).all(), limit, cursor, lambda row: int(row.seq))
    rows: list[dict[str, Any]] = [dict(zip(COLUMNS, row[:-1], strict=True)) for row in page.rows]
    audit.saw_pseudonyms(db, {row["child_pseudonym"] for row in rows})
    audit.note(db, rows=len(rows))
    return page_response(request, table_format, "children", COLUMNS, rows, page.next_cursor, page.has_more)
