"""Recomputing whatever is pending: one child alone, or a burst of children in one vectorised run.

When requests arrive faster than one child's recompute takes, each job running them one by one falls
behind: the per-child run spends most of its time on round trips. A job that finds other children
pending recomputes them all at once, through the full recompute's reads and writes, so a burst costs
a handful of queries rather than a handful per child."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.scoring.full_recompute import recompute_children
from services.scoring.recompute import recompute_child
from shared.db import transaction
from shared.models import RecomputeRequest
from shared.transient import is_transient

BURST = 100  # children in one run at most: each holds its own lock for the run's write


async def recompute_pending(sessions: async_sessionmaker[AsyncSession], child_pk: uuid.UUID) -> int:
    """Recomputes the child, with any other children pending now; returns how many were recomputed.
    Children no longer pending are left alone: rewriting their figures would change nothing."""
    async with transaction(sessions) as db:
        waiting = await pending_children(db, child_pk)
    if len(waiting) <= 1:
        return 1 if await recompute_child(sessions, child_pk) else 0
    try:
        outcome = await recompute_children(sessions, waiting)
    except Exception as error:
        if is_transient(error):
            raise
        # One child's data must not hold the others back: alone, each succeeds or fails on its own.
        return 1 if await recompute_child(sessions, child_pk) else 0
    return outcome.written + outcome.cleared


async def pending_children(db: AsyncSession, child_pk: uuid.UUID) -> list[uuid.UUID]:
    """Children with a pending request, the job's own child first if it is one of them."""
    rows = await db.scalars(
        select(RecomputeRequest.child_pk)
        .where(RecomputeRequest.done_at.is_(None))
        .group_by(RecomputeRequest.child_pk)
        .order_by((RecomputeRequest.child_pk == child_pk).desc(), RecomputeRequest.child_pk)
        .limit(BURST)
    )
    return list(rows)
