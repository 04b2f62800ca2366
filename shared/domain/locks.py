"""The locks the figures and statements are written under, and the one order every writer takes them in.

1. **A child's lock** (`child_lock`, or `child_locks` for many: in key order, so two batches cannot
   deadlock). One recompute of a child at a time, so an older snapshot never overwrites a newer one; an
   erasure takes it first too, so a recompute in flight finishes before the child goes and one that starts
   after finds nothing to compute.
2. **The figures lock** (`figures_lock`), one for the whole database, held only for the short write at the
   end of a recompute, a calibration, an erasure, a contract change or a statement refresh. Figures' row
   versions then follow commit order, so a BI tool paging by cursor never passes a version whose row
   commits later; every writer checks under it that its children still exist; and a contract marked stale
   under it is refreshed by the next refresh to take it.
3. **A contract's row** (SELECT … FOR UPDATE), after the figures lock, as a statement refresh takes them.

A writer may skip a lock it does not need, never take one before a lock above it: two writers taking the
same pair in opposite orders would deadlock."""

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import named_lock

FIGURES_WRITE_LOCK = 0x6E656564735F6669  # "needs_fi"

CHILD_LOCKS = text("""
SELECT pg_advisory_xact_lock(k)
FROM (SELECT DISTINCT hashtextextended(id::text, 0) AS k FROM unnest(CAST(:children AS uuid[])) AS id) AS keys
ORDER BY k
""")


async def child_lock(db: AsyncSession, child_pk: uuid.UUID) -> None:
    """Lock 1 for one child, until the transaction ends."""
    await named_lock(db, str(child_pk))


async def child_locks(db: AsyncSession, child_pks: Iterable[uuid.UUID]) -> None:
    """Lock 1 for many children at once, in key order; the same keys as `child_lock`."""
    await db.execute(CHILD_LOCKS, {"children": list(child_pks)})


async def figures_lock(db: AsyncSession) -> datetime:
    """Lock 2, until the transaction ends; returns the time it was taken, which stamps what is written under it."""
    taken = (await db.execute(select(func.pg_advisory_xact_lock(FIGURES_WRITE_LOCK), func.clock_timestamp()))).one()
    moment: datetime = taken[1]
    return moment
