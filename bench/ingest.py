"""Write-path and recompute figures on this machine: `make bench`.

Real PostgreSQL and Redis (embedded, or DATABASE_URL / REDIS_URL), a fresh database built by the
migrations, the API in process, a real burst worker. Prints one line per figure."""

import asyncio
import os
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from alembic import command
from alembic.config import Config
from arq.worker import Worker

from services.api import councils
from services.api.clients import service as clients
from services.api.clients.schemas import ClientIn, KeyIn
from services.api.main import create_app
from services.scoring.worker import worker_options
from services.stack.embedded import start_postgres, start_redis
from shared.access import Kind
from shared.db import transaction
from shared.instruments import shipped_instrument
from shared.settings import Settings, asyncpg_url

ROOT = Path(__file__).resolve().parents[1]
DOMAINS = shipped_instrument().domains
CHILDREN = 100


def assessment(child: int, number: int, day: date) -> dict[str, Any]:
    ratings = {d: {"need": (child + number + i) % 5, "strength": 1} for i, d in enumerate(DOMAINS)}
    return {
        "external_id": f"A-{child}-{number}", "child_id": f"C{child}", "assessed_on": day.isoformat(),
        "context": "review", "assessor_role": "social_worker", "status": "final", "ratings": ratings,
    }  # fmt: skip


async def measure(settings: Settings) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        state = app.state.services
        async with transaction(state.sessions) as db:
            council = await councils.create_council(db, "BENCH", "Benchmark council")
            client = await clients.create_client(db, council.id, ClientIn(name="bench", kind=Kind.CASE_MANAGEMENT))
            headers = {"Authorization": f"Bearer {(await clients.issue_key(db, client, KeyIn())).api_key}"}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as api:
            child = {"date_of_birth": "2012-01-01", "sex": "F", "ethnicity": "WBRI"}
            for n in range(CHILDREN):
                await api.put(f"/v1/children/C{n}", json=child, headers=headers)
            start = date(2020, 1, 1)
            items = [
                assessment(n % CHILDREN, n // CHILDREN, start + timedelta(days=91 * (n // CHILDREN)))
                for n in range(1000)
            ]
            began = time.perf_counter()
            response = await api.post("/v1/assessments/batch", json={"items": items}, headers=headers)
            assert response.status_code == 200, response.text
            print(f"batch of 1,000 assessments: {time.perf_counter() - began:.2f} s")
            began = time.perf_counter()
            for n in range(200):
                body = assessment(n % CHILDREN, 100 + n // CHILDREN, start + timedelta(days=1000 + n // CHILDREN))
                assert (await api.post("/v1/assessments", json=body, headers=headers)).status_code == 201
            print(f"single assessment POST, mean of 200: {(time.perf_counter() - began) / 200 * 1000:.1f} ms")
        await state.dispatcher.drain()
        worker = Worker(**worker_options(settings), burst=True, handle_signals=False)
        began = time.perf_counter()
        await worker.main()
        elapsed = time.perf_counter() - began
        await worker.close()
        print(f"worker: recomputed {CHILDREN} children of 12 assessments each in {elapsed:.2f} s")


async def fresh_database(admin_url: str) -> str:
    name = f"bench_{uuid.uuid4().hex[:8]}"
    connection = await asyncpg.connect(admin_url.replace("postgresql+asyncpg://", "postgresql://"))
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    base, _, query = admin_url.partition("?")
    return asyncpg_url(base.rsplit("/", 1)[0] + "/" + name + (f"?{query}" if query else ""))


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        admin_url, redis_url = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
        stops = []
        if admin_url is None:
            postgres = start_postgres(Path(scratch) / "pg", "postgres", delete_on_stop=True)
            admin_url, stops = postgres.url, [*stops, postgres.stop]
        if redis_url is None:
            redis_server = start_redis(Path(scratch) / "redis", persist=False)
            redis_url, stops = redis_server.url, [*stops, redis_server.stop]
        database_url = asyncio.run(fresh_database(admin_url))
        config = Config(str(ROOT / "alembic.ini"))
        config.attributes["database_url"] = database_url
        command.upgrade(config, "head")
        settings = Settings(database_url=database_url, redis_url=redis_url, queue_name="bench", log_level="WARNING")
        try:
            asyncio.run(measure(settings))
        finally:
            for stop in reversed(stops):
                stop()


if __name__ == "__main__":
    main()
