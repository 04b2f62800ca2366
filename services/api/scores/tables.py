"""Flat score tables for BI tools: stable column names, one generic keyset pager for all of them.
Children appear by pseudonym only: BI tools never see the council's child ids."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.paging import Keyset, keyset_page
from services.api.scores.rows import NeedsSummaryRow, NeedsTrendRow, columns_of
from services.api.tabular import plain
from shared.models import Child, ChildNeedsTrend, DomainNeedsTrend


@dataclass(frozen=True, slots=True)
class ScoreTable:
    name: str
    model: type[ChildNeedsTrend] | type[DomainNeedsTrend]
    row: type[BaseModel]  # its fields are the public columns, in order; changing them breaks BI bindings

    @property
    def columns(self) -> tuple[str, ...]:
        return columns_of(self.row)


NEEDS_TRENDS = ScoreTable("needs-trends", DomainNeedsTrend, NeedsTrendRow)
NEEDS_SUMMARY = ScoreTable("needs-summary", ChildNeedsTrend, NeedsSummaryRow)


def selected(table: ScoreTable) -> list[Any]:
    model = table.model
    return [Child.pseudonym if name == "child_pseudonym" else getattr(model, name) for name in table.columns]


async def read_page(
    db: AsyncSession,
    table: ScoreTable,
    la_id: uuid.UUID,
    *,
    limit: int,
    cursor: int | None,
    child_pseudonym: str | None,
    updated_since: datetime | None,
) -> Keyset[dict[str, Any]]:
    model = table.model
    query = (
        select(*selected(table), model.row_version)
        .join(Child, Child.id == model.child_pk)
        .where(model.la_id == la_id)
        .order_by(model.row_version)
        .limit(limit + 1)
    )
    if cursor is not None:
        query = query.where(model.row_version > cursor)
    if child_pseudonym is not None:
        query = query.where(Child.pseudonym == child_pseudonym)
    if updated_since is not None:
        query = query.where(model.computed_at >= updated_since)
    page = keyset_page((await db.execute(query)).all(), limit, cursor, lambda row: int(row.row_version))
    rows = [{name: plain(value) for name, value in zip(table.columns, row[:-1], strict=True)} for row in page.rows]
    return Keyset(rows, page.next_cursor, page.has_more)
