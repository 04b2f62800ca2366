"""What every score feed shares: who may read it, and how a page of rows is answered as JSON or CSV."""

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response

from services.api.access import requires
from services.api.auth import Caller
from services.api.paging import page_headers
from services.api.problems import V1_PROBLEMS
from services.api.responses import json_of
from services.api.tabular import TableFormat
from shared.access import Scope

BiClient = Annotated[Caller, requires(Scope.SCORES_READ)]
# A council's admin reads a feed whole, small numbers not withheld.
AdminClient = Annotated[Caller, requires(Scope.FIGURES_MANAGE)]


def scores_router() -> APIRouter:
    """Each module of score feeds has its own, all under one prefix and tag."""
    return APIRouter(prefix="/v1/scores", tags=["scores"], responses=V1_PROBLEMS)


def whole_scores_router() -> APIRouter:
    """The admin's copies of the feeds that withhold small numbers."""
    return APIRouter(prefix="/v1/admin", tags=["figures admin"], responses=V1_PROBLEMS)


def page_response(
    request: Request,
    table_format: TableFormat,
    name: str,
    columns: Sequence[str],
    rows: list[dict[str, Any]],
    cursor: str | None,
    more: bool,
    described: Mapping[str, Any] = {},
) -> Response:
    """A page as CSV (named `name`.csv), or as JSON: `described` (what the rows are), the columns, the rows and
    the cursor. Timestamps in the rows are already strings (services.api.tabular.plain)."""
    headers = page_headers(request, cursor, more)
    if table_format.csv:
        return table_format.csv_response(columns, rows, name, headers)
    body = {**described, "columns": list(columns), "items": rows, "next_cursor": cursor, "has_more": more}
    # One dump by pydantic's serializer: jsonable_encoder walking every cell cost a page of scores most of its CPU.
    return json_of(body, headers)
