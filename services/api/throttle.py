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
# Each process adds its clients' requests to Redis at least this often (see Throttle).
REQUEST_COUNT_BATCH_SECONDS = 0.1
# Past this many subjects counted in one process, those of past windows are let go.
MAX_SUBJECTS_KEPT = 10_000


def subject_digest(subject: str) -> str:
    return hashlib.sha256(subject.encode()).hexdigest()[:16]


@dataclass
class Unsent:
    """A subject's count in this process: what Redis last said of its window, and the hits since."""

    window: int
    shared: int = 0
    hits: int = 0
    sent_at: float = -math.inf


class Throttle:
    """batch_seconds > 0 (the per-client request limit): a process adds its hits to Redis in one command at
    most that long apart, not one round trip per request, while the window's count it knows (plus its own
    unsent hits) stays under half the limit; past half, every hit is counted in Redis at once, so refusals
    are exact. What can go uncounted in Redis is under half the limit per process, for at most
    batch_seconds."""

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str,
        limit: int,
        window_seconds: int,
        batch_seconds: float = 0.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if limit < 1 or window_seconds < 1:
            raise ValueError("limit and window_seconds must be at least 1")
        self.redis = redis
        self.prefix = prefix
        self.limit = limit
        self.window_seconds = window_seconds
        self.batch_seconds = batch_seconds
        self.clock = clock
        self.unsent: dict[str, Unsent] = {}

    def _window(self, subject: str) -> tuple[str, int, int]:
        """The subject's key in the current window, the window's index, and the seconds until it ends."""
        now = self.clock()
        index = int(now // self.window_seconds)
        remaining = max(1, math.ceil((index + 1) * self.window_seconds - now))
        return f"{self.prefix}:{index}:{subject_digest(subject)}", index, remaining

    def _pending(self, subject: str, window: int) -> Unsent:
        pending = self.unsent.get(subject)
        if pending is None or pending.window != window:
            if pending is None and len(self.unsent) > MAX_SUBJECTS_KEPT:
                # Subjects of past windows: their hits are dead with the window.
                self.unsent = {name: kept for name, kept in self.unsent.items() if kept.window == window}
            pending = self.unsent[subject] = Unsent(window)
        return pending

    async def hit(self, subject: str) -> Verdict:
        """Counts one event and says whether it is within the limit."""
        key, window, remaining = self._window(subject)
        pending = self._pending(subject, window)
        pending.hits += 1
        now = self.clock()
        if 2 * (pending.shared + pending.hits) <= self.limit and now - pending.sent_at < self.batch_seconds:
            return ALLOWED
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.incrby(key, pending.hits)
                # The key names its window, so it is dead once the window ends; the expiry only frees memory.
                pipe.expire(key, self.window_seconds)
                count, _ = await pipe.execute()
        except REDIS_FAILURES as error:
            log.warning("throttle.unavailable", error=type(error).__name__)
            return ALLOWED
        pending.shared, pending.hits, pending.sent_at = int(count), 0, now
        return ALLOWED if int(count) <= self.limit else Verdict(allowed=False, retry_after=remaining)
