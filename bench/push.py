"""A push of children and assessments through the API, and what the recompute queue does with it: `make bench`.

Real PostgreSQL and Redis (embedded, or DATABASE_URL / REDIS_URL), a fresh database built by the
migrations, the API in this process and the scoring worker in a process of its own, running from the
start. Some children are placed with providers under contracts, so statements follow the figures. Prints
the jobs the worker ran, the most jobs queued at once, and the time from the last write until every
child's figures are current and until every contract's statements are.

python -m bench.push [--children N] [--assessments M]"""

import argparse
import asyncio
import json
import os
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Coroutine
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from bench import ingest
from bench.scratch import scratch_servers
from services.api import councils
from services.api.clients import service as clients
from services.api.clients.schemas import ClientIn, KeyIn
from services.api.main import create_app
from shared.access import Kind
from shared.db import transaction
from shared.models import Contract, RecomputeRequest
from shared.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
PROVIDERS = 5  # one contract each; every tenth child is placed with one of them
CONCURRENCY = 8  # writers at once, as a case-management system's sync would send them
PLACED_EVERY = 10


def assessment(child: int, number: int) -> dict[str, Any]:
    return ingest.assessment(child, number, date(2023, 1, 1) + timedelta(days=60 * number + child % 30))


def placement(child: int) -> dict[str, Any]:
    return {
        "external_id": f"PL-{child}",
        "child_id": f"C{child}",
        "start_date": "2023-02-01",
        "rne": "P",
        "legal_status": "C2",
        "cin": "N1",
        "place": "U4",
        "place_provider": "PR1",
        "weekly_cost": "900.00",
        "provider_id": f"IFA-{child % PROVIDERS}",
    }


async def keys(app: Any) -> tuple[dict[str, str], dict[str, str]]:
    """The headers of a case-management client and an admin of a new council."""
    async with transaction(app.state.services.sessions) as db:
        council = await councils.create_council(db, "BENCH", "Benchmark council")
        headers = []
        for kind in (Kind.CASE_MANAGEMENT, Kind.ADMIN):
            client = await clients.create_client(db, council.id, ClientIn(name=kind.value, kind=kind))
            headers.append({"Authorization": f"Bearer {(await clients.issue_key(db, client, KeyIn())).api_key}"})
    return headers[0], headers[1]


async def concurrently(calls: list[Coroutine[Any, Any, httpx.Response]]) -> None:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(call: Coroutine[Any, Any, httpx.Response]) -> None:
        async with gate:
            response = await call
            assert response.status_code in (200, 201), response.text

    await asyncio.gather(*(one(call) for call in calls))


async def push(api: httpx.AsyncClient, cms: dict[str, str], admin: dict[str, str], children: int, count: int) -> None:
    for provider in range(PROVIDERS):
        await api.put(f"/v1/providers/IFA-{provider}", json={"name": "Agency"}, headers=admin)
        body = {
            "code": f"K{provider}",
            "provider_id": f"IFA-{provider}",
            "start_date": "2023-01-01",
            "end_date": "2026-12-31",
            "period": "quarter",
        }
        assert (await api.post("/v1/admin/contracts", json=body, headers=admin)).status_code == 201
    child = {"date_of_birth": "2012-01-01", "sex": "F", "ethnicity": "WBRI", "uasc": False}
    await concurrently([api.put(f"/v1/children/C{n}", json=child, headers=cms) for n in range(children)])
    placed = range(0, children, PLACED_EVERY)
    await concurrently([api.post("/v1/placements", json=placement(n), headers=cms) for n in placed])
    writes = [assessment(n % children, n // children) for n in range(count)]
    await concurrently([api.post("/v1/assessments", json=body, headers=cms) for body in writes])


async def figures_and_statements_current(app: Any) -> tuple[bool, bool]:
    async with transaction(app.state.services.sessions) as db:
        pending = await db.scalar(select(func.count()).where(RecomputeRequest.done_at.is_(None)))
        stale = await db.scalar(select(func.count()).where(Contract.statements_stale_since.is_not(None)))
    return pending == 0, pending == 0 and stale == 0


async def queued_at_most(redis: Any, queue: str, stop: asyncio.Event) -> int:
    """The queue's length sampled every 20 ms."""
    most = 0
    while not stop.is_set():
        most = max(most, await redis.zcard(queue))
        await asyncio.sleep(0.02)
    return most


async def start_worker(settings: Settings, output: Path) -> asyncio.subprocess.Process:
    env = os.environ | {
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "QUEUE_NAME": settings.queue_name,
        "LOG_LEVEL": "INFO",  # its recompute.done lines say which jobs recomputed something
    }
    with output.open("wb") as sink:  # a file, not a pipe: a pipe read only at the end could fill and stop it
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.push", "--worker", cwd=ROOT, env=env, stdout=sink
        )


async def measure(settings: Settings, children: int, count: int) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        cms, admin = await keys(app)
        output = Path(tempfile.mkdtemp()) / "worker.out"
        worker = await start_worker(settings, output)
        while "worker.started" not in output.read_text():  # polling its queue before the first write
            assert worker.returncode is None, output.read_text()
            await asyncio.sleep(0.1)
        stop = asyncio.Event()
        sampling = asyncio.create_task(queued_at_most(app.state.services.redis, settings.queue_name, stop))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as api:
            began = time.monotonic()
            await push(api, cms, admin, children, count)
        await app.state.services.dispatcher.drain()
        last_write = time.monotonic()
        print(f"{children:,} children, {count:,} assessments pushed in {last_write - began:.1f} s", flush=True)
        figures_at = statements_at = None
        while statements_at is None:
            figures, statements = await figures_and_statements_current(app)
            now = time.monotonic()
            figures_at = figures_at or (now if figures else None)
            statements_at = now if statements else None
            await asyncio.sleep(0.05)
        stop.set()
        most = await sampling
        worker.send_signal(signal.SIGTERM)
        await worker.wait()
        lines = output.read_text().strip().splitlines()
        ran = json.loads(lines[-1])
        working = sum(1 for line in map(json.loads, lines[:-1]) if recomputed_something(line))
        assert figures_at is not None
        print(
            f"jobs run: {sum(ran.values()):,} ({ran['complete']:,} complete, {ran['failed']} failed, "
            f"{ran['retried']} retried), {working:,} of them recomputing something; "
            f"most jobs queued at once: {most:,}"
        )
        print(f"from the last write until every child's figures are current: {figures_at - last_write:.1f} s")
        print(f"from the last write until every contract's statements are current: {statements_at - last_write:.1f} s")


def recomputed_something(line: dict[str, Any]) -> bool:
    """A recompute job's line (older workers logged one for every job, with the requests it satisfied)."""
    return line.get("event") == "recompute.done" and (line.get("children") or line.get("requests") or 0) > 0


def worker() -> None:
    """The worker as `python -m services.scoring` runs it, saying at the end how many jobs it ran."""
    from services.scoring.redis_outages import PatientWorker
    from services.scoring.worker import worker_options
    from shared import logging
    from shared.settings import get_settings

    logging.configure(get_settings().log_level)
    running = PatientWorker(**worker_options(get_settings()))
    running.run()
    ran = {"complete": running.jobs_complete, "failed": running.jobs_failed, "retried": running.jobs_retried}
    print(json.dumps(ran), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, default=1000)
    parser.add_argument("--assessments", type=int, default=3000)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker()
    with scratch_servers() as (database_url, redis_url):
        queue = f"bench:{uuid.uuid4().hex[:8]}"
        settings = Settings(
            database_url=database_url,
            redis_url=redis_url,
            queue_name=queue,
            log_level="WARNING",
            client_request_limit=10**9,  # one client sends it all, faster than a real one may
            redis_timeout_ms=2000,  # this process is busy writing: a late reply is not a Redis down
        )
        asyncio.run(measure(settings, args.children, args.assessments))


if __name__ == "__main__":
    main()
