"""Transactional outbox for recomputes.

A write records which children need recomputing in its own transaction; after commit the dispatcher
hands them to arq; the worker's sweep re-sends what was never handed over or stalled. Redis being
down therefore makes figures late, never lost. A contract's statements go the same way: the stale
mark written with the change is the request, its refresh queued after commit, the sweep re-queuing it."""

import asyncio
import uuid
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

import structlog
from arq.connections import ArqRedis
from arq.constants import in_progress_key_prefix, job_key_prefix
from redis.exceptions import RedisError
from sqlalchemy import Table, bindparam, case, distinct, func, insert, select, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.models import RecomputeRequest
from shared.queue import RECOMPUTE_CHILD, enqueue_refresh, recompute_job_id

log = structlog.get_logger(__name__)

PENDING_KEY = "outbox.pending"
STALE_KEY = "outbox.stale_statements"


@dataclass(frozen=True, slots=True)
class Pending:
    request_id: int
    child_pk: uuid.UUID
    dispatch_count: int = 0


async def request_recompute(db: AsyncSession, la_id: uuid.UUID, child_pk: uuid.UUID) -> None:
    pending: dict[uuid.UUID, Pending] = db.info.setdefault(PENDING_KEY, {})
    if child_pk in pending:
        return  # one request per child and transaction: the recompute reads everything it wrote
    request_id = await db.scalar(
        insert(RecomputeRequest).values(la_id=la_id, child_pk=child_pk).returning(RecomputeRequest.id)
    )
    assert request_id is not None
    pending[child_pk] = Pending(request_id, child_pk)


def pending_in(db: AsyncSession) -> list[Pending]:
    pending: dict[uuid.UUID, Pending] = db.info.pop(PENDING_KEY, {})
    return list(pending.values())


def statements_stale(db: AsyncSession, contract_ids: Iterable[uuid.UUID]) -> None:
    """Contracts whose statements this transaction marked stale (the mark is their outbox row): their
    refresh is queued once it commits, rather than at the worker's next sweep."""
    db.info.setdefault(STALE_KEY, set()).update(contract_ids)


def stale_in(db: AsyncSession) -> list[uuid.UUID]:
    return sorted(db.info.pop(STALE_KEY, set()))


async def send(redis: ArqRedis, sessions: async_sessionmaker[AsyncSession], pending: list[Pending]) -> int:
    """Enqueue each request and mark it dispatched; a Redis failure leaves it for the sweep."""
    sent: list[dict[str, Any]] = []
    try:
        for item in pending:
            job_id = recompute_job_id(redis.default_queue_name, item.request_id, item.dispatch_count)
            await redis.enqueue_job(RECOMPUTE_CHILD, str(item.child_pk), _job_id=job_id)
            sent.append({"child": item.child_pk, "upto": item.request_id, "job": job_id})
    except (RedisError, OSError) as error:
        log.warning("outbox.redis_unavailable", error=type(error).__name__, left_for_sweep=len(pending) - len(sent))
    if sent:
        # The table, not the entity: an ORM update given many parameter sets would demand primary keys.
        requests = cast(Table, RecomputeRequest.__table__)
        async with sessions() as db, db.begin():
            # Every earlier request of the child rides on the job just sent, so the sweep finds it alive; the
            # job is a send of its own request alone, which OUTBOX_MAX_SENDS counts.
            own = requests.c.id == bindparam("upto")
            await db.execute(
                update(requests)
                .where(
                    requests.c.child_pk == bindparam("child"),
                    requests.c.id <= bindparam("upto"),
                    requests.c.done_at.is_(None),
                )
                .values(
                    job_id=bindparam("job"),
                    dispatched_at=func.now(),
                    dispatch_count=requests.c.dispatch_count + case((own, 1), else_=0),
                ),
                sent,
            )
    return len(sent)


async def send_refreshes(redis: ArqRedis, contract_ids: list[uuid.UUID]) -> int:
    """Each contract's statements refresh queued; a Redis failure leaves them marked stale for the sweep."""
    sent = 0
    try:
        for contract_id in contract_ids:
            await enqueue_refresh(redis, contract_id)
            sent += 1
    except (RedisError, OSError) as error:
        log.warning("outbox.redis_unavailable", error=type(error).__name__, left_for_sweep=len(contract_ids) - sent)
    return sent


@dataclass(frozen=True, slots=True)
class Candidate:
    pending: Pending  # the child's newest open request, with its own sends
    job_ids: tuple[str, ...]  # the jobs already sent for it; empty when part of it was never sent


@dataclass(frozen=True, slots=True)
class SweepPolicy:
    stall_after: timedelta  # sent this long ago and not done: look whether Redis still holds the job
    max_sends: int  # a child whose job was lost after this many sends is given up, not sent forever

    @property
    def given_up(self) -> int:
        """The send count that marks a child's open requests as given up."""
        return self.max_sends + 1


async def candidates(db: AsyncSession, policy: SweepPolicy, limit: int = 5000) -> list[Candidate]:
    """Children with requests never sent, or sent longer ago than the stall time and still not done."""
    dispatched = RecomputeRequest.dispatched_at.is_not(None)
    query = (
        select(
            RecomputeRequest.child_pk,
            func.max(RecomputeRequest.id).label("request_id"),
            # The newest request's own sends: the job id names it and the count, and the sweep gives up on it.
            func.array_agg(aggregate_order_by(RecomputeRequest.dispatch_count, RecomputeRequest.id.desc()))[1].label(
                "dispatch_count"
            ),
            func.bool_and(dispatched).label("all_sent"),
            func.array_agg(distinct(RecomputeRequest.job_id)).label("job_ids"),
        )
        .where(
            RecomputeRequest.done_at.is_(None),
            ~dispatched | (RecomputeRequest.dispatched_at < func.now() - policy.stall_after),
        )
        .group_by(RecomputeRequest.child_pk)
        .having(func.min(RecomputeRequest.dispatch_count) < policy.given_up)
        .limit(limit)
    )
    return [
        Candidate(
            Pending(row.request_id, row.child_pk, row.dispatch_count),
            tuple(job for job in row.job_ids if job) if row.all_sent else (),
        )
        for row in (await db.execute(query)).all()
    ]


async def still_in_redis(redis: ArqRedis, found: list[Candidate]) -> list[bool]:
    """A job queued or running is late, not lost: sending it again would only grow a backlog."""
    async with redis.pipeline(transaction=False) as pipe:
        for candidate in found:
            keys = [prefix + job for job in candidate.job_ids for prefix in (job_key_prefix, in_progress_key_prefix)]
            pipe.exists(*keys) if keys else pipe.ping()
        replies = await pipe.execute()
    return [bool(candidate.job_ids) and reply > 0 for candidate, reply in zip(found, replies, strict=True)]


async def sweep(redis: ArqRedis, sessions: async_sessionmaker[AsyncSession], policy: SweepPolicy) -> int:
    async with sessions() as db:
        found = await candidates(db, policy)
    if not found:
        return 0
    alive = await still_in_redis(redis, found)
    lost = [candidate for candidate, queued in zip(found, alive, strict=True) if not queued]
    hopeless = [c.pending.child_pk for c in lost if c.job_ids and c.pending.dispatch_count >= policy.max_sends]
    if hopeless:
        # Every send of these ended without the work done (the job failed each time): stop, and say so.
        log.warning("outbox.given_up", children=len(hopeless))
        async with sessions() as db, db.begin():
            await db.execute(
                update(RecomputeRequest)
                .where(RecomputeRequest.child_pk.in_(hopeless), RecomputeRequest.done_at.is_(None))
                .values(dispatch_count=policy.given_up)
            )
    retry = [c.pending for c in lost if c.pending.child_pk not in set(hopeless)]
    return await send(redis, sessions, retry) if retry else 0


@dataclass
class Dispatcher:
    """Sends after commit without holding up the response; keeps its tasks so they are not collected."""

    redis: ArqRedis
    sessions: async_sessionmaker[AsyncSession]
    _tasks: set[asyncio.Task[int]] = field(default_factory=set)

    def after_commit(self, pending: list[Pending], stale: list[uuid.UUID]) -> None:
        if pending:
            self._start(send(self.redis, self.sessions, pending))
        if stale:
            self._start(send_refreshes(self.redis, stale))

    def _start(self, sending: Coroutine[Any, Any, int]) -> None:
        task = asyncio.create_task(sending)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[int]) -> None:
        self._tasks.discard(task)
        # Retrieved here, as asyncio would otherwise log the task with its error's message, which can quote
        # a query's parameters. What was not marked sent is the sweep's.
        if not task.cancelled() and (error := task.exception()) is not None:
            log.warning("outbox.send_failed", error=type(error).__name__)

    async def drain(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
