"""Value for money for BI tools (domain.md §8): each child looked after with a weekly cost and a final assessment,
its cost per need point, and its cost against the median of its peers (the same max need, a total need within the
rules'), computed on reading from the kept decision figures under the council's rules and suppression threshold."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel, Field

from services.api import audit
from services.api.deps import SessionDep, StateDep
from services.api.paging import PAGE_LIMIT_QUERY, Cursor, check_limit, offset_page
from services.api.scores.decision_rows import PeerValueFields
from services.api.scores.rows import PSEUDONYM, columns_of
from services.api.scores.serving import BiClient, page_response, scores_router
from services.api.tabular import CSV_RESPONSE, TableFormatAsked
from services.api.types import built_in_loop
from shared.domain.kept_decision_figures import valued

router = scores_router()


class ChildCost(BaseModel):
    child_pseudonym: str = PSEUDONYM
    rules_version: int = Field(description="The version of the council's decision rules applied; 0: the shipped")
    current_group: str | None = Field(description="The current placement's group")
    weekly_cost: Decimal = Field(description="The current placement's weekly cost, pounds")
    total_need: int = Field(description="Total need at the latest assessment")
    max_need: int = Field(description="The highest need level at the latest assessment")
    cost_per_need_point: Decimal | None = Field(description="weekly_cost / total_need, half up to the penny")


class ValueRow(PeerValueFields, ChildCost):
    """The child's cost, then its peers' (a model's later base's fields come first)."""


class ValueOut(BaseModel):
    columns: list[str] = Field(description="The columns of the rows in order: the CSV header")
    items: list[ValueRow] = Field(description="The rows of this page")
    next_cursor: str | None = Field(description="Send as cursor for the next page; null on the last page")
    has_more: bool = Field(description="More rows wait")


@dataclass
class ValueQuery:
    high_cost: Annotated[bool | None, Query(description="Only the children flagged (true) or not (false)")] = None
    limit: PAGE_LIMIT_QUERY = 500
    cursor: Cursor = None


@router.get(
    "/value",
    response_model=ValueOut,
    responses=CSV_RESPONSE,
    summary="Value for money per child looked after: cost per need point, and cost against its peers' median",
    description="One row per child looked after with a weekly cost and a final assessment, by pseudonym; the "
    "cursor is the next row's offset.",
)
async def read_value(
    request: Request,
    db: SessionDep,
    caller: BiClient,
    state: StateDep,
    table_format: TableFormatAsked,
    query: Annotated[ValueQuery, Depends(built_in_loop(ValueQuery))],
) -> Response:
    limit, offset = check_limit(query.limit, state.settings), query.cursor or 0
    rows: list[dict[str, Any]] = [
        {
            "child_pseudonym": each.pseudonym,
            "rules_version": each.row.rules_version,
            "current_group": each.row.current_group,
            "weekly_cost": each.row.weekly_cost,
            "total_need": each.row.total_need,
            "max_need": each.row.max_need,
            "cost_per_need_point": each.row.cost_per_need_point,
            "peers": each.value.peers,
            "peer_median": each.value.peer_median,
            "high_cost": each.value.high_cost,
        }
        for each in await valued(db, caller.la_id)
        if query.high_cost is None or each.value.high_cost is query.high_cost
    ]
    page, next_offset, more = offset_page(rows, offset, limit)
    audit.saw_pseudonyms(db, {row["child_pseudonym"] for row in page})
    audit.note(db, rows=len(page))
    cursor = None if next_offset is None else str(next_offset)
    return page_response(request, table_format, "value", columns_of(ValueRow), page, cursor, more)
