"""The worker outlives a Redis outage of any length: it waits in the process, rather than ending.

arq's own worker gave up on a Redis unreachable at start after five tries a second apart, and ended
on the first failed Redis call after that; every write made meanwhile then waited for a person. This
one tries again with backoff, at most RECONNECT_CAP apart, and carries on where it was: jobs in flight
finish their database work, and its cron catches up, so the outbox sweep sends what the outage left as
soon as Redis answers."""

import asyncio
import dataclasses
import signal
from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog
from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.worker import Worker
from redis.exceptions import RedisError

from shared.transient import backoff_seconds

log = structlog.get_logger("worker")

# redis-py's own errors, and the socket's it lets through (asyncio's TimeoutError is an OSError).
REDIS_DOWN = (RedisError, OSError)
RECONNECT_CAP = 5.0
ANSWER_WITHIN = 2.0  # a Redis that accepts a connection and never answers is waited out too

T = TypeVar("T")


async def until_redis_answers(attempt: Callable[[], Awaitable[T]]) -> T:
    tries = 1
    while True:
        try:
            answer = await asyncio.wait_for(attempt(), ANSWER_WITHIN)
        except REDIS_DOWN as error:
            delay = min(backoff_seconds(tries), RECONNECT_CAP)
            log.warning("worker.waiting_for_redis", error=type(error).__name__, tries=tries, retry_in=delay)
            await asyncio.sleep(delay)
            tries += 1
        else:
            if tries > 1:
                log.info("worker.redis_back", tries=tries)
            return answer


class PatientWorker(Worker):
    async def main(self) -> None:
        if self._pool is None and self.redis_settings is not None:
            # One try per attempt: the waiting, and what is logged of it, is ours.
            settings = dataclasses.replace(self.redis_settings, conn_retries=0)
            self._pool = await until_redis_answers(lambda: self.connect(settings))
        await super().main()

    async def connect(self, settings: RedisSettings) -> ArqRedis:
        return await create_pool(
            settings,
            job_serializer=self.job_serializer,
            job_deserializer=self.job_deserializer,
            default_queue_name=self.queue_name,
            expires_extra_ms=self.expires_extra_ms,
        )

    async def _poll_iteration(self) -> None:
        try:
            await super()._poll_iteration()
        except REDIS_DOWN as error:
            log.warning("worker.redis_lost", error=type(error).__name__)
            await until_redis_answers(self.pool.ping)

    async def close(self) -> None:
        # A job the stop cancelled as arq recorded its end ends cancelled, and arq's close re-raised that and the
        # process ended in a traceback with status 1; the job itself is arq's to run again, as a killed one is.
        if not self._handle_signals:
            self.handle_sig(signal.SIGUSR1)
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)
        self.tasks.clear()
        try:
            await super().close()
        except REDIS_DOWN as error:
            # Stopped while Redis is away: arq could not record the jobs it cancelled, which run again.
            log.warning("worker.stopped_without_redis", error=type(error).__name__)
