"""What every operator command shares: its own engine and transaction, what the change queued sent once it
committed, and the council it names."""

import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.api import audit, councils
from shared import outbox, queue
from shared.db import make_engine, make_sessionmaker, transaction
from shared.settings import Settings, get_settings

T = TypeVar("T")


async def in_transaction(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    settings = get_settings()
    engine = make_engine(settings)
    sessions = make_sessionmaker(engine)
    try:
        async with transaction(sessions) as db:
            result = await work(db)
            await audit.flush(db)
        await dispatch(settings, sessions, outbox.queued_in(db))
        return result
    finally:
        await engine.dispose()


async def dispatch(settings: Settings, sessions: async_sessionmaker[AsyncSession], queued: outbox.Queued) -> None:
    """What the change queued, sent once it committed as the API sends it, rather than left for the worker's
    sweep: a contract's statements, a child's figures. Redis down leaves them to the sweep."""
    if queued.empty:
        return
    redis = queue.connect(settings)
    try:
        for each in outbox.sending(redis, sessions, queued):
            await each
    finally:
        await redis.aclose()


async def require_council(db: AsyncSession, code: str) -> uuid.UUID:
    council = await councils.find_council(db, code)
    if council is None:
        raise SystemExit(f"No council with code '{code}'.")
    return council.id
