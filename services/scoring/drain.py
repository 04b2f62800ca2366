"""Draining whatever is pending: bursts of up to BURST children, each in one run of the recompute every
path shares (shared/domain/full_recompute.py), which costs a handful of queries rather than a handful per
child. A burst that fails is run again a child at a time, through the same recompute, so one child's data
cannot hold the others back; a child that fails alone has its requests marked failed, for the sweep to
send again later rather than every drain now."""

import time
import uuid
from dataclasses import dataclass

import structlog
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.db import transaction
from shared.domain.full_recompute import recompute_children
from shared.models import RecomputeRequest
from shared.transient import is_transient

log = structlog.get_logger("worker")

BURST = 100  # children in one run at most: each holds its own lock for the run's write


@dataclass(frozen=True, slots=True)
class Drained:
    children: int  # recomputed: their requests are done
    failed: int  # failed alone: their requests are marked failed
    work_left: bool  # stopped for time with children still pending


async def drain(sessions: async_sessionmaker[AsyncSession], seconds: float) -> Drained:
    """Bursts of the children pending, oldest requests first, until none is left or `seconds` have passed."""
    started = time.monotonic()
    children = failed = 0
    while waiting := await pending_children(sessions):
        done, bad = await recompute_burst(sessions, waiting)
        children, failed = children + done, failed + bad
        if done + bad == 0:
            # Every child in the burst was written to while it ran: those writes wake a drain of their own.
            return Drained(children, failed, work_left=False)
        if time.monotonic() - started >= seconds:
            return Drained(children, failed, work_left=True)
    return Drained(children, failed, work_left=False)


async def pending_children(sessions: async_sessionmaker[AsyncSession]) -> list[uuid.UUID]:
    """Children with a request neither done nor failed: at most BURST, those waiting longest first."""
    async with transaction(sessions) as db:
        rows = await db.scalars(
            select(RecomputeRequest.child_pk)
            .where(RecomputeRequest.done_at.is_(None), RecomputeRequest.failed_at.is_(None))
            .group_by(RecomputeRequest.child_pk)
            .order_by(func.min(RecomputeRequest.id))
            .limit(BURST)
        )
        return list(rows)


async def recompute_burst(sessions: async_sessionmaker[AsyncSession], waiting: list[uuid.UUID]) -> tuple[int, int]:
    """(children recomputed, children failed)."""
    if len(waiting) > 1:
        try:
            outcome = await recompute_children(sessions, waiting)
        except Exception as error:
            if is_transient(error):
                raise
        else:
            # Children written to since the burst read them are left pending, for the next burst.
            return outcome.children - outcome.left_to_incremental, 0
    done = failed = 0
    for child_pk in waiting:
        try:
            alone = await recompute_children(sessions, [child_pk])
            done += alone.children - alone.left_to_incremental
        except Exception as error:
            if is_transient(error):
                raise
            log.warning("recompute.failed", error=type(error).__name__)
            await mark_failed(sessions, child_pk)
            failed += 1
    return done, failed


async def mark_failed(sessions: async_sessionmaker[AsyncSession], child_pk: uuid.UUID) -> None:
    async with transaction(sessions) as db:
        await db.execute(
            update(RecomputeRequest)
            .where(
                RecomputeRequest.child_pk == child_pk,
                RecomputeRequest.done_at.is_(None),
                RecomputeRequest.failed_at.is_(None),
            )
            .values(failed_at=func.now())
        )
