"""Keyset paging shared by every list that can grow without bound: a page size capped by
PAGE_MAX_SIZE and an opaque increasing cursor."""

from typing import Annotated

from fastapi import Query

from shared.errors import InvalidInput, field_error
from shared.settings import Settings

MAX_CURSOR = 2**63 - 1  # cursors are bigint row versions or ids

PAGE_LIMIT_QUERY = Annotated[int, Query(ge=1, description="Rows per page, at most PAGE_MAX_SIZE (1,000 by default)")]
Cursor = Annotated[int | None, Query(ge=0, le=MAX_CURSOR, description="next_cursor from the previous page")]


def check_limit(limit: int, settings: Settings) -> int:
    if limit > settings.page_max_size:
        raise InvalidInput("The page is too large.", errors=[field_error("limit", f"at most {settings.page_max_size}")])
    return limit
