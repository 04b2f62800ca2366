"""A limit on each client's expensive reads in flight at once (a read aggregating a whole council), across
every API process: one client firing dozens of them would otherwise hold the database from every other
council's clients.

A client's reads in flight are members of a sorted set in Redis, scored by when each began. A process that
dies mid-read leaves its member behind, so members older than LEASE_SECONDS are dropped as stale: far longer
than any read, whose statements are cut off after READ_STATEMENT_TIMEOUT_MS. Fails open, as the throttle
does (services/api/throttle.py): with Redis down the limit is off, not the API.
"""

import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import structlog
from redis.asyncio import Redis

from services.api.throttle import REDIS_FAILURES, subject_digest
from shared.errors import TooManyRequests
from shared.settings import env_name

log = structlog.get_logger(__name__)

LEASE_SECONDS = 300
# A refused read waits for one in flight to finish: cohort reads take a second or so, and a repeat is
# served from the cohort cache.
RETRY_AFTER_SECONDS = 1


class ReadSlots:
    def __init__(self, redis: Redis, *, prefix: str, per_client: int, clock: Callable[[], float] = time.time) -> None:
        if per_client < 1:
            raise ValueError("per_client must be at least 1")
        self.redis = redis
        self.prefix = prefix
        self.per_client = per_client
        self.clock = clock

    @asynccontextmanager
    async def slot(self, holder: str) -> AsyncIterator[None]:
        """Holds one of the holder's slots (a client's, or a signed-in person's) while the read runs; with none
        free, a 429."""
        key = f"{self.prefix}:{subject_digest(holder)}"
        member = uuid.uuid4().hex
        held = await self._take(key, member)
        try:
            yield
        finally:
            if held:
                await self._give_back(key, member)

    async def _take(self, key: str, member: str) -> bool:
        """Whether a slot was taken (False: Redis is unreachable and the read goes ahead without one)."""
        now = self.clock()
        try:
            # One transaction: two reads taking the last slot at once cannot both count themselves in.
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.zremrangebyscore(key, "-inf", now - LEASE_SECONDS)
                pipe.zadd(key, {member: now})
                pipe.zcard(key)
                pipe.expire(key, LEASE_SECONDS)
                _, _, in_flight, _ = await pipe.execute()
        except REDIS_FAILURES as error:
            log.warning("read_slots.unavailable", error=type(error).__name__)
            return False
        if int(in_flight) > self.per_client:
            await self._give_back(key, member)
            raise TooManyRequests(
                f"This client already has {self.per_client} expensive reads in flight, the most "
                f"{env_name('expensive_reads_per_client')} allows; send this one when one ends.",
                retry_after=RETRY_AFTER_SECONDS,
            )
        return True

    async def _give_back(self, key: str, member: str) -> None:
        try:
            await self.redis.zrem(key, member)
        except REDIS_FAILURES as error:
            # The member lapses after LEASE_SECONDS.
            log.warning("read_slots.unavailable", error=type(error).__name__)
