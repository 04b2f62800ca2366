"""The per-child figures as at a past day, for the cohort figures as at it: every child's figures computed
anew by the pieces and sink of the one recompute (full_recompute.py), from the council's final assessments
(as they stand now) dated on or before the day, into temporary tables of the caller's transaction. A child
with no such assessment has no figures as at the day. Reliable change uses the council's SD now."""

import uuid
from datetime import date, datetime

import numpy as np
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import driver
from shared.domain.figures_copy import Sink, create_as_at_tables, create_staging
from shared.domain.full_recompute import compute_into, latest_instruments
from shared.domain.snapshot import RecomputeTarget, read


async def figures_as_at(db: AsyncSession, la_id: uuid.UUID, day: date, since: date | None = None) -> Sink:
    """The council's figures as at `day` (of the assessments dated from `since` only, where given), in tables
    dropped when the transaction ends. It must be the transaction's first work: every read of it, the cohort's
    after these, then sees one snapshot."""
    await db.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
    snapshot = await read(db, None, RecomputeTarget([la_id], on_or_before=day, on_or_after=since))
    apg = await driver(db)
    await create_staging(apg)
    sink = await create_as_at_tables(apg)
    every_child = np.ones(len(snapshot.child_seq), dtype=bool)
    now = datetime.now().astimezone()
    await compute_into(
        db, apg, snapshot, latest_instruments(snapshot), every_child, now, lambda *_: None, sink, calibrate=False
    )
    # Autovacuum never analyses temporary tables: without statistics the cohort's joins to them were planned
    # as if they were empty, and took seconds instead of a tenth of one for 2,000 children.
    await apg.execute(f"ANALYZE {sink.children}, {sink.domains}, {sink.areas}")
    return sink
