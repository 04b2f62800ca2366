"""The floor under an authenticated read on this machine: `make bench` (or python -m bench.read_floor).

An authenticated read looks its key up, reads its rows and writes its audit row: three round trips to
PostgreSQL, which shares the machine's cores. Served by one uvicorn process of the API's own app, two probe
routes (bench/floor_app.py) do only bare queries, one and three, and are measured against the same
process's /healthz as bench.load measures the real reads: no route that makes those round trips can do
better than the three-query probe, whatever the API does around them."""

import asyncio

from bench.load import READ_CONCURRENCY, api_processes, get, measured, report
from bench.scratch import scratch_servers
from shared.settings import Settings


async def floors(api: tuple[int, int]) -> None:
    healthz = report("/healthz", await measured(api, READ_CONCURRENCY, lambda: get("/healthz")))
    one = report("a route making one bare query", await measured(api, READ_CONCURRENCY, lambda: get("/floor/one")))
    three = report(
        "a route making three bare queries", await measured(api, READ_CONCURRENCY, lambda: get("/floor/three"))
    )
    print(f"ratio to /healthz: one query {one / healthz:.2f}, three queries {three / healthz:.2f}", flush=True)


def main() -> None:
    with scratch_servers() as (database_url, redis_url):
        settings = Settings(database_url=database_url, redis_url=redis_url, queue_name="floor", log_level="WARNING")
        print(f"one API process with probe routes, concurrency {READ_CONCURRENCY}:", flush=True)
        with api_processes(settings, 1, app="bench.floor_app:app") as api:
            asyncio.run(floors(api))


if __name__ == "__main__":
    main()
