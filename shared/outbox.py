"""Transactional outbox for recomputes.

A write records which children need recomputing in its own transaction; after commit the dispatcher
wakes the worker (shared/wakes.py), whose drain recomputes whatever is pending; the worker's sweep wakes
it again for what was never handed over, what a lost drain left, and what failed a while ago. Redis being
down therefore makes figures late, never lost. A contract's statements go the same way: the stale mark
written with the change is the request, its refresh queued after commit, the sweep re-queuing it; and an
admin's council recompute too, its row the request."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import structlog
from arq.connections import ArqRedis
from redis.exceptions import RedisError
from sqlalchemy import BigInteger, func, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared import wakes
from shared.db import among, driver, transaction
from shared.models import RecomputeRequest
from shared.queue import (
    enqueue_council_recompute,
    enqueue_placement_figures,
    enqueue_refresh,
    enqueue_return_import,
)

log = structlog.get_logger(__name__)

PENDING_KEY = "outbox.pending"
STALE_KEY = "outbox.stale_statements"
RECOMPUTES_KEY = "outbox.council_recomputes"
IMPORTS_KEY = "outbox.return_imports"


@dataclass(frozen=True, slots=True)
class Pending:
    request_id: int
    child_pk: uuid.UUID


async def request_recompute(db: AsyncSession, la_id: uuid.UUID, child_pk: uuid.UUID) -> None:
    await request_recomputes(db, la_id, [child_pk])


REQUEST_RECOMPUTES = """
INSERT INTO recompute_requests (la_id, child_pk) SELECT $1, unnest($2::uuid[]) RETURNING id, child_pk
"""


async def request_recomputes(db: AsyncSession, la_id: uuid.UUID, child_pks: Iterable[uuid.UUID]) -> None:
    """One request per child and transaction (the recompute reads everything the transaction wrote), written
    in one statement however many children (a return's import changes thousands)."""
    pending: dict[uuid.UUID, Pending] = db.info.setdefault(PENDING_KEY, {})
    wanted = [child_pk for child_pk in dict.fromkeys(child_pks) if child_pk not in pending]
    if not wanted:
        return
    # Sent as it is: SQLAlchemy's bulk insert with RETURNING keeps an identity per row, which cost a return's
    # import more than the insert itself. Its children written through the session are flushed first.
    await db.flush()
    rows = await (await driver(db)).fetch(REQUEST_RECOMPUTES, la_id, wanted)
    for request_id, child_pk in rows:
        pending[child_pk] = Pending(request_id, child_pk)


def statements_stale(db: AsyncSession, contract_ids: Iterable[uuid.UUID]) -> None:
    """Contracts whose statements this transaction marked stale (the mark is their outbox row): their
    refresh is queued once it commits, rather than at the worker's next sweep."""
    db.info.setdefault(STALE_KEY, set()).update(contract_ids)


def council_recompute_asked(db: AsyncSession, recompute_id: uuid.UUID) -> None:
    """A council recompute row this transaction wrote: its job is queued once it commits."""
    db.info.setdefault(RECOMPUTES_KEY, []).append(recompute_id)


def return_import_asked(db: AsyncSession, import_id: uuid.UUID) -> None:
    """A return's import this transaction asked for: its job is queued once it commits."""
    db.info.setdefault(IMPORTS_KEY, []).append(import_id)


@dataclass(frozen=True, slots=True)
class Queued:
    """What a transaction asked to send once it commits."""

    pending: list[Pending]
    stale: list[uuid.UUID]
    recomputes: list[uuid.UUID]
    imports: list[uuid.UUID]

    @property
    def empty(self) -> bool:
        return not (self.pending or self.stale or self.recomputes or self.imports)


def queued_in(db: AsyncSession) -> Queued:
    """What the session's transaction asked to send, taken: a later transaction of the session starts afresh."""
    pending: dict[uuid.UUID, Pending] = db.info.pop(PENDING_KEY, {})
    return Queued(
        list(pending.values()),
        sorted(db.info.pop(STALE_KEY, set())),
        db.info.pop(RECOMPUTES_KEY, []),
        db.info.pop(IMPORTS_KEY, []),
    )


async def send(redis: ArqRedis, sessions: async_sessionmaker[AsyncSession], pending: list[Pending]) -> int:
    """Wake the worker for these requests and count it as each one's own send; a Redis failure leaves them
    for the sweep."""
    if not pending:
        return 0
    try:
        await wakes.wake(redis)
    except (RedisError, OSError) as error:
        log.warning("outbox.redis_unavailable", error=type(error).__name__, left_for_sweep=len(pending))
        return 0
    async with transaction(sessions) as db:
        await db.execute(
            update(RecomputeRequest)
            .where(among(RecomputeRequest.id, [item.request_id for item in pending], BigInteger))
            .where(RecomputeRequest.done_at.is_(None))
            .values(dispatched_at=func.now(), dispatch_count=RecomputeRequest.dispatch_count + 1)
        )
    return len(pending)


async def send_each(
    redis: ArqRedis, enqueue: Callable[[ArqRedis, uuid.UUID], Awaitable[None]], ids: list[uuid.UUID]
) -> int:
    """Each id's job queued; a Redis failure leaves the rest to the sweep, as their rows still ask for them."""
    sent = 0
    try:
        for each in ids:
            await enqueue(redis, each)
            sent += 1
    except (RedisError, OSError) as error:
        log.warning("outbox.redis_unavailable", error=type(error).__name__, left_for_sweep=len(ids) - sent)
    return sent


async def send_refreshes(redis: ArqRedis, contract_ids: list[uuid.UUID]) -> int:
    """Each contract's statements refresh queued; a Redis failure leaves them marked stale for the sweep."""
    return await send_each(redis, enqueue_refresh, contract_ids)


async def send_council_recomputes(redis: ArqRedis, recompute_ids: list[uuid.UUID]) -> int:
    return await send_each(redis, enqueue_council_recompute, recompute_ids)


async def send_placement_figures(redis: ArqRedis, la_ids: list[uuid.UUID]) -> int:
    return await send_each(redis, enqueue_placement_figures, la_ids)


async def send_return_imports(redis: ArqRedis, import_ids: list[uuid.UUID]) -> int:
    return await send_each(redis, enqueue_return_import, import_ids)


def sending(
    redis: ArqRedis, sessions: async_sessionmaker[AsyncSession], queued: Queued
) -> list[Coroutine[Any, Any, int]]:
    """The sends of what a committed transaction queued, each failing alone (what it leaves is the sweep's)."""
    sends = []
    if queued.pending:
        sends.append(send(redis, sessions, queued.pending))
    if queued.stale:
        sends.append(send_refreshes(redis, queued.stale))
    if queued.recomputes:
        sends.append(send_council_recomputes(redis, queued.recomputes))
    if queued.imports:
        sends.append(send_return_imports(redis, queued.imports))
    return sends


@dataclass(frozen=True, slots=True)
class SweepPolicy:
    stall_after: timedelta  # failed, or sent with no drain alive, this long ago: send again
    max_sends: int  # a request sent this often without success is given up, not sent forever

    @property
    def given_up(self) -> int:
        """The send count that marks a request as given up."""
        return self.max_sends + 1


async def sweep(redis: ArqRedis, sessions: async_sessionmaker[AsyncSession], policy: SweepPolicy) -> int:
    """Requests never sent, failed, or sent while no drain lives (Redis lost it, or it failed for good)
    are sent again, each counting its own sends; one that used them all is given up. Returns how many
    requests it sent."""
    alive = await wakes.drain_alive(redis)
    long_ago = func.now() - policy.stall_after
    failed = RecomputeRequest.failed_at < long_ago
    lost = RecomputeRequest.failed_at.is_(None) & (RecomputeRequest.dispatched_at < long_ago)
    # With a drain queued or running, requests it has not reached yet are late, not lost: a backlog is not
    # multiplied, nor counted against them.
    again = failed if alive else failed | lost
    open_ = RecomputeRequest.done_at.is_(None) & (RecomputeRequest.dispatch_count <= policy.max_sends)
    async with transaction(sessions) as db:
        hopeless = await db.scalars(
            update(RecomputeRequest)
            .where(open_, RecomputeRequest.dispatch_count >= policy.max_sends, again)
            .values(dispatch_count=policy.given_up, failed_at=func.coalesce(RecomputeRequest.failed_at, func.now()))
            .returning(RecomputeRequest.child_pk)
        )
        if children := len(set(hopeless)):
            # Every send of these ended without the work done: stop, and say so.
            log.warning("outbox.given_up", children=children)
        sent = await db.scalars(
            update(RecomputeRequest)
            .where(open_, RecomputeRequest.dispatched_at.is_(None) | again)
            .values(dispatched_at=func.now(), dispatch_count=RecomputeRequest.dispatch_count + 1, failed_at=None)
            .returning(RecomputeRequest.id)
        )
        resent = len(sent.all())
    if resent:
        # After the commit: a drain woken sooner could pass over a failed request not yet cleared to run again.
        await wakes.wake(redis)
    return resent


@dataclass
class Dispatcher:
    """Sends after commit without holding up the response; keeps its tasks so they are not collected."""

    redis: ArqRedis
    sessions: async_sessionmaker[AsyncSession]
    _tasks: set[asyncio.Task[int]] = field(default_factory=set)

    def after_commit(self, queued: Queued) -> None:
        for each in sending(self.redis, self.sessions, queued):
            self._start(each)

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
