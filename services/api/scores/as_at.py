"""Where the cohort aggregation reads per-child figures from: the stored ones, or a day's, computed by
shared/domain/figures_as_at.py into temporary tables that the aggregation reads in place of the stored."""

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import MetaData, Table
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from shared.domain import figures_as_at as computed_as_at
from shared.domain.figures_copy import Sink
from shared.models import Base, ChildNeedsTrend, DomainNeedsTrend


@dataclass(frozen=True, slots=True)
class FigureTables:
    """The figures tables a cohort reads, as ORM entities."""

    child: Any = ChildNeedsTrend
    domain: Any = DomainNeedsTrend


STORED = FigureTables()


def named(model: type[Base], name: str) -> Any:
    """The model's columns over another table of its shape."""
    source: Table = model.__table__  # type: ignore[assignment]
    return aliased(model, source.to_metadata(MetaData(), name=name), adapt_on_names=True)


async def figures_as_at(db: AsyncSession, la_id: uuid.UUID, day: date) -> FigureTables:
    """The council's per-child figures as at `day`: the transaction's first work (figures_as_at.py)."""
    return tables_of(await computed_as_at.figures_as_at(db, la_id, day))


def tables_of(sink: Sink) -> FigureTables:
    return FigureTables(named(ChildNeedsTrend, sink.children), named(DomainNeedsTrend, sink.domains))
