"""A deadline on every Redis call, and a breaker that skips Redis for a moment once a call misses it.

A Redis paused, swapping or cut off by the network still takes connections but never answers: every request
counting a limit, taking a read slot or reading the cohort cache would wait out the client's timeout, queued
one behind another on the connection pool's lock, and the readiness probe with them. Every caller already
takes a Redis error as Redis being down (limits off, the cohort aggregated anew, a recompute left to the
sweep), so a call that misses the deadline, or is skipped, is one more such error, raised at once.

It sits in the connections rather than around each caller, so arq's enqueue and every pipeline pass through
it too.
"""

import asyncio
import math
import time
from collections.abc import Awaitable
from typing import Any, TypeVar

import structlog
from redis import exceptions
from redis.asyncio.connection import AbstractConnection, Connection, ConnectionPool

log = structlog.get_logger(__name__)

T = TypeVar("T")

# Long enough that an unanswering Redis costs a busy API one deadline a second, short enough that the limits
# are back within a second of it answering.
SKIP_SECONDS = 1.0
FAILURES = (exceptions.ConnectionError, exceptions.TimeoutError, OSError)


class RedisSkipped(exceptions.ConnectionError):
    """Raised instead of calling a Redis that has just failed to answer (late, refused or cut off)."""


class Breaker:
    def __init__(self, deadline_seconds: float) -> None:
        self.deadline_seconds = deadline_seconds
        self.skip_until = -math.inf
        self.failing = False

    def admit(self) -> None:
        if time.monotonic() < self.skip_until:
            raise RedisSkipped("Redis failed to answer moments ago: skipped for a second")

    def failed(self, error: BaseException) -> None:
        if not self.failing:
            log.warning("redis.not_answering", error=type(error).__name__, skipped_for_seconds=SKIP_SECONDS)
        self.failing = True
        self.skip_until = time.monotonic() + SKIP_SECONDS

    def answered(self) -> None:
        if self.failing:
            log.info("redis.answering_again")
        self.failing = False
        self.skip_until = -math.inf

    async def noted(self, call: Awaitable[T]) -> T:
        """The call's result, its failure noted; a skip is not Redis failing again, so it is only passed on."""
        try:
            return await call
        except RedisSkipped:
            raise
        except FAILURES as error:
            self.failed(error)
            raise

    async def within_deadline(self, call: Awaitable[T]) -> T:
        running = asyncio.ensure_future(call)
        try:
            # Waited for, not timed out: asyncio handles a socket that became readable before a timer due in
            # the same turn, so when this process was too busy to look in time, a reply that came within the
            # deadline is taken rather than counted against Redis.
            await asyncio.wait((running,), timeout=self.deadline_seconds)
        finally:
            if not running.done():
                # Cancelled mid-command, redis-py drops the connection: no later reply can be read as another's.
                running.cancel()
                await asyncio.wait((running,))
        if running.cancelled():
            raise exceptions.TimeoutError(f"Redis did not answer within {self.deadline_seconds * 1000:g} ms")
        return running.result()


class GuardedConnection(AbstractConnection):
    """Mixed into the connection class the URL names (TCP, TLS or a Unix socket)."""

    def __init__(self, *args: Any, breaker: Breaker, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.breaker = breaker

    async def connect(self) -> None:
        if self.is_connected:
            return
        self.breaker.admit()
        await self.breaker.noted(super().connect())  # type: ignore[no-untyped-call]

    async def send_packed_command(self, *args: Any, **kwargs: Any) -> None:
        self.breaker.admit()
        await self.breaker.noted(self.breaker.within_deadline(super().send_packed_command(*args, **kwargs)))

    async def read_response(self, *args: Any, **kwargs: Any) -> Any:
        response = await self.breaker.noted(self.breaker.within_deadline(super().read_response(*args, **kwargs)))
        self.breaker.answered()
        return response


class GuardedPool(ConnectionPool):
    """GuardedPool.from_url(url, deadline_seconds=...): its connections share one breaker. Connecting is bounded
    by the deadline too (socket_connect_timeout), and so is closing, which redis-py times by the same setting."""

    def __init__(
        self, *, deadline_seconds: float, connection_class: type[AbstractConnection] = Connection, **kwargs: Any
    ) -> None:
        guarded = type(f"Guarded{connection_class.__name__}", (GuardedConnection, connection_class), {})
        # A socket_connect_timeout in the URL wins, as redis-py lets the URL's settings win.
        kwargs = {"socket_connect_timeout": deadline_seconds, **kwargs}
        super().__init__(connection_class=guarded, breaker=Breaker(deadline_seconds), **kwargs)
