"""The sweep re-sends what was lost, never what is merely waiting in the queue."""

from datetime import timedelta
from typing import Any

import httpx
from arq.constants import job_key_prefix
from fastapi import FastAPI
from sqlalchemy import ColumnElement, func, select, text, update

from shared import outbox
from shared.db import transaction
from shared.models import LocalAuthority, RecomputeRequest
from shared.queue import RECOMPUTE_CHILD, connect, recompute_job_id
from shared.settings import Settings
from tests.conftest import Council, state_of
from tests.integration.helpers import add_child, assessment, run_worker, years_ago
from tests.integration.test_full_recompute import assert_full_recompute_agrees


def of_council(council: Council) -> ColumnElement[bool]:
    return RecomputeRequest.la_id.in_(select(LocalAuthority.id).where(LocalAuthority.code == council.code))


async def one_dispatched_request(api: httpx.AsyncClient, app: FastAPI, council: Council, **aged: Any) -> str:
    """Write an assessment for a new child C1, let its recompute be sent, then set its outbox row as
    the test needs; returns the id of the job sent to Redis."""
    state = state_of(app)
    await add_child(api, council.headers, "C1")
    await api.post("/v1/assessments", json=assessment("C1", "A1", years_ago(1)), headers=council.headers)
    await state.dispatcher.drain()
    async with transaction(state.sessions) as db:
        mine = of_council(council)
        job_id = await db.scalar(select(RecomputeRequest.job_id).where(mine))
        await db.execute(update(RecomputeRequest).where(mine).values(**aged))
    assert job_id is not None
    return job_id


async def sent_job(app: FastAPI, council: Council) -> str | None:
    async with transaction(state_of(app).sessions) as db:
        mine = of_council(council)
        return await db.scalar(select(RecomputeRequest.job_id).where(mine))


async def test_a_queued_job_is_not_sent_again_but_a_lost_one_is(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    state = state_of(app)
    # As if the queue were an hour behind.
    job_id = await one_dispatched_request(api, app, council, dispatched_at=func.now() - timedelta(hours=1))
    assert await state.redis.exists(job_key_prefix + job_id)

    assert await outbox.sweep(state.redis, state.sessions, outbox.SweepPolicy(timedelta(seconds=1), 5)) == 0

    await state.redis.delete(job_key_prefix + job_id)
    assert await outbox.sweep(state.redis, state.sessions, outbox.SweepPolicy(timedelta(seconds=1), 5)) == 1
    resent = await sent_job(app, council)
    assert resent is not None and resent != job_id

    await run_worker(settings, app)
    trends = (await api.get("/v1/children/C1/needs-trends", headers=council.headers)).json()
    assert trends["status"] == "fresh" and trends["summary"]["total_need"] == 24


async def test_a_recompute_that_keeps_failing_is_given_up_and_shown_as_failed(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    state = state_of(app)
    # As if every job sent for it had failed: arq drops a failed job's key.
    job_id = await one_dispatched_request(
        api,
        app,
        council,
        dispatch_count=settings.outbox_max_sends,
        dispatched_at=func.now() - timedelta(hours=1),
    )
    # The last send may still be waiting in the queue: not failed yet.
    assert (await api.get("/v1/children/C1/needs-trends", headers=council.headers)).json()["status"] == "pending"
    await state.redis.delete(job_key_prefix + job_id)

    policy = outbox.SweepPolicy(timedelta(seconds=1), settings.outbox_max_sends)
    assert await outbox.sweep(state.redis, state.sessions, policy) == 0
    trends = (await api.get("/v1/children/C1/needs-trends", headers=council.headers)).json()
    assert trends["status"] == "failed"

    # A new write gives the child a fresh request, which is sent again.
    await api.post("/v1/assessments", json=assessment("C1", "A2", years_ago(0.5)), headers=council.headers)
    await run_worker(settings, app)
    assert (await api.get("/v1/children/C1/needs-trends", headers=council.headers)).json()["status"] == "fresh"


async def test_a_burst_of_writes_is_pending_not_failed(
    api: httpx.AsyncClient, council: Council, settings: Settings
) -> None:
    await add_child(api, council.headers, "C1")
    for n in range(settings.outbox_max_sends + 1):
        body = assessment("C1", f"A{n}", years_ago(2 - n * 0.25))
        assert (await api.post("/v1/assessments", json=body, headers=council.headers)).status_code == 201
    assert (await api.get("/v1/children/C1/needs-trends", headers=council.headers)).json()["status"] == "pending"


async def test_another_queue_s_jobs_of_the_same_numbers_do_not_swallow_ours(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    """Request numbers restart with each database: a second deployment on the same Redis (or an earlier
    test database) has sent jobs numbered as ours will be, and arq's job keys are not per queue."""
    state = state_of(app)
    async with transaction(state.sessions) as db:
        # The next number given is last_value, or the one after once the sequence has been used.
        last = await db.scalar(text("SELECT last_value FROM recompute_requests_id_seq"))
    other = connect(settings.model_copy(update={"queue_name": f"{settings.queue_name}:other"}))
    try:
        for request_id in range(last, last + 6):
            job_id = recompute_job_id(other.default_queue_name, request_id, 0)
            assert await other.enqueue_job(RECOMPUTE_CHILD, "someone else's", _job_id=job_id) is not None
        await add_child(api, council.headers, "C1")
        await api.post("/v1/assessments", json=assessment("C1", "A1", years_ago(1)), headers=council.headers)
        await run_worker(settings, app)
    finally:
        await other.aclose()
    trends = (await api.get("/v1/children/C1/needs-trends", headers=council.headers)).json()
    assert trends["status"] == "fresh" and trends["summary"]["total_need"] == 24


async def test_each_request_counts_its_own_sends_and_a_burst_for_one_child_is_never_given_up(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    """Twenty writes for one child, each sent its own job: a request's count is the jobs sent for it (their
    ids name it), not every later send for the child, so OUTBOX_MAX_SENDS is not reached by a busy child."""
    state = state_of(app)
    await add_child(api, council.headers, "C1")
    for n in range(4 * settings.outbox_max_sends):
        body = assessment("C1", f"A{n}", years_ago(2 - n * 0.05))
        assert (await api.post("/v1/assessments", json=body, headers=council.headers)).status_code == 201
    await state.dispatcher.drain()
    async with transaction(state.sessions) as db:
        rows = await db.execute(select(RecomputeRequest.id, RecomputeRequest.dispatch_count).where(of_council(council)))
        counts = dict(rows.all())
    sends = {request_id: 0 for request_id in counts}
    for key in await state.redis.keys(f"{job_key_prefix}{settings.queue_name}:recompute:*"):
        request_id = int(key.decode().rsplit(":", 2)[1])
        if request_id in sends:
            sends[request_id] += 1
    assert len(counts) == 4 * settings.outbox_max_sends and set(sends.values()) == {1}
    assert counts == sends

    # The start-up sweep finds every request's job queued: none is lost, none given up.
    at_start = outbox.SweepPolicy(timedelta(0), settings.outbox_max_sends)
    assert await outbox.sweep(state.redis, state.sessions, at_start) == 0
    assert (await api.get("/v1/children/C1/needs-trends", headers=council.headers)).json()["status"] == "pending"
    await run_worker(settings, app)
    assert (await api.get("/v1/children/C1/needs-trends", headers=council.headers)).json()["status"] == "fresh"
    await assert_full_recompute_agrees(app, council.la_id)
