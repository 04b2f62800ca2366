"""An admin's recompute of a whole council, as a job the admin polls. Asked for in the admin's request (a
queued row, written with its audit row and queued once it commits), run by the worker (claimed, its progress
and a heartbeat written as it goes, then done with its counts or failed with the error's type), and sent
again by the worker's sweep while it waits or once its worker is lost (no heartbeat for LOST_AFTER)."""

import asyncio
import contextlib
import uuid
from datetime import timedelta

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared import outbox
from shared.db import transaction
from shared.domain.full_recompute import recompute_every_figure
from shared.domain.refusals import RecomputeUnderWay
from shared.models import CouncilRecompute
from shared.transient import is_transient

ACTIVE = ("queued", "running")
HEARTBEAT_SECONDS = 1.0
LOST_AFTER = timedelta(seconds=15)


async def ask(db: AsyncSession, la_id: uuid.UUID) -> CouncilRecompute:
    """A new recompute of the council, queued when the transaction commits; refused while one waits or runs."""
    active = await db.scalar(
        select(CouncilRecompute).where(CouncilRecompute.la_id == la_id, CouncilRecompute.state.in_(ACTIVE))
    )
    if active is not None:
        raise RecomputeUnderWay(active.id, active.state)
    asked = CouncilRecompute(id=uuid.uuid4(), la_id=la_id, state="queued")
    db.add(asked)
    try:
        await db.flush()
    except IntegrityError as error:  # another admin's ask committed between the read and this insert
        raise RecomputeUnderWay() from error
    outbox.council_recompute_asked(db, asked.id)
    return asked


async def latest(db: AsyncSession, la_id: uuid.UUID, count: int) -> list[CouncilRecompute]:
    """The council's newest recomputes."""
    query = select(CouncilRecompute).where(CouncilRecompute.la_id == la_id)
    return list(await db.scalars(query.order_by(CouncilRecompute.requested_at.desc()).limit(count)))


async def find(db: AsyncSession, la_id: uuid.UUID, recompute_id: uuid.UUID) -> CouncilRecompute | None:
    """The council's recompute with that id; another council's is none."""
    return await db.scalar(
        select(CouncilRecompute).where(CouncilRecompute.id == recompute_id, CouncilRecompute.la_id == la_id)
    )


def runnable() -> ColumnElement[bool]:
    """Queued, or running with no heartbeat for LOST_AFTER: its worker was lost."""
    lost = (CouncilRecompute.state == "running") & (CouncilRecompute.heartbeat_at < func.now() - LOST_AFTER)
    return (CouncilRecompute.state == "queued") | lost


async def run(sessions: async_sessionmaker[AsyncSession], recompute_id: uuid.UUID) -> str | None:
    """Runs the recompute if it waits, or its worker was lost; returns the state it ended in (None: nothing to
    run). A transient failure puts it back in the queue for the job's retry; any other fails it."""
    async with transaction(sessions) as db:
        claimed = await db.scalar(
            update(CouncilRecompute)
            .where(CouncilRecompute.id == recompute_id, runnable())
            .values(state="running", started_at=func.now(), heartbeat_at=func.now(), error=None)
            .returning(CouncilRecompute.la_id)
        )
    if claimed is None:
        return None
    progress: dict[str, object] = {}
    beating = asyncio.create_task(heartbeat(sessions, recompute_id, progress))
    try:
        counts = await recompute_every_figure(
            sessions, [claimed], lambda stage, done, total: progress.update(stage=stage, done=done, total=total)
        )
    except Exception as error:
        transient = is_transient(error)
        await finish(sessions, recompute_id, state="queued" if transient else "failed", error=type(error).__name__)
        raise
    finally:
        beating.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beating
    await finish(
        sessions,
        recompute_id,
        state="done",
        children=counts.children,
        written=counts.written,
        cleared=counts.cleared,
        left_to_incremental=counts.left_to_incremental,
    )
    return "done"


async def heartbeat(
    sessions: async_sessionmaker[AsyncSession], recompute_id: uuid.UUID, progress: dict[str, object]
) -> None:
    """The running row's heartbeat and the stage it has reached, every HEARTBEAT_SECONDS."""
    while True:
        await asyncio.sleep(HEARTBEAT_SECONDS)
        async with transaction(sessions) as db:
            await db.execute(
                update(CouncilRecompute)
                .where(CouncilRecompute.id == recompute_id, CouncilRecompute.state == "running")
                .values(
                    heartbeat_at=func.now(),
                    stage=progress.get("stage"),
                    stage_done=progress.get("done"),
                    stage_total=progress.get("total"),
                )
            )


async def finish(sessions: async_sessionmaker[AsyncSession], recompute_id: uuid.UUID, **values: object) -> None:
    ended = {"finished_at": func.now()} if values["state"] in ("done", "failed") else {"started_at": None}
    async with transaction(sessions) as db:
        await db.execute(
            update(CouncilRecompute)
            .where(CouncilRecompute.id == recompute_id, CouncilRecompute.state == "running")
            .values(heartbeat_at=None, **ended, **values)
        )


async def waiting_or_lost(sessions: async_sessionmaker[AsyncSession]) -> list[uuid.UUID]:
    """The recomputes the sweep sends again: queued (their job may be lost with Redis), or running with no
    heartbeat for LOST_AFTER (their worker was)."""
    async with sessions() as db:
        return list(await db.scalars(select(CouncilRecompute.id).where(runnable())))
