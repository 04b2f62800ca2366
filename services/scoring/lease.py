"""A running job's claim on it, kept short and renewed while the job runs.

arq marks a job in progress for the longest job timeout plus 10 s (70 s as shipped), and no worker
takes a job so marked: a worker killed mid-job held its child back that long, and the start-up
sweep, seeing the mark, took the job for alive. Cut to LEASE and renewed every RENEW_EVERY, a dead
worker's mark lapses within LEASE and the restarted worker, or another, takes the job at once."""

import asyncio
import contextlib
import functools
from datetime import timedelta
from typing import Any

from arq.connections import ArqRedis
from arq.constants import in_progress_key_prefix
from arq.typing import WorkerCoroutine
from redis.exceptions import RedisError

from services.scoring.context import job_of, worker_of

LEASE = timedelta(seconds=5)
RENEW_EVERY = timedelta(seconds=1)


async def renew(redis: ArqRedis, key: str) -> None:
    while True:
        # Redis away, the job goes on: its mark may lapse and the job run twice, which jobs allow.
        with contextlib.suppress(RedisError, OSError):
            # PEXPIRE never creates the key, so a renewal late after arq deleted it brings nothing back.
            await redis.pexpire(key, LEASE)
        await asyncio.sleep(RENEW_EVERY.total_seconds())


def leased(job: WorkerCoroutine) -> WorkerCoroutine:
    """The job, holding a short renewed claim on itself while it runs."""

    @functools.wraps(job)
    async def holding_its_lease(ctx: dict[Any, Any], *args: Any, **kwargs: Any) -> Any:
        renewing = asyncio.create_task(renew(worker_of(ctx).redis, in_progress_key_prefix + job_of(ctx).id))
        try:
            return await job(ctx, *args, **kwargs)
        finally:
            renewing.cancel()

    return holding_its_lease
