"""One BI client cannot stall every council: each client gets a few expensive reads at once, and a read
running past READ_STATEMENT_TIMEOUT_MS is cut off with a 503. Reads are made to wait by holding a real lock
on the tables they read, never by mocks."""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import asyncpg
import pytest
import pytest_asyncio
from fastapi import FastAPI
from redis.asyncio import Redis

from services.api.read_slots import LEASE_SECONDS, ReadSlots
from shared.access import Kind
from shared.errors import TooManyRequests
from shared.settings import Settings, libpq_url
from tests.conftest import Council, Servers, headers_for
from tests.integration.access_helpers import assert_problem, client_of, dedicated_app, retry_after

COHORT = "/v1/scores/cohort"
FIGURES = "child_needs_trends"  # locked, it holds every cohort read at its first statement
GUARD_SECONDS = 30  # only turns a hang into a failure; nothing here is measured


@asynccontextmanager
async def held(settings: Settings, table: str) -> AsyncIterator[asyncpg.Connection]:
    """A transaction holding `table` locked against every reader and writer until the block ends."""
    connection = await asyncpg.connect(libpq_url(settings.database_url))
    transaction = connection.transaction()
    await transaction.start()
    try:
        await connection.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        yield connection
    finally:
        await transaction.rollback()
        await connection.close()


def waiting(
    connection: asyncpg.Connection, table: str, least: int, *, longer_than_ms: int = 0
) -> Callable[[], Awaitable[bool]]:
    """Whether at least `least` backends wait for the lock on `table`, for longer than given (database clock).
    From pg_locks, which is read afresh each time; pg_stat_activity is a snapshot kept for the transaction."""

    async def condition() -> bool:
        count: int = await connection.fetchval(
            """SELECT count(*) FROM pg_locks
               WHERE NOT granted AND relation = $1::regclass
                 AND clock_timestamp() - waitstart > make_interval(secs => $2::float8 / 1000)""",
            table,
            longer_than_ms,
        )
        return count >= least

    return condition


async def until(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = time.monotonic() + GUARD_SECONDS
    while time.monotonic() < deadline:
        if await condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"never: {what}")


# ---- a few expensive reads per client at once -------------------------------------------------------------


async def test_a_client_past_its_concurrent_expensive_reads_is_refused_and_another_client_is_not(
    app: FastAPI, settings: Settings, council: Council
) -> None:
    other_bi = await headers_for(app, council, Kind.BI)
    async with (
        dedicated_app(settings, expensive_reads_per_client=2) as application,
        client_of(application) as client,
    ):
        async with held(settings, FIGURES) as holder:
            in_flight = [asyncio.create_task(client.get(COHORT, headers=council.bi)) for _ in range(2)]
            await until(waiting(holder, FIGURES, 2), "two reads in flight")
            third = asyncio.create_task(client.get(COHORT, headers=council.bi))

            async def third_answered_or_waiting() -> bool:
                return third.done() or await waiting(holder, FIGURES, 3)()

            await until(third_answered_or_waiting, "the third read answered")
            assert third.done(), "the third read went to the database"
            refused = third.result()
            # Another client of the same council gets a read of its own.
            elsewhere = asyncio.create_task(client.get(COHORT, headers=other_bi))
            await until(waiting(holder, FIGURES, 3), "the other client's read")
        assert refused.status_code == 429
        assert_problem(refused)
        retry_after(refused, most=5)
        assert [(await task).status_code for task in (*in_flight, elsewhere)] == [200, 200, 200]
        # Slots are given back as reads end.
        assert (await client.get(COHORT, headers=council.bi)).status_code == 200


@pytest_asyncio.fixture
async def redis(servers: Servers) -> AsyncIterator[Redis]:
    client = Redis.from_url(servers.redis_url)
    yield client
    await client.aclose()


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_a_slot_a_dead_process_never_gave_back_lapses(redis: Redis) -> None:
    clock = Clock(1_200_000_000.0)
    slots = ReadSlots(redis, prefix=f"test-slots:{uuid.uuid4().hex[:8]}", per_client=1, clock=clock)
    client_id, other = uuid.uuid4(), uuid.uuid4()
    await slots.slot(client_id).__aenter__()  # its process dies: never left
    with pytest.raises(TooManyRequests):
        async with slots.slot(client_id):
            pass
    async with slots.slot(other):
        pass
    clock.now += LEASE_SECONDS + 1
    async with slots.slot(client_id):
        pass


# ---- a statement timeout on reads --------------------------------------------------------------------------


async def test_a_read_past_the_statement_timeout_is_a_503_and_a_write_is_not_cut_off(
    settings: Settings, council: Council
) -> None:
    timeout_ms = 200
    async with (
        dedicated_app(settings, read_statement_timeout_ms=timeout_ms) as application,
        client_of(application) as client,
    ):
        async with held(settings, FIGURES):
            slow = await asyncio.wait_for(client.get(COHORT, headers=council.bi), GUARD_SECONDS)
        assert slow.status_code == 503
        assert_problem(slow)
        assert slow.json()["type"] == "/problems/try-again"
        retry_after(slow, most=60)
        assert (await client.get(COHORT, headers=council.bi)).status_code == 200

        # A write waiting as long, and longer, is left to finish.
        async with held(settings, "providers") as holder:
            write = asyncio.create_task(client.put("/v1/providers/SLOW", json={"name": "Slow"}, headers=council.admin))
            await until(waiting(holder, "providers", 1, longer_than_ms=3 * timeout_ms), "a write waiting past it")
        assert (await write).status_code == 201
