"""The API's own app with two probe routes that exist here only, never in the service: each answers a
constant body after bare asyncpg queries on a pool of its own, with no key, throttle or audit. uvicorn
serves it for bench/read_floor.py."""

import asyncio

import asyncpg
from fastapi import Response

from services.api.main import create_app
from shared.settings import Settings, libpq_url

settings = Settings()
app = create_app(settings)
pool: asyncpg.Pool | None = None
opening = asyncio.Lock()


async def connections() -> asyncpg.Pool:
    global pool
    async with opening:
        if pool is None:
            pool = await asyncpg.create_pool(libpq_url(settings.database_url), min_size=1, max_size=8)
    return pool


async def probe(queries: int) -> Response:
    async with (await connections()).acquire() as connection:
        for _ in range(queries):
            await connection.fetchval("SELECT 1")
    return Response(b'{"probe":true}', media_type="application/json")


@app.get("/floor/one", include_in_schema=False)
async def one_query() -> Response:
    return await probe(1)


@app.get("/floor/three", include_in_schema=False)
async def three_queries() -> Response:
    return await probe(3)
