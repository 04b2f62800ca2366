"""Cohort figures kept in Redis per council, slices and day, and served again until what they are aggregated
from changes: a BI tool asking again, or many asking at once, costs one aggregation of the council.

What they are aggregated from is marked cheaply at each read (`figures_mark`): the newest row version of the
council's figures (every recompute, clearing and calibration writes new ones, in commit order under the
figures lock), its newest erasure (an erased child's rows go without a new version), and a digest of every
row of its children, placements and providers, which the slices come from (a child's sex, an episode, before
any recompute). Instruments are not marked: a stored version never changes. The mark is read before the
figures, so a cohort kept under a mark is never older than it. Like the throttle, the cache fails open: with
Redis down every read aggregates anew.
"""

import json
import typing
import uuid
from collections.abc import Sequence
from datetime import date, datetime

import structlog
from redis.asyncio import Redis
from sqlalchemy import Table, Text, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.sql.elements import SQLCoreOperations
from sqlalchemy.sql.selectable import ScalarSelect

from services.api.scores.as_at import STORED, figures_as_at
from services.api.scores.cohort import Cohort, CohortTable, cohort_columns, read_cohort, slices_asked
from services.api.throttle import REDIS_FAILURES
from shared.db import transaction
from shared.models import Child, ChildNeedsTrend, DomainNeedsTrend, Erasure, Placement, Provider

log = structlog.get_logger(__name__)

# The day is in the key (ages band by it), so an entry is dead by the next day; the expiry frees it.
KEPT_SECONDS = 24 * 3600


def newest(
    column: SQLCoreOperations[int], la_column: SQLCoreOperations[uuid.UUID], la_id: uuid.UUID
) -> ScalarSelect[int | None]:
    return select(func.max(column)).where(la_column == la_id).scalar_subquery()


def rows_digest(model: type[Child] | type[Placement] | type[Provider], la_id: uuid.UUID) -> ScalarSelect[typing.Any]:
    """Any row added, changed or removed changes the sum of the rows' hashes."""
    row_text = cast(typing.cast(Table, model.__table__).table_valued(), Text)
    return select(func.sum(func.hashtextextended(row_text, 0))).where(model.la_id == la_id).scalar_subquery()


async def figures_mark(db: AsyncSession, la_id: uuid.UUID) -> str:
    parts = (
        await db.execute(
            select(
                newest(ChildNeedsTrend.row_version, ChildNeedsTrend.la_id, la_id),
                newest(DomainNeedsTrend.row_version, DomainNeedsTrend.la_id, la_id),
                newest(Erasure.id, Erasure.la_id, la_id),
                rows_digest(Child, la_id),
                rows_digest(Placement, la_id),
                rows_digest(Provider, la_id),
            )
        )
    ).one()
    return ":".join(str(part) for part in parts)


class CohortCache:
    def __init__(self, redis: Redis, sessions: async_sessionmaker[AsyncSession], *, prefix: str) -> None:
        self.redis = redis
        self.sessions = sessions
        self.prefix = prefix

    async def read(
        self,
        db: AsyncSession,
        la_id: uuid.UUID,
        by: Sequence[str],
        table: CohortTable,
        today: date,
        as_at: date | None = None,
    ) -> Cohort:
        """The cohort kept for this mark of the council's figures, or aggregated now and kept. As at a day, the
        figures are computed anew for that day (scores/as_at.py) when not kept."""
        by = slices_asked(by)
        mark = await figures_mark(db, la_id)
        day = f"as_at={as_at.isoformat()}" if as_at else today.isoformat()
        key = f"{self.prefix}:{la_id}:{day}:{table}:{'+'.join(by)}"
        kept = await self._get(key)
        if kept is not None and kept["mark"] == mark:
            return Cohort(cohort_columns(by, table), kept["rows"], datetime.fromisoformat(kept["computed_at"]))
        if as_at is None:
            cohort = await read_cohort(db, la_id, by=by, table=table, day=today, figures=STORED)
        else:
            cohort = await self.cohort_as_at(la_id, by, table, as_at)
        entry = {"mark": mark, "computed_at": cohort.computed_at.isoformat(), "rows": cohort.rows}
        await self._set(key, json.dumps(entry, separators=(",", ":")))
        return cohort

    async def cohort_as_at(self, la_id: uuid.UUID, by: Sequence[str], table: CohortTable, day: date) -> Cohort:
        # The day's figures sit in temporary tables that last as long as a transaction, and a read's own
        # session commits each statement on its own (services/api/state.py): they get a transaction here.
        async with transaction(self.sessions) as scratch:
            figures = await figures_as_at(scratch, la_id, day)
            return await read_cohort(scratch, la_id, by=by, table=table, day=day, figures=figures)

    async def _get(self, key: str) -> dict[str, typing.Any] | None:
        try:
            raw = await self.redis.get(key)
        except REDIS_FAILURES as error:
            log.warning("cohort_cache.unavailable", error=type(error).__name__)
            return None
        if raw is None:
            return None
        entry: dict[str, typing.Any] = json.loads(raw)
        return entry

    async def _set(self, key: str, value: str) -> None:
        try:
            await self.redis.set(key, value, ex=KEPT_SECONDS)
        except REDIS_FAILURES as error:
            log.warning("cohort_cache.unavailable", error=type(error).__name__)
