"""The worker as the shipped files start it (the worker image's CMD), under the faults that used to need
a person: Redis stopped for longer than arq's own retries, and the worker killed during a recompute.
Each ends by checking that every child's figures equal a full recompute."""

import asyncio
import signal
import uuid
from pathlib import Path

import asyncpg
import httpx

from services.stack.embedded import EmbeddedRedis
from shared.settings import Settings, libpq_url
from tests.conftest import ROOT, Council, Servers, new_council, settings_for
from tests.integration.deploy_files import COMPOSE, load
from tests.integration.faults import all_fresh, child_pk, running, trends, true_within, wait_for_row_lock_waiter
from tests.integration.figures_check import assert_full_recompute_agrees
from tests.integration.helpers import add_child, assessment, ratings, run_worker, years_ago
from tests.integration.shipped import on_this_machine, shipped_worker, stop, worker_environment

# arq's worker tried a Redis unreachable at start five times, a second apart, then ended.
ARQ_GAVE_UP_AFTER = 6.0
# What "within seconds" of Redis returning allows: the worker's reconnect backoff (5 s at most) and the
# outbox sweep's period (10 s), on a busy machine.
CAUGHT_UP_WITHIN = 20.0
# The bound for a child whose recompute a killed worker held, from the worker's restart.
RERUN_WITHIN = 10.0


async def health_check(settings: Settings) -> tuple[int, str]:
    """The worker's health check as docker-compose.yml runs it."""
    test = load(COMPOSE)["services"]["worker"]["healthcheck"]["test"]
    assert test[0] == "CMD", test
    check = await asyncio.create_subprocess_exec(
        *on_this_machine(test[1:]),
        cwd=ROOT,
        env=worker_environment(settings),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await check.communicate()
    assert check.returncode is not None
    return check.returncode, output.decode()


async def assess(api: httpx.AsyncClient, council: Council, child: str, external_id: str, level: int) -> None:
    body = assessment(child, external_id, years_ago(0.1 * level), ratings=ratings(level))
    response = await api.post("/v1/assessments", json=body, headers=council.headers)
    assert response.status_code == 201, response.text


async def test_the_worker_waits_out_redis_and_catches_up_by_itself(
    servers: Servers, own_redis: EmbeddedRedis, tmp_path: Path
) -> None:
    settings = settings_for(servers, own_redis.url)
    children = ["W1", "W2", "W3"]
    async with running(settings) as (app, api):
        council = await new_council(app)
        for child in children:
            await add_child(api, council.headers, child)
        own_redis.stop()
        # Redis unreachable as the worker starts, and for longer than arq's own tries.
        async with shipped_worker(worker_environment(settings), tmp_path / "worker.log") as worker:
            for child in children:
                await assess(api, council, child, f"{child}-1", 3)
            await asyncio.sleep(ARQ_GAVE_UP_AFTER)
            assert worker.returncode is None, (tmp_path / "worker.log").read_text()
            status, said = await health_check(settings)
            assert status != 0 and said.startswith("waiting for Redis"), said

            own_redis.restart()
            await true_within(all_fresh(api, council, children), CAUGHT_UP_WITHIN, "figures after Redis started")
            status, said = await health_check(settings)
            assert status == 0, said

            # Redis lost while the worker runs, and writes made meanwhile.
            own_redis.stop()
            for child in children:
                await assess(api, council, child, f"{child}-2", 1)
            await asyncio.sleep(1)  # long enough for the worker's next poll to find Redis gone
            assert worker.returncode is None, (tmp_path / "worker.log").read_text()
            status, said = await health_check(settings)
            assert status != 0 and said.startswith("waiting for Redis"), said

            own_redis.restart()
            await true_within(all_fresh(api, council, children), CAUGHT_UP_WITHIN, "figures after Redis returned")
            assert (await health_check(settings))[0] == 0

            # Stopped while Redis is away, it still ends cleanly.
            own_redis.stop()
            await asyncio.sleep(0.5)
            assert await stop(worker) == 0, (tmp_path / "worker.log").read_text()
        own_redis.restart()
        for child in children:
            assert (await trends(api, council, child))["summary"]["assessments_count"] == 2
        await assert_full_recompute_agrees(app, council.la_id)


async def test_a_child_whose_recompute_a_killed_worker_held_is_fresh_soon_after_the_restart(
    servers: Servers, settings: Settings, tmp_path: Path
) -> None:
    async with running(settings) as (app, api):
        council = await new_council(app)
        await add_child(api, council.headers, "K1")
        await assess(api, council, "K1", "K1-1", 3)
        await run_worker(settings, app)
        await assess(api, council, "K1", "K1-2", 1)
        await app.state.services.dispatcher.drain()
        pk = await child_pk(app, council, "K1")

        # Hold the child's outbox rows: the job computes, then waits inside its transaction. There it dies.
        holder = await asyncpg.connect(libpq_url(servers.database_url))
        hold = holder.transaction()
        await hold.start()
        await holder.execute("SELECT id FROM recompute_requests WHERE child_pk = $1 FOR UPDATE", uuid.UUID(pk))
        async with shipped_worker(worker_environment(settings), tmp_path / "worker.log") as worker:
            try:
                await wait_for_row_lock_waiter(holder)
                assert await stop(worker, signal.SIGKILL) == -signal.SIGKILL
            finally:
                await hold.rollback()
                await holder.close()
        assert (await trends(api, council, "K1"))["status"] == "pending"

        async with shipped_worker(worker_environment(settings), tmp_path / "worker.log") as worker:
            await true_within(all_fresh(api, council, ["K1"]), RERUN_WITHIN, "the killed worker's child")
            assert await stop(worker) == 0
        figures = await trends(api, council, "K1")
        assert (figures["summary"]["assessments_count"], figures["summary"]["total_need"]) == (2, 12)
        await assert_full_recompute_agrees(app, council.la_id)
