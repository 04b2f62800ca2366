"""Pooled connections the server closed (a restart, an operator's pg_terminate_backend) are replaced as
they are taken, without a ping on every checkout: the requests after are answered as usual."""

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest_asyncio
from fastapi import FastAPI

from services.api.main import create_app
from shared.settings import Settings, libpq_url
from tests.conftest import Council, new_council

SUMMARY = "/v1/scores/needs-summary?limit=5"
CHILD = {"date_of_birth": "2015-03-01", "sex": "M", "ethnicity": "WBRI"}


@pytest_asyncio.fixture
async def own_app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


async def close_every_other_connection(settings: Settings) -> None:
    admin = await asyncpg.connect(libpq_url(settings.database_url))
    try:
        others = "datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        closed = await admin.fetchval(f"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE {others}")
        assert closed > 0
        for _ in range(100):
            if await admin.fetchval(f"SELECT count(*) FROM pg_stat_activity WHERE {others}") == 0:
                break
            await asyncio.sleep(0.05)
    finally:
        await admin.close()
    # The API's event loop reads each closed socket's end.
    await asyncio.sleep(0.1)


async def test_requests_after_the_server_closed_every_pooled_connection_are_answered(
    own_app: FastAPI, settings: Settings
) -> None:
    council: Council = await new_council(own_app)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=own_app), base_url="http://test") as api:
        # Several connections in the pool, all idle.
        reads = await asyncio.gather(*(api.get(SUMMARY, headers=council.bi) for _ in range(6)))
        assert all(read.status_code == 200 for read in reads)

        await close_every_other_connection(settings)

        reads = await asyncio.gather(*(api.get(SUMMARY, headers=council.bi) for _ in range(6)))
        assert [read.status_code for read in reads] == [200] * 6
        written = await api.put("/v1/children/POOL-1", json=CHILD, headers=council.headers)
        assert written.status_code == 201, written.text
