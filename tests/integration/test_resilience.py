"""Figures are late, never wrong or lost: Redis down, a worker killed mid-job, a dropped connection. Each ends
by checking that every child's figures equal a full recompute."""

import asyncio
import os
import signal
import sys
import uuid

import asyncpg
import httpx
from arq.worker import Worker
from fastapi import FastAPI
from sqlalchemy import func, select

from services.scoring.worker import worker_options
from services.stack.embedded import EmbeddedRedis
from shared.db import transaction
from shared.models import DomainNeedsTrend
from shared.settings import Settings, libpq_url
from tests.conftest import ROOT, Council, Servers, new_council, settings_for, state_of
from tests.integration.faults import (
    child_pk,
    hold_child_lock,
    running,
    trends,
    wait_for_lock_waiter,
    wait_for_row_lock_waiter,
)
from tests.integration.figures_check import assert_full_recompute_agrees
from tests.integration.helpers import add_child, assessment, ratings, run_worker, years_ago


async def domain_rows(app: FastAPI, pk: str) -> int:
    async with transaction(state_of(app).sessions) as db:
        return await db.scalar(select(func.count()).where(DomainNeedsTrend.child_pk == pk)) or 0


async def test_writes_are_kept_while_redis_is_down_and_figures_catch_up(
    servers: Servers, own_redis: EmbeddedRedis
) -> None:
    settings = settings_for(servers, own_redis.url)
    async with running(settings) as (app, api):
        council = await new_council(app)
        own_redis.stop()
        await add_child(api, council.headers, "C1")
        for n, level in enumerate((3, 1)):
            body = assessment("C1", f"A{n}", years_ago(1 - n * 0.5), ratings=ratings(level))
            response = await api.post("/v1/assessments", json=body, headers=council.headers)
            assert response.status_code == 201
        await state_of(app).dispatcher.drain()
        assert (await trends(api, council, "C1"))["status"] == "pending"
        ready = await api.get("/readyz")
        assert ready.status_code == 200 and ready.json()["status"] == "degraded"
        assert ready.json()["checks"]["redis"].startswith("unavailable")

        own_redis.restart()
        await run_worker(settings, app)
        figures = await trends(api, council, "C1")
        assert figures["status"] == "fresh"
        assert (figures["summary"]["baseline_total_need"], figures["summary"]["total_need"]) == (36, 12)
        await assert_full_recompute_agrees(app, council.la_id)


async def test_a_worker_killed_mid_job_leaves_figures_right_and_single(
    servers: Servers, settings: Settings, app: FastAPI, api: httpx.AsyncClient, council: Council
) -> None:
    settings = settings.model_copy(update={"worker_job_timeout_seconds": 5})
    await add_child(api, council.headers, "K1")
    first = assessment("K1", "A1", years_ago(1), ratings=ratings(3))
    await api.post("/v1/assessments", json=first, headers=council.headers)
    await run_worker(settings, app)
    second = assessment("K1", "A2", years_ago(0.5), ratings=ratings(1))
    await api.post("/v1/assessments", json=second, headers=council.headers)
    await state_of(app).dispatcher.drain()
    pk = await child_pk(app, council, "K1")

    # Hold the child's outbox rows: the job computes, replaces the figures, then waits to mark them
    # done, inside its transaction. That is where it dies.
    holder = await asyncpg.connect(libpq_url(servers.database_url))
    hold = holder.transaction()
    await hold.start()
    await holder.execute("SELECT id FROM recompute_requests WHERE child_pk = $1 FOR UPDATE", uuid.UUID(pk))
    env = os.environ | {
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "QUEUE_NAME": settings.queue_name,
        "WORKER_JOB_TIMEOUT_SECONDS": "5",
    }
    worker = await asyncio.create_subprocess_exec(sys.executable, "-m", "services.scoring", cwd=ROOT, env=env)
    try:
        await wait_for_row_lock_waiter(holder)
        worker.send_signal(signal.SIGKILL)
        await asyncio.wait_for(worker.wait(), timeout=10)
    finally:
        if worker.returncode is None:
            worker.kill()
        await hold.rollback()
        await holder.close()

    half_done = await trends(api, council, "K1")
    assert half_done["status"] == "pending"
    assert half_done["summary"]["assessments_count"] == 1 and half_done["summary"]["total_need"] == 36
    assert await domain_rows(app, pk) == 12

    await run_worker(settings, app)
    figures = await trends(api, council, "K1")
    assert figures["status"] == "fresh"
    assert figures["summary"]["assessments_count"] == 2 and figures["summary"]["total_need"] == 12
    assert await domain_rows(app, pk) == 12
    await assert_full_recompute_agrees(app, council.la_id)


async def test_a_dropped_database_connection_is_retried(
    servers: Servers, settings: Settings, app: FastAPI, api: httpx.AsyncClient, council: Council
) -> None:
    await add_child(api, council.headers, "R1")
    await api.post(
        "/v1/assessments", json=assessment("R1", "A1", years_ago(1), ratings=ratings(2)), headers=council.headers
    )
    await state_of(app).dispatcher.drain()
    lock = await hold_child_lock(servers, await child_pk(app, council, "R1"))
    worker = Worker(**worker_options(settings), burst=True, handle_signals=False)
    running_worker = asyncio.create_task(worker.main())
    try:
        victim = await wait_for_lock_waiter(lock)
        await lock.execute("SELECT pg_terminate_backend($1)", victim)
    finally:
        await lock.execute("SELECT pg_advisory_unlock_all()")
        await lock.close()
    await running_worker
    await worker.close()
    assert worker.jobs_retried >= 1 and worker.jobs_failed == 0
    figures = await trends(api, council, "R1")
    assert figures["status"] == "fresh" and figures["summary"]["total_need"] == 24
    await assert_full_recompute_agrees(app, council.la_id)
