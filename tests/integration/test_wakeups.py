"""The recompute queue holds wake-ups, not a job per request: a burst of writes is a handful of jobs, a
write landing as a drain ends is still picked up, and a child whose data fails is marked, sent again
only as often as OUTBOX_MAX_SENDS allows, and never holds the others back."""

import asyncio
import json
import signal
import uuid
from pathlib import Path

import asyncpg
import httpx
import pytest
from arq.constants import job_key_prefix
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.scoring import drain
from shared import wakes
from shared.db import transaction
from shared.models import RecomputeRequest
from shared.queue import connect
from shared.settings import Settings, libpq_url
from tests.conftest import Council, state_of
from tests.integration.faults import FAULTS_GONE, REFUSED_FIGURES, all_fresh, child_pk, trends, true_within
from tests.integration.figures_check import assert_full_recompute_agrees
from tests.integration.helpers import add_child, assessment, ratings, run_worker, years_ago
from tests.integration.shipped import start_worker, stop, worker_environment


async def write(api: httpx.AsyncClient, council: Council, child: str, external_id: str, level: int = 2) -> None:
    body = assessment(child, external_id, years_ago(0.1 * (level + 1)), ratings=ratings(level))
    response = await api.post("/v1/assessments", json=body, headers=council.headers)
    assert response.status_code == 201, response.text


async def drains_queued(app: FastAPI, settings: Settings) -> int:
    return len(await state_of(app).redis.keys(f"{job_key_prefix}{settings.queue_name}:recompute:*"))


async def test_a_burst_of_writes_is_a_handful_of_jobs_and_leaves_nothing_behind(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    children = [f"W{n}" for n in range(40)]
    for child in children:
        await add_child(api, council.headers, child)
    for n, child in enumerate(children):
        await write(api, council, child, f"{child}-1", level=n % 5)
        await write(api, council, child, f"{child}-2", level=(n + 2) % 5)
    await state_of(app).dispatcher.drain()
    assert await drains_queued(app, settings) == 1  # 80 requests, one wake-up

    worker = await run_worker(settings, app)
    # The drain, and perhaps the sweep's cron or a drain a late wake queued: not one job per request.
    assert worker.jobs_complete <= 5 and worker.jobs_failed == 0, (worker.jobs_complete, worker.jobs_failed)
    assert await drains_queued(app, settings) == 0
    assert await all_fresh(api, council, children)()
    await assert_full_recompute_agrees(app, council.la_id)


async def test_a_write_committed_after_a_drain_s_last_read_is_still_picked_up(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The drain finds nothing left, then a write commits and wakes the worker before the drain ends: the
    wake only raises the flag (the drain is still alive), and the drain, settling, queues the next one."""
    for child in ("L1", "L2"):
        await add_child(api, council.headers, child)
    await write(api, council, "L1", "L1-1")
    read_pending = drain.pending_children
    landed = False

    async def then_a_write_lands(sessions: async_sessionmaker[AsyncSession]) -> list[uuid.UUID]:
        nonlocal landed
        found = await read_pending(sessions)
        if not found and not landed:
            landed = True
            await write(api, council, "L2", "L2-1")
            await state_of(app).dispatcher.drain()
            assert await wakes.drain_alive(state_of(app).redis)
        return found

    monkeypatch.setattr(drain, "pending_children", then_a_write_lands)
    await run_worker(settings, app)
    assert landed
    assert await all_fresh(api, council, ["L1", "L2"])()
    await assert_full_recompute_agrees(app, council.la_id)


async def test_the_wake_protocol_keeps_one_drain_and_loses_no_wake(settings: Settings) -> None:
    """Each step as a drain meets it, on a queue of its own."""
    own = f"{settings.queue_name}:protocol"
    redis = connect(settings.model_copy(update={"queue_name": own}))
    try:

        async def armed() -> str:
            value = await redis.get(wakes.armed_key(own))
            assert value is not None
            return str(value.decode())

        assert await wakes.wake(redis) is True
        first = await armed()
        assert await wakes.wake(redis) is False and await redis.zcard(own) == 1  # one drain queued, flag raised
        await wakes.claim(redis, first)  # the drain starts: what committed before is in its reads
        assert await wakes.settle(redis, first, work_left=False) is False  # nothing came meanwhile: disarmed
        assert await wakes.wake(redis) is True and await armed() != first  # the next wake queues a new drain

        second = await armed()
        await wakes.claim(redis, second)
        assert await wakes.wake(redis) is False  # a write lands while it runs
        assert await wakes.settle(redis, second, work_left=False) is True  # so it queues the next
        third = await armed()
        assert third != second
        await wakes.claim(redis, third)
        assert await wakes.settle(redis, third, work_left=True) is True  # stopped for time: the next goes on
        fourth = await armed()

        # arq drops a drain that failed for good with its key: the next wake does not wait on it.
        await redis.delete(job_key_prefix + fourth)
        assert await wakes.drain_alive(redis) is False
        assert await wakes.wake(redis) is True and await armed() != fourth
        # A stray drain, no longer the armed one, settles nothing.
        assert await wakes.settle(redis, fourth, work_left=True) is False
    finally:
        await redis.delete(own, wakes.wake_key(own), wakes.armed_key(own))
        for key in await redis.keys(f"{job_key_prefix}{own}:*"):
            await redis.delete(key)
        await redis.aclose()


MAX_SENDS = 2


async def test_a_failing_child_is_marked_tried_as_often_as_sent_and_holds_no_one_back(
    api: httpx.AsyncClient,
    app: FastAPI,
    settings: Settings,
    council: Council,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On the worker as the shipped files start it, sweeping every second: the failing child is tried once
    per send, then shown failed; the others are fresh; only drains that recomputed something log it."""
    for name, value in {
        "OUTBOX_SWEEP_SECONDS": "1",
        "OUTBOX_STALL_SECONDS": "1",
        "OUTBOX_MAX_SENDS": str(MAX_SENDS),
    }.items():
        monkeypatch.setenv(name, value)
    children = [f"F{n}" for n in range(30)]
    refused = f"X903-{uuid.uuid4().hex[:10]}"
    for child in [*children, refused]:
        await add_child(api, council.headers, child)
    database = await asyncpg.connect(libpq_url(settings.database_url))
    output = tmp_path / "worker.log"
    try:
        pk = uuid.UUID(await child_pk(app, council, refused))
        await database.execute(REFUSED_FIGURES.format(child_pk=pk))
        for child in [*children, refused]:
            await write(api, council, child, f"{child}-1")
        await state_of(app).dispatcher.drain()
        worker = await start_worker(worker_environment(settings), output)
        try:

            async def given_up() -> bool:
                # Read as the worker's settings count (the API here counts five sends).
                async with transaction(state_of(app).sessions) as db:
                    sends = await db.scalars(
                        select(RecomputeRequest.dispatch_count).where(RecomputeRequest.child_pk == pk)
                    )
                    return list(sends) == [MAX_SENDS + 1]

            await true_within(all_fresh(api, council, children), 60, "the children beside the failing one")
            await true_within(given_up, 60, "the failing child given up")
            # Stopped after a few more sweeps, to see it is not tried again.
            await asyncio.sleep(3)
        finally:
            assert await stop(worker, signal.SIGTERM) == 0, output.read_text()
    finally:
        await database.execute(FAULTS_GONE)
        await database.close()

    lines = [json.loads(line) for line in output.read_text().splitlines()]
    failures = [line for line in lines if line["event"] == "recompute.failed"]
    assert len(failures) == MAX_SENDS, failures
    done = [line for line in lines if line["event"] == "recompute.done"]
    assert done and all(line["children"] > 0 for line in done), done
    assert sum(line["children"] for line in done) >= len(children) and len(done) <= 3, done

    # Its data mended, a new write brings it back.
    await write(api, council, refused, f"{refused}-2", level=3)
    await run_worker(settings, app)
    assert (await trends(api, council, refused))["status"] == "fresh"
    await assert_full_recompute_agrees(app, council.la_id)
