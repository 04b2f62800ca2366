"""The per-child figures as at a past day, for the cohort figures as at it: each child's figures computed
anew, by the engine and code that compute the stored ones, from its final assessments (as they stand now)
dated on or before the day, into tables of this transaction only that the cohort aggregation then reads in
place of the stored figures. A child with no such assessment has no figures as at the day."""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import MetaData, Table, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from shared.domain.child_figures import compute_from, figure_rows, final_ratings_query, with_rci
from shared.models import Assessment, Child, ChildNeedsTrend, DomainNeedsTrend


@dataclass(frozen=True, slots=True)
class FigureTables:
    """Where the cohort aggregation reads per-child figures from: the stored ones, or a day's."""

    child: Any = ChildNeedsTrend
    domain: Any = DomainNeedsTrend


STORED = FigureTables()


def scratch_table(model: type[ChildNeedsTrend] | type[DomainNeedsTrend]) -> Table:
    source: Table = model.__table__  # type: ignore[assignment]
    return source.to_metadata(MetaData(), name=f"as_at_{source.name}")


async def figures_as_at(db: AsyncSession, la_id: uuid.UUID, day: date) -> FigureTables:
    """The council's per-child figures as at `day`, in temporary tables dropped at the end of the transaction."""
    tables = {model: scratch_table(model) for model in (ChildNeedsTrend, DomainNeedsTrend)}
    for model, table in tables.items():
        # Like the stored table, without its defaults: a scratch row takes no row version from the sequence.
        await db.execute(text(f"CREATE TEMPORARY TABLE {table.name} (LIKE {model.__tablename__}) ON COMMIT DROP"))
    ratings = (await db.execute(final_ratings_query(day).where(Assessment.la_id == la_id))).all()
    by_child: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for row in ratings:
        by_child[row.child_pk].append(row)
    now = datetime.now().astimezone()
    rows: dict[Any, list[dict[str, Any]]] = {ChildNeedsTrend: [], DomainNeedsTrend: []}
    for child in await db.scalars(select(Child).where(Child.id.in_(list(by_child))).order_by(Child.seq)):
        computed = await compute_from(db, child, by_child[child.id])
        if computed is None:
            continue
        definition, scale, inputs, trends = computed
        child_row, domain_rows = figure_rows(child, scale, inputs, trends, now)
        await with_rci(db, child_row, definition)
        rows[ChildNeedsTrend].append(child_row | {"row_version": 0})
        rows[DomainNeedsTrend].extend(row | {"row_version": 0} for row in domain_rows)
    for model, table in tables.items():
        if rows[model]:
            await db.execute(insert(table), rows[model])
    return FigureTables(
        aliased(ChildNeedsTrend, tables[ChildNeedsTrend], adapt_on_names=True),
        aliased(DomainNeedsTrend, tables[DomainNeedsTrend], adapt_on_names=True),
    )
