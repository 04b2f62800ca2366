"""The fixed-window throttle on a real Redis: it refuses past the limit, forgets at the next window,
keeps subjects apart, keeps them out of Redis in clear, and lets everything through when Redis is down;
batched, it still reaches Redis within its interval and refuses past the limit.
And the expensive reads' slots: one a dead process never gave back lapses."""

import uuid
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from redis.asyncio import Redis
from structlog.testing import capture_logs

from services.api.read_slots import LEASE_SECONDS, ReadSlots
from services.api.throttle import Throttle, Verdict
from shared.errors import TooManyRequests
from tests.conftest import Servers

WINDOW = 60
WINDOW_START = 1_200_000_000.0  # a multiple of WINDOW: a window begins here
ADDRESS = "203.0.113.7"


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest_asyncio.fixture
async def redis(servers: Servers) -> AsyncIterator[Redis]:
    client = Redis.from_url(servers.redis_url)
    yield client
    await client.aclose()


def throttle(
    redis: Redis, limit: int = 3, clock: Clock | None = None, batch_seconds: float = 0.0, prefix: str | None = None
) -> Throttle:
    return Throttle(
        redis,
        prefix=prefix or f"test-throttle:{uuid.uuid4().hex[:8]}",
        limit=limit,
        window_seconds=WINDOW,
        batch_seconds=batch_seconds,
        clock=clock or Clock(WINDOW_START),
    )


async def test_the_event_past_the_limit_is_refused_until_the_window_resets(redis: Redis) -> None:
    clock = Clock(WINDOW_START + 15.2)
    limiter = throttle(redis, clock=clock)
    verdicts = [await limiter.hit(ADDRESS) for _ in range(4)]
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert verdicts[-1].retry_after == 45
    assert 0 < verdicts[-1].retry_after <= WINDOW


async def test_a_new_window_starts_the_count_again(redis: Redis) -> None:
    clock = Clock(WINDOW_START)
    limiter = throttle(redis, clock=clock)
    for _ in range(4):
        await limiter.hit(ADDRESS)
    assert not (await limiter.hit(ADDRESS)).allowed
    clock.now += WINDOW
    assert await limiter.hit(ADDRESS) == Verdict(allowed=True, retry_after=0)


async def test_one_subject_over_its_limit_does_not_hold_back_another(redis: Redis) -> None:
    limiter = throttle(redis)
    for _ in range(4):
        await limiter.hit(ADDRESS)
    assert not (await limiter.hit(ADDRESS)).allowed
    assert (await limiter.hit("198.51.100.23")).allowed
    assert (await limiter.hit("client-42")).allowed


async def test_redis_never_holds_the_subject_in_clear(redis: Redis) -> None:
    limiter = throttle(redis)
    await limiter.hit(ADDRESS)
    await limiter.hit("client-42")
    keys = [key.decode() async for key in redis.scan_iter(match=f"{limiter.prefix}:*")]
    assert len(keys) == 2
    assert not any(ADDRESS in key or "client-42" in key for key in keys)
    # Counts do not outlive their window by much: nothing about a caller piles up in Redis.
    ttls = [await redis.ttl(key) for key in keys]
    assert all(0 < ttl <= WINDOW for ttl in ttls)


async def test_batched_counts_reach_redis_within_the_batch_interval(redis: Redis) -> None:
    clock = Clock(WINDOW_START + 1)
    limiter = throttle(redis, limit=100, clock=clock, batch_seconds=0.1)
    for _ in range(10):
        assert (await limiter.hit(ADDRESS)).allowed
    (key,) = [key async for key in redis.scan_iter(match=f"{limiter.prefix}:*")]
    # The first hit of a window is counted at once, the next nine wait in the process.
    assert int(await redis.get(key)) == 1
    clock.now += 0.2
    await limiter.hit(ADDRESS)
    assert int(await redis.get(key)) == 11


async def test_batched_counts_refuse_exactly_past_the_limit(redis: Redis) -> None:
    # Past half the limit every hit is counted in Redis at once: one process refuses the limit's next hit.
    limiter = throttle(redis, limit=10, batch_seconds=60)
    verdicts = [(await limiter.hit(ADDRESS)).allowed for _ in range(12)]
    assert verdicts == [True] * 10 + [False] * 2


async def test_two_processes_batching_refuse_once_their_hits_together_pass_the_limit(redis: Redis) -> None:
    prefix = f"test-throttle:{uuid.uuid4().hex[:8]}"
    one, other = (throttle(redis, limit=10, batch_seconds=60, prefix=prefix) for _ in range(2))
    allowed = 0
    for _ in range(10):
        allowed += (await one.hit(ADDRESS)).allowed + (await other.hit(ADDRESS)).allowed
    # Each process keeps under half the limit uncounted in Redis, so together they let through at most
    # the limit and half of it each; here they let through no more than the limit.
    assert allowed == 10
    assert not (await one.hit(ADDRESS)).allowed and not (await other.hit(ADDRESS)).allowed


async def test_with_redis_unreachable_every_event_is_allowed_and_a_warning_logged() -> None:
    unreachable = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2, socket_timeout=0.2)
    limiter = throttle(unreachable, limit=1)
    try:
        with capture_logs() as logged:
            verdicts = [await limiter.hit(ADDRESS) for _ in range(4)]
    finally:
        await unreachable.aclose()
    assert all(v.allowed for v in verdicts)
    warnings = [entry for entry in logged if entry["event"] == "throttle.unavailable"]
    assert len(warnings) == 4
    assert all(entry["log_level"] == "warning" and entry["error"] for entry in warnings)
    assert ADDRESS not in str(logged)


async def test_a_slot_a_dead_process_never_gave_back_lapses(redis: Redis) -> None:
    clock = Clock(1_200_000_000.0)
    slots = ReadSlots(redis, prefix=f"test-slots:{uuid.uuid4().hex[:8]}", per_client=1, clock=clock)
    client_id, other = str(uuid.uuid4()), str(uuid.uuid4())
    await slots.slot(client_id).__aenter__()  # its process dies: never left
    with pytest.raises(TooManyRequests):
        async with slots.slot(client_id):
            pass
    async with slots.slot(other):
        pass
    clock.now += LEASE_SECONDS + 1
    async with slots.slot(client_id):
        pass
