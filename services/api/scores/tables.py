"""Flat score tables for BI tools: stable column names, one generic keyset pager for all of them.
Children appear by pseudonym only: BI tools never see the council's child ids."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from pydantic import BaseModel
from sqlalchemy import DateTime
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.paging import Keyset, keyset_page
from services.api.scores.decision_rows import DecisionRow
from services.api.scores.rows import (
    NeedsSummaryRow,
    NeedsTrendRow,
    OutcomeAreaRemovalRow,
    OutcomeAreaRow,
    OutcomeMeasureRow,
    columns_of,
)
from services.api.tabular import plain
from shared.db import driver
from shared.models import (
    ChildDecisionFigures,
    ChildNeedsTrend,
    ChildOutcomeArea,
    ChildOutcomeMeasure,
    DomainNeedsTrend,
    OutcomeAreaRemoval,
)


@dataclass(frozen=True, slots=True)
class ScoreTable:
    name: str
    model: (
        type[ChildNeedsTrend]
        | type[DomainNeedsTrend]
        | type[ChildOutcomeArea]
        | type[ChildOutcomeMeasure]
        | type[OutcomeAreaRemoval]
        | type[ChildDecisionFigures]
    )
    row: type[BaseModel]  # its fields are the public columns, in order; changing them breaks BI bindings
    stamp: str = "computed_at"  # the instant `updated_since` is of

    @property
    def columns(self) -> tuple[str, ...]:
        return columns_of(self.row)


@cache
def instants_of(table: ScoreTable) -> tuple[str, ...]:
    """Its timestamp columns: the only cells `plain` rewrites, so the only ones it is asked about."""
    columns = table.model.__table__.c
    return tuple(name for name in table.columns if name in columns and isinstance(columns[name].type, DateTime))


NEEDS_TRENDS = ScoreTable("needs-trends", DomainNeedsTrend, NeedsTrendRow)
NEEDS_SUMMARY = ScoreTable("needs-summary", ChildNeedsTrend, NeedsSummaryRow)
OUTCOME_AREAS = ScoreTable("outcome-areas", ChildOutcomeArea, OutcomeAreaRow)
OUTCOME_MEASURES = ScoreTable("outcome-measures", ChildOutcomeMeasure, OutcomeMeasureRow)
DECISION_SUPPORT = ScoreTable("decision-support", ChildDecisionFigures, DecisionRow)
OUTCOME_AREA_REMOVALS = ScoreTable(
    "outcome-area-removals", OutcomeAreaRemoval, OutcomeAreaRemovalRow, stamp="removed_at"
)


def page_statement(table: ScoreTable, filters: list[str]) -> str:
    """A page of the table's rows in the council ($1), past the filters given (each naming its own parameter),
    at most the last parameter's count. Written as SQL and run on the session's asyncpg connection: the
    ORM's statement building and result processing cost a page of scores more than the database did."""
    columns = ", ".join(
        "c.pseudonym AS child_pseudonym" if name == "child_pseudonym" else f"t.{name}" for name in table.columns
    )
    conditions = " AND ".join(["t.la_id = $1", *filters])
    return f"""
SELECT {columns}, t.row_version
FROM {table.model.__tablename__} t JOIN children c ON c.id = t.child_pk
WHERE {conditions}
ORDER BY t.row_version
LIMIT ${len(filters) + 2}
"""


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
    filters: list[str] = []
    values: list[Any] = [la_id]
    for condition, value in (
        ("t.row_version > ", cursor),
        ("c.pseudonym = ", child_pseudonym),
        (f"t.{table.stamp} >= ", updated_since),
    ):
        if value is not None:
            values.append(value)
            filters.append(f"{condition}${len(values)}")
    fetched = await (await driver(db)).fetch(page_statement(table, filters), *values, limit + 1)
    page = keyset_page(fetched, limit, cursor, lambda row: int(row["row_version"]))
    rows = []
    for row in page.rows:
        cells = dict(row)  # the table's columns in order, then the row version
        del cells["row_version"]
        for name in instants_of(table):
            cells[name] = plain(cells[name])
        rows.append(cells)
    return Keyset(rows, page.next_cursor, page.has_more)
