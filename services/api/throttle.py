"""A fixed-window rate limiter on Redis: repeated failed authentication per source address, and request
bursts per client.

Fails open: if Redis is unreachable, errors or does not answer within REDIS_TIMEOUT_MS (the client's deadline
and breaker, shared/redis_breaker.py), every event is allowed and a warning is logged. Redis only
carries the recompute queue here, and the service keeps taking writes while it is down (see README: figures
are late, never lost); a throttle that failed closed would turn a Redis outage into an API outage. The
cost is that limits are not enforced while Redis is down.

Keys hold a short SHA-256 of the subject, not the subject: source addresses and client ids stay out of
key listings and dumps. A digest of an IPv4 address can still be found by trying every address, so this
hides them from a glance, not from a determined reader of Redis.
"""

import asyncio
import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = structlog.get_logger(__name__)

REDIS_FAILURES = (RedisError, OSError, asyncio.TimeoutError)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    # Seconds until the window resets: at least 1 when not allowed, 0 when allowed.
    retry_after: int


ALLOWED = Verdict(allowed=True, retry_after=0)


def subject_digest(subject: str) -> str:
    return hashlib.sha256(subject.encode()).hexdigest()[:16]


class Throttle:
    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str,
        limit: int,
        window_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if limit < 1 or window_seconds < 1:
            raise ValueError("limit and window_seconds must be at least 1")
        self.redis = redis
        self.prefix = prefix
        self.limit = limit
        self.window_seconds = window_seconds
        self.clock = clock

    def _window(self, subject: str) -> tuple[str, int]:
        """The subject's key in the current window, and the seconds until that window ends."""
        now = self.clock()
        index = int(now // self.window_seconds)
        remaining = max(1, math.ceil((index + 1) * self.window_seconds - now))
        return f"{self.prefix}:{index}:{subject_digest(subject)}", remaining

    async def hit(self, subject: str) -> Verdict:
        """Counts one event and says whether it is within the limit."""
        key, remaining = self._window(subject)
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                # The key names its window, so it is dead once the window ends; the expiry only frees memory.
                pipe.expire(key, self.window_seconds)
                count, _ = await pipe.execute()
        except REDIS_FAILURES as error:
            log.warning("throttle.unavailable", error=type(error).__name__)
            return ALLOWED
        return ALLOWED if int(count) <= self.limit else Verdict(allowed=False, retry_after=remaining)
