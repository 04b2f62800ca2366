"""Write-path and recompute figures on this machine: `make bench`.

Real PostgreSQL and Redis (embedded, or DATABASE_URL / REDIS_URL), a fresh database built by the
migrations, the API in process, a real burst worker. Prints one line per figure."""

import asyncio
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from arq.worker import Worker
from sqlalchemy.ext.asyncio import AsyncSession

from bench.scratch import scratch_servers
from services.api import councils
from services.api.clients import service as clients
from services.api.clients.schemas import ClientIn, KeyIn
from services.api.main import create_app
from services.scoring.worker import worker_options
from shared.access import Kind
from shared.db import transaction
from shared.instruments import shipped_instrument
from shared.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DOMAINS = shipped_instrument().domains
CHILDREN = 100


def assessment(child: int, number: int, day: date) -> dict[str, Any]:
    ratings = {d: {"need": (child + number + i) % 5, "strength": 1} for i, d in enumerate(DOMAINS)}
    return {
        "external_id": f"A-{child}-{number}", "child_id": f"C{child}", "assessed_on": day.isoformat(),
        "context": "review", "assessor_role": "social_worker", "status": "final", "ratings": ratings,
    }  # fmt: skip


async def client_key(db: AsyncSession, la_id: uuid.UUID, kind: Kind) -> str:
    """A new client of the council, of the kind, and its first API key."""
    client = await clients.create_client(db, la_id, ClientIn(name=kind.value, kind=kind))
    return (await clients.issue_key(db, client, KeyIn())).api_key


async def measure(settings: Settings) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        state = app.state.services
        async with transaction(state.sessions) as db:
            council = await councils.create_council(db, "BENCH", "Benchmark council")
            headers = {"Authorization": f"Bearer {await client_key(db, council.id, Kind.CASE_MANAGEMENT)}"}
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


def main() -> None:
    with scratch_servers() as (database_url, redis_url):
        settings = Settings(database_url=database_url, redis_url=redis_url, queue_name="bench", log_level="WARNING")
        asyncio.run(measure(settings))


if __name__ == "__main__":
    main()
