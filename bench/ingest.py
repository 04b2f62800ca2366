"""Write-path and recompute figures on this machine: `make bench`.

Real PostgreSQL and Redis (embedded, or DATABASE_URL / REDIS_URL), a fresh database built by the
migrations, the API in process, a real burst worker. Prints one line per figure."""

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from arq.worker import Worker
from sqlalchemy.ext.asyncio import AsyncSession

from bench.scratch import run_on_scratch
from services.api import councils
from services.api.clients import service as clients
from services.api.clients.schemas import ClientIn, KeyIn
from services.api.main import create_app
from services.api.state import AppState
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
        "external_id": f"A-{child}-{number}",
        "child_id": f"C{child}",
        "assessed_on": day.isoformat(),
        "context": "review",
        "assessor_role": "social_worker",
        "status": "final",
        "ratings": ratings,
    }


async def post_batch(
    api: httpx.AsyncClient, path: str, headers: dict[str, str], items: list[dict[str, Any]], outcome: str
) -> float:
    """Seconds for one batch through the API, checked to have been taken whole as `outcome` (created, existing)."""
    began = time.perf_counter()
    response = await api.post(path, json={"items": items}, headers=headers)
    took = time.perf_counter() - began
    assert response.status_code == 200 and response.json()[outcome] == len(items), response.text[:500]
    return took


async def client_key(db: AsyncSession, la_id: uuid.UUID, kind: Kind) -> str:
    """A new client of the council, of the kind, and its first API key."""
    client = await clients.create_client(db, la_id, ClientIn(name=kind.value, kind=kind))
    return (await clients.issue_key(db, client, KeyIn())).api_key


@asynccontextmanager
async def council_with_children(
    settings: Settings, code: str, children: int, kinds: tuple[Kind, ...] = (Kind.CASE_MANAGEMENT,)
) -> AsyncIterator[tuple[AppState, httpx.AsyncClient, dict[Kind, str]]]:
    """The API in process with a new council, a key of each kind and `children` children C0, C1, ... pushed
    through it; the outbox drained when done."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        state: AppState = app.state.services
        async with transaction(state.sessions) as db:
            council = await councils.create_council(db, code, f"Benchmark council {code}")
            keys = {kind: await client_key(db, council.id, kind) for kind in kinds}
        headers = {"Authorization": f"Bearer {keys[Kind.CASE_MANAGEMENT]}"}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as api:
            child = {"date_of_birth": "2012-01-01", "sex": "F", "ethnicity": "WBRI"}
            for n in range(children):
                assert (await api.put(f"/v1/children/C{n}", json=child, headers=headers)).is_success
            yield state, api, keys
        await state.dispatcher.drain()


async def measure(settings: Settings) -> None:
    async with council_with_children(settings, "BENCH", CHILDREN) as (_, api, keys):
        headers = {"Authorization": f"Bearer {keys[Kind.CASE_MANAGEMENT]}"}
        start = date(2020, 1, 1)
        items = [
            assessment(n % CHILDREN, n // CHILDREN, start + timedelta(days=91 * (n // CHILDREN))) for n in range(1000)
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
    began = time.perf_counter()
    await burst(settings)
    print(f"worker: recomputed {CHILDREN} children of 12 assessments each in {time.perf_counter() - began:.2f} s")


async def burst(settings: Settings) -> None:
    """The worker run until its queue is empty."""
    worker = Worker(**worker_options(settings), burst=True, handle_signals=False)
    await worker.main()
    await worker.close()


def main() -> None:
    run_on_scratch(measure)


if __name__ == "__main__":
    main()
