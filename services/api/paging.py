"""Keyset paging shared by every list that can grow without bound: a page size capped by
PAGE_MAX_SIZE and an opaque increasing cursor."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query, Request

from services.api.types import built_in_loop
from shared.errors import InvalidInput, field_error
from shared.settings import Settings

MAX_CURSOR = 2**63 - 1  # cursors are bigint row versions or ids

PAGE_LIMIT_QUERY = Annotated[int, Query(ge=1, description="Rows per page, at most PAGE_MAX_SIZE (1,000 by default)")]
Cursor = Annotated[int | None, Query(ge=0, le=MAX_CURSOR, description="next_cursor from the previous page")]


@dataclass
class PageQuery:
    limit: PAGE_LIMIT_QUERY = 500
    cursor: Cursor = None


PageAsked = Annotated[PageQuery, Depends(built_in_loop(PageQuery))]


def check_limit(limit: int, settings: Settings) -> int:
    if limit > settings.page_max_size:
        raise InvalidInput("The page is too large.", errors=[field_error("limit", f"at most {settings.page_max_size}")])
    return limit


Row = TypeVar("Row")


@dataclass(frozen=True, slots=True)
class Keyset(Generic[Row]):
    rows: list[Row]
    next_cursor: str | None
    has_more: bool


def keyset_page(fetched: Sequence[Row], limit: int, cursor: int | None, key: Callable[[Row], int]) -> Keyset[Row]:
    """From limit + 1 rows read past the cursor: the page, whether more wait, and the cursor to go on
    from. The cursor is given even on the last page: kept, it later asks for what came since."""
    rows = list(fetched[:limit])
    last = key(rows[-1]) if rows else cursor
    return Keyset(rows, None if last is None else str(last), len(fetched) > limit)


def page_headers(request: Request, cursor: str | None, more: bool) -> dict[str, str]:
    """X-Next-Cursor whenever there is a cursor, and while more rows wait a Link to the next page: this request with
    the cursor, relative to it (RFC 8288). Absolute, it would name whatever host the Host header claimed, and that
    header is the caller's to write."""
    if cursor is None:
        return {}
    headers = {"X-Next-Cursor": cursor}
    if more:
        url = request.url.include_query_params(cursor=cursor)
        headers["Link"] = f'<{url.path}?{url.query}>; rel="next"'
    return headers


def offset_page(rows: Sequence[Row], offset: int, limit: int) -> tuple[list[Row], int | None, bool]:
    """A page of rows read whole: the page, the next row's offset as the cursor (None on the last page), and
    whether more rows wait."""
    page = list(rows[offset : offset + limit])
    more = offset + limit < len(rows)
    return page, offset + len(page) if more else None, more
