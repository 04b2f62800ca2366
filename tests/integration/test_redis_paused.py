"""A Redis that takes connections but never answers (its process paused, as a hung or swapping server is)
costs the API a short deadline, not Redis's whole timeout: requests and readiness stay fast, the limits are
off while it is paused and back once it answers, and writes made meanwhile reach their figures."""

import asyncio
import json
import signal
import time
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import httpx
from arq.connections import ArqRedis
from fastapi import FastAPI
from structlog.testing import capture_logs

from services.stack.embedded import EmbeddedRedis
from shared.access import Kind
from shared.redis_breaker import GuardedPool
from tests.conftest import Council, Servers, headers_for, new_council, settings_for, state_of
from tests.integration.faults import running, trends
from tests.integration.figures_check import assert_full_recompute_agrees
from tests.integration.helpers import add_child, assessment, ratings, run_worker, years_ago
from tests.integration.shipped import shipped_api

# Generous: a request here takes tens of milliseconds, and waiting on the paused Redis took seconds.
FAST = 1.0
LIMIT = 3  # requests per client per window
STOPS_WITHIN = 5.0  # uvicorn's own shutdown takes about a second here


@contextmanager
def paused(redis: EmbeddedRedis) -> Iterator[None]:
    redis.process.send_signal(signal.SIGSTOP)
    try:
        yield
    finally:
        redis.process.send_signal(signal.SIGCONT)


async def fast(sending: Awaitable[httpx.Response]) -> httpx.Response:
    began = time.monotonic()
    response = await sending
    took = time.monotonic() - began
    assert took < FAST, f"{response.request.url.path} took {took:.1f} s"
    return response


async def test_a_paused_redis_costs_requests_a_deadline_and_lifts_the_limits_until_it_answers(
    servers: Servers, own_redis: EmbeddedRedis
) -> None:
    settings = settings_for(servers, own_redis.url).model_copy(update={"client_request_limit": LIMIT})
    async with running(settings) as (app, api):
        council = await new_council(app)
        await add_child(api, council.headers, "P1")

        with paused(own_redis), capture_logs() as logged:
            for n, level in enumerate((3, 1)):
                body = assessment("P1", f"A{n}", years_ago(1 - n * 0.5), ratings=ratings(level))
                response = await fast(api.post("/v1/assessments", json=body, headers=council.headers))
                assert response.status_code == 201
            # More requests than the client's limit, all served: the limit is off, not the API.
            for _ in range(LIMIT):
                response = await fast(api.get("/v1/children/P1/needs-trends", headers=council.headers))
                assert response.status_code == 200 and response.json()["status"] == "pending"
            cohort = await fast(api.get("/v1/scores/cohort", headers=council.bi))
            assert cohort.status_code == 200
            ready = await fast(api.get("/readyz"))
            assert ready.status_code == 200 and ready.json()["status"] == "degraded"
            assert ready.json()["checks"]["redis"].startswith("unavailable")
            # The recomputes the writes asked for are left to the sweep, not waiting on Redis.
            began = time.monotonic()
            await state_of(app).dispatcher.drain()
            assert time.monotonic() - began < FAST, "the sends after commit waited on Redis"

        async def throttled() -> bool:
            response = await api.get("/v1/children/P1/needs-trends", headers=council.headers)
            assert response.status_code in (200, 429)
            return response.status_code == 429

        async def ready() -> bool:
            response = await api.get("/readyz")
            return response.json()["status"] == "ready"

        with capture_logs() as answered:
            for check in (throttled, ready):
                deadline = time.monotonic() + 10
                while not await check():
                    assert time.monotonic() < deadline, f"not {check.__name__} 10 s after Redis answered again"
                    await asyncio.sleep(0.05)
        # Said once each way, however many requests went without Redis.
        assert [entry["event"] for entry in logged if entry["event"].startswith("redis.")] == ["redis.not_answering"]
        assert [entry["event"] for entry in answered if entry["event"].startswith("redis.")] == [
            "redis.answering_again"
        ]

        await run_worker(settings, app)
        # The case-management client is over its limit now: another client of the council reads.
        reader = replace(council, headers=await headers_for(app, council, Kind.CASE_MANAGEMENT))
        figures = await trends(api, reader, "P1")
        assert figures["status"] == "fresh" and figures["summary"]["assessments_count"] == 2
        await assert_full_recompute_agrees(app, council.la_id)


async def test_a_reply_that_came_in_time_is_taken_though_the_api_was_too_busy_to_read_it(
    own_redis: EmbeddedRedis,
) -> None:
    """An API busy past the deadline must not take its own delay for Redis's, or a loaded API would find
    Redis 'not answering' and turn its limits off."""
    redis = ArqRedis(GuardedPool.from_url(own_redis.url, deadline_seconds=0.05))

    def answer_while_busy() -> None:
        own_redis.process.send_signal(signal.SIGCONT)
        time.sleep(0.3)  # this process busy: Redis answers meanwhile, and the deadline passes

    try:
        await redis.set("key", "value")
        # Paused, so the command is sent before the reply can come, and the reply comes while the loop is busy.
        own_redis.process.send_signal(signal.SIGSTOP)
        asyncio.get_running_loop().call_later(0.01, answer_while_busy)
        assert await redis.get("key") == b"value"
    finally:
        own_redis.process.send_signal(signal.SIGCONT)
        await redis.aclose()


async def test_the_shipped_api_stays_ready_and_stops_at_once_while_redis_is_paused(
    servers: Servers, app: FastAPI, api: httpx.AsyncClient, council: Council, own_redis: EmbeddedRedis, tmp_path: Path
) -> None:
    settings = settings_for(servers, own_redis.url)
    output = tmp_path / "api.log"
    with paused(own_redis):
        async with shipped_api(settings, output) as shipped:
            for _ in range(3):  # the readiness probe, as Kubernetes sends it
                ready = await fast(shipped.get("/readyz"))
                assert ready.status_code == 200 and ready.json()["status"] == "degraded"
            await add_child(shipped, council.headers, "S1")
            body = assessment("S1", "A1", years_ago(1), ratings=ratings(2))
            response = await fast(shipped.post("/v1/assessments", json=body, headers=council.headers))
            assert response.status_code == 201
            stopping = time.monotonic()
        # Ctrl-C, as make run stops it: the sends after commit are not left waiting on Redis to hold it up.
        assert time.monotonic() - stopping < STOPS_WITHIN
    lines = [json.loads(line) for line in output.read_text().splitlines()]
    assert [line["event"] for line in lines if line["event"].startswith("redis.")] == ["redis.not_answering"]

    await run_worker(settings, app)
    figures = await trends(api, council, "S1")
    assert figures["status"] == "fresh" and figures["summary"]["assessments_count"] == 1
    await assert_full_recompute_agrees(app, council.la_id)
