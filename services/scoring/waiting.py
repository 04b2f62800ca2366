"""The worker's first work needs its database, at this release's schema. Until then (the server down, the
database missing, the migrations behind or running) it waits, saying why, rather than crashing: a crashed
worker needs a person or a restart policy, a waiting one starts by itself once the schema is ready."""

import asyncio
import time

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.faults import explain
from shared.schema import require_head
from shared.settings import Settings

log = structlog.get_logger("worker")
POLL_SECONDS = 1.0
# Often enough that an operator reading the log sees why, seldom enough that a long wait does not flood it.
SAY_EVERY_SECONDS = 30.0


async def until_database_ready(engine: AsyncEngine, settings: Settings) -> None:
    said_at = -SAY_EVERY_SECONDS
    while True:
        try:
            await require_head(engine)
            return
        except Exception as error:
            reason = explain(error, database_url=settings.database_url, redis_url=settings.redis_url)
            if reason is None:
                raise
        if time.monotonic() - said_at >= SAY_EVERY_SECONDS:
            log.warning("worker.waiting", reason=reason)
            said_at = time.monotonic()
        await asyncio.sleep(POLL_SECONDS)
