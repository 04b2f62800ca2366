"""Flat score tables for BI tools: stable column names, one generic keyset pager for all of them.
Children appear by pseudonym only: BI tools never see the council's child ids."""

import csv
import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.paging import Keyset, keyset_page
from shared.models import Child, ChildNeedsTrend, DomainNeedsTrend


@dataclass(frozen=True, slots=True)
class ScoreTable:
    name: str
    model: type[ChildNeedsTrend] | type[DomainNeedsTrend]
    columns: tuple[str, ...]  # the public column names, in order; changing them breaks BI bindings


NEEDS_TRENDS = ScoreTable(
    "needs-trends",
    DomainNeedsTrend,
    (
        "child_pseudonym",
        "domain",
        "ratings_count",
        "baseline",
        "previous",
        "latest",
        "change_since_baseline",
        "change_since_previous",
        "slope_per_year",
        "direction",
        "first_assessed_on",
        "latest_assessed_on",
        "strength_ratings_count",
        "strength_baseline",
        "strength_previous",
        "strength_latest",
        "strength_change_since_baseline",
        "strength_change_since_previous",
        "strength_slope_per_year",
        "strength_direction",
        "computed_at",
    ),
)
NEEDS_SUMMARY = ScoreTable(
    "needs-summary",
    ChildNeedsTrend,
    (
        "child_pseudonym",
        "instrument_code",
        "instrument_version",
        "assessments_count",
        "baseline_assessed_on",
        "latest_assessed_on",
        "total_need",
        "max_need",
        "actionable_count",
        "intensive_count",
        "baseline_total_need",
        "baseline_max_need",
        "baseline_actionable_count",
        "baseline_intensive_count",
        "resolved_needs",
        "new_needs",
        "mixed_progress",
        "total_strength",
        "baseline_total_strength",
        "rci",
        "rci_verdict",
        "computed_at",
    ),
)


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
    rows = [dict(zip(table.columns, row[:-1], strict=True)) for row in page.rows]
    return Keyset(rows, page.next_cursor, page.has_more)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    if isinstance(value, list):
        value = ";".join(str(v) for v in value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        # A council id like =HYPERLINK(...) would run as a formula in Excel; numbers are left as numbers.
        return "'" + value
    return "" if value is None else value


def to_csv(columns: Sequence[str], rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([csv_cell(row[name]) for name in columns] for row in rows)
    return out.getvalue()
