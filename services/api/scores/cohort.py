"""Council-wide figures per domain, aggregated at read time from the per-child figures: an erased
child or a recomputed one changes them at once, with nothing to keep in step."""

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, Numeric, and_, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models import ChildNeedsTrend, DomainNeedsTrend, Instrument

COHORT_COLUMNS = (
    "instrument_code",
    "instrument_version",
    "domain",
    "children_counted",
    "actionable_count",
    "actionable_prevalence",
    "mean_change_since_baseline",
    "improving_count",
    "worsening_count",
)


async def read_cohort(db: AsyncSession, la_id: uuid.UUID) -> list[dict[str, Any]]:
    assessed = DomainNeedsTrend.latest.is_not(None)
    actionable_from = cast(Instrument.definition["actionable_from"].astext, Integer)
    counted = func.count().filter(assessed)
    actionable = func.count().filter(DomainNeedsTrend.latest >= actionable_from)
    query = (
        select(
            ChildNeedsTrend.instrument_code,
            ChildNeedsTrend.instrument_version,
            DomainNeedsTrend.domain,
            counted,
            actionable,
            func.round(cast(actionable, Numeric) / func.nullif(counted, 0), 4),
            func.round(func.avg(DomainNeedsTrend.change_since_baseline).filter(assessed), 4),
            func.count().filter(DomainNeedsTrend.direction == "improving"),
            func.count().filter(DomainNeedsTrend.direction == "worsening"),
        )
        .join(ChildNeedsTrend, ChildNeedsTrend.child_pk == DomainNeedsTrend.child_pk)
        .join(
            Instrument,
            and_(
                Instrument.code == ChildNeedsTrend.instrument_code,
                Instrument.version == ChildNeedsTrend.instrument_version,
                # Another council may have an instrument of the same code and version.
                Instrument.la_id.is_(None) | (Instrument.la_id == la_id),
            ),
        )
        .where(DomainNeedsTrend.la_id == la_id, ChildNeedsTrend.assessments_count > 0)
        .group_by(
            ChildNeedsTrend.instrument_code,
            ChildNeedsTrend.instrument_version,
            DomainNeedsTrend.domain,
            DomainNeedsTrend.position,
        )
        .order_by(ChildNeedsTrend.instrument_code, ChildNeedsTrend.instrument_version, DomainNeedsTrend.position)
    )
    rows = (await db.execute(query)).all()
    return [{name: as_json(value) for name, value in zip(COHORT_COLUMNS, row, strict=True)} for row in rows]


def as_json(value: Any) -> Any:
    # Averages come back as Decimal; BI tools want plain numbers.
    return float(value) if isinstance(value, Decimal) else value
