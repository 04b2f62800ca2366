"""Transactional outbox for recomputes.

A write records which children need recomputing in its own transaction; after commit the dispatcher
hands them to arq; the worker's sweep re-sends what was never handed over or stalled. Redis being
down therefore makes figures late, never lost."""

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import structlog
from arq.connections import ArqRedis
from redis.exceptions import RedisError
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.models import RecomputeRequest
from shared.queue import RECOMPUTE_CHILD, recompute_job_id

log = structlog.get_logger(__name__)

PENDING_KEY = "outbox.pending"


@dataclass(frozen=True, slots=True)
class Pending:
    request_id: int
    child_pk: uuid.UUID
    dispatch_count: int = 0


async def request_recompute(db: AsyncSession, la_id: uuid.UUID, child_pk: uuid.UUID) -> None:
    request_id = await db.scalar(
        insert(RecomputeRequest).values(la_id=la_id, child_pk=child_pk).returning(RecomputeRequest.id)
    )
    assert request_id is not None
    db.info.setdefault(PENDING_KEY, {})[child_pk] = Pending(request_id, child_pk)


def pending_in(db: AsyncSession) -> list[Pending]:
    pending: dict[uuid.UUID, Pending] = db.info.pop(PENDING_KEY, {})
    return list(pending.values())


async def send(redis: ArqRedis, sessions: async_sessionmaker[AsyncSession], pending: list[Pending]) -> int:
    """Enqueue each request and mark it dispatched; a Redis failure leaves it for the sweep."""
    sent: list[Pending] = []
    try:
        for item in pending:
            await redis.enqueue_job(
                RECOMPUTE_CHILD,
                str(item.child_pk),
                _job_id=recompute_job_id(item.request_id, item.dispatch_count),
            )
            sent.append(item)
    except (RedisError, OSError) as error:
        log.warning("outbox.redis_unavailable", error=type(error).__name__, left_for_sweep=len(pending) - len(sent))
    if sent:
        async with sessions() as db, db.begin():
            await db.execute(
                update(RecomputeRequest)
                # Every earlier request of the child rides on the job just sent.
                .where(
                    RecomputeRequest.child_pk.in_([item.child_pk for item in sent]),
                    RecomputeRequest.id <= max(item.request_id for item in sent),
                    RecomputeRequest.done_at.is_(None),
                )
                .values(dispatched_at=func.now(), dispatch_count=RecomputeRequest.dispatch_count + 1)
            )
    return len(sent)


async def stalled(db: AsyncSession, stall_after: timedelta, limit: int = 5000) -> list[Pending]:
    """One request per child is enough: the job recomputes from everything pending for that child."""
    latest = (
        select(
            RecomputeRequest.child_pk,
            func.max(RecomputeRequest.id).label("request_id"),
            func.max(RecomputeRequest.dispatch_count).label("dispatch_count"),
        )
        .where(
            RecomputeRequest.done_at.is_(None),
            (RecomputeRequest.dispatched_at.is_(None)) | (RecomputeRequest.dispatched_at < func.now() - stall_after),
        )
        .group_by(RecomputeRequest.child_pk)
        .limit(limit)
    )
    rows = (await db.execute(latest)).all()
    return [Pending(row.request_id, row.child_pk, row.dispatch_count) for row in rows]


async def sweep(redis: ArqRedis, sessions: async_sessionmaker[AsyncSession], stall_after: timedelta) -> int:
    async with sessions() as db:
        pending = await stalled(db, stall_after)
    return await send(redis, sessions, pending) if pending else 0


@dataclass
class Dispatcher:
    """Sends after commit without holding up the response; keeps its tasks so they are not collected."""

    redis: ArqRedis
    sessions: async_sessionmaker[AsyncSession]
    _tasks: set[asyncio.Task[int]] = field(default_factory=set)

    def after_commit(self, pending: list[Pending]) -> None:
        if not pending:
            return
        task = asyncio.create_task(send(self.redis, self.sessions, pending))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
