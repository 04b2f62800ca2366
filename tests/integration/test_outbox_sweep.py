"""The sweep sends again what was lost or failed a while ago, never what a drain still alive will reach."""

from datetime import timedelta
from typing import Any

import httpx
from arq.constants import job_key_prefix
from fastapi import FastAPI
from sqlalchemy import ColumnElement, func, select, update

from shared import outbox, wakes
from shared.db import transaction
from shared.models import Child, LocalAuthority, RecomputeRequest
from shared.settings import Settings
from tests.conftest import Council, state_of
from tests.integration.figures_check import assert_full_recompute_agrees
from tests.integration.helpers import add_child, assessment, run_worker, years_ago


def of_council(council: Council) -> ColumnElement[bool]:
    return RecomputeRequest.la_id.in_(select(LocalAuthority.id).where(LocalAuthority.code == council.code))


async def one_dispatched_request(api: httpx.AsyncClient, app: FastAPI, council: Council, **aged: Any) -> None:
    """Write an assessment for a new child C1, let the worker be woken for it, then set its outbox row as
    the test needs."""
    state = state_of(app)
    await add_child(api, council.headers, "C1")
    await api.post("/v1/assessments", json=assessment("C1", "A1", years_ago(1)), headers=council.headers)
    await state.dispatcher.drain()
    async with transaction(state.sessions) as db:
        await db.execute(update(RecomputeRequest).where(of_council(council)).values(**aged))


async def lose_the_drain(app: FastAPI) -> None:
    """As Redis losing it, or arq dropping a drain that failed for good: its job key goes."""
    redis = state_of(app).redis
    armed = await redis.get(wakes.armed_key(redis.default_queue_name))
    assert armed is not None and await wakes.drain_alive(redis)
    await redis.delete(job_key_prefix + armed.decode())
    assert not await wakes.drain_alive(redis)


async def sends_of(app: FastAPI, council: Council) -> list[int]:
    async with transaction(state_of(app).sessions) as db:
        return list(await db.scalars(select(RecomputeRequest.dispatch_count).where(of_council(council))))


async def test_a_request_a_live_drain_will_reach_is_not_sent_again_but_a_lost_one_is(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    state = state_of(app)
    # As if the queue were an hour behind.
    await one_dispatched_request(api, app, council, dispatched_at=func.now() - timedelta(hours=1))
    policy = outbox.SweepPolicy(timedelta(seconds=1), 5)

    await outbox.sweep(state.redis, state.sessions, policy)
    assert await sends_of(app, council) == [1]

    await lose_the_drain(app)
    await outbox.sweep(state.redis, state.sessions, policy)
    assert await sends_of(app, council) == [2] and await wakes.drain_alive(state.redis)

    await run_worker(settings, app)
    trends = (await api.get("/v1/children/C1/needs-trends", headers=council.headers)).json()
    assert trends["status"] == "fresh" and trends["summary"]["total_need"] == 24


async def test_a_recompute_that_keeps_failing_is_given_up_and_shown_as_failed(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    state = state_of(app)
    # As if every send had ended in the child failing: the last failed a while ago.
    await one_dispatched_request(
        api,
        app,
        council,
        dispatch_count=settings.outbox_max_sends,
        dispatched_at=func.now() - timedelta(hours=1),
        failed_at=func.now() - timedelta(minutes=59),
    )
    policy = outbox.SweepPolicy(timedelta(hours=2), settings.outbox_max_sends)
    # Failed too recently to send again: not failed yet.
    await outbox.sweep(state.redis, state.sessions, policy)
    assert (await api.get("/v1/children/C1/needs-trends", headers=council.headers)).json()["status"] == "pending"

    policy = outbox.SweepPolicy(timedelta(seconds=1), settings.outbox_max_sends)
    await outbox.sweep(state.redis, state.sessions, policy)
    trends = (await api.get("/v1/children/C1/needs-trends", headers=council.headers)).json()
    assert trends["status"] == "failed"
    assert await sends_of(app, council) == [settings.outbox_max_sends + 1]

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


async def test_each_request_counts_its_own_sends_and_a_burst_for_one_child_is_never_given_up(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    """Twenty writes for one child: each request is sent once, by its own wake, however many later writes
    for the same child wake the worker again, so OUTBOX_MAX_SENDS is not reached by a busy child; and the
    queue holds one drain, not a job per write."""
    state = state_of(app)
    await add_child(api, council.headers, "C1")
    for n in range(4 * settings.outbox_max_sends):
        body = assessment("C1", f"A{n}", years_ago(2 - n * 0.05))
        assert (await api.post("/v1/assessments", json=body, headers=council.headers)).status_code == 201
    await state.dispatcher.drain()
    assert await sends_of(app, council) == [1] * 4 * settings.outbox_max_sends
    drains = await state.redis.keys(f"{job_key_prefix}{settings.queue_name}:recompute:*")
    assert len(drains) == 1

    # The start-up sweep finds the drain queued: nothing is lost, nothing sent again, nothing given up.
    at_start = outbox.SweepPolicy(timedelta(0), settings.outbox_max_sends)
    await outbox.sweep(state.redis, state.sessions, at_start)
    assert await sends_of(app, council) == [1] * 4 * settings.outbox_max_sends
    assert (await api.get("/v1/children/C1/needs-trends", headers=council.headers)).json()["status"] == "pending"
    await run_worker(settings, app)
    assert (await api.get("/v1/children/C1/needs-trends", headers=council.headers)).json()["status"] == "fresh"
    await assert_full_recompute_agrees(app, council.la_id)


async def test_a_send_of_more_requests_than_a_statement_has_parameters_counts_each(
    api: httpx.AsyncClient, app: FastAPI, council: Council
) -> None:
    """A return's import asks for a recompute of every child it changed, 150,000 of them nationally: sent
    after its commit in one statement, where one parameter per request would pass PostgreSQL's 32,767."""
    state = state_of(app)
    await add_child(api, council.headers, "C1")
    async with transaction(state.sessions) as db:
        child_pk = await db.scalar(select(Child.id).where(Child.la_id == council.la_id))
        assert child_pk is not None
        await outbox.request_recomputes(db, council.la_id, [child_pk])
        pending = outbox.queued_in(db).pending
    many = pending * 40_000
    assert await outbox.send(state.redis, state.sessions, many) == len(many)
    assert await sends_of(app, council) == [1]
