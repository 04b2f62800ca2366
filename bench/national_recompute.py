"""The national benchmark (issue 4): about 84,000 children in 150 councils and 10 million ratings
loaded through COPY, then, from one run:

- the full national recompute's wall time and its process's peak memory (the CLI, as an operator runs it);
- the floor on this machine, measured in the same run: COPY of the ratings out of PostgreSQL plus COPY
  of the figure rows back in; and the ratio of the two;
- freshness, from an assessment's commit to its figures readable, at p50 and p95, while 50 assessments
  a second arrive through the API and a real worker process recomputes them.

`make bench` runs it; DATABASE_URL / REDIS_URL name servers, or embedded ones are started."""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from typing import Any

import asyncpg
import httpx
import redis
from arq.constants import health_check_key_suffix
from sqlalchemy import select

from bench.national import generate
from bench.national_load import load
from bench.national_statements import largest_provider_statements
from bench.scratch import ROOT, full_recompute, scratch_servers, settle
from bench.web_pages import overview_of_largest_council
from services.api.clients import service as clients
from services.api.clients.schemas import ClientIn, KeyIn
from services.api.main import create_app
from shared.access import Kind
from shared.db import transaction
from shared.instruments import shipped_instrument
from shared.models import Assessment, AssessmentVersion, Child, ChildNeedsTrend, LocalAuthority
from shared.settings import Settings, libpq_url

RATE = 50  # assessments a second
FRESHNESS_SECONDS = 20
PSEUDONYM_KEY = "bench-national-synthetic-children-only"


async def null_copy_out(url: str, query: str) -> float:
    connection = await asyncpg.connect(libpq_url(url))
    try:

        async def discard(_: bytes) -> None:
            return None

        began = time.perf_counter()
        await connection.copy_from_query(query, output=discard, format="binary")
        return time.perf_counter() - began
    finally:
        await connection.close()


FIGURE_TABLES = (
    "child_needs_trends",
    "domain_needs_trends",
    "child_outcome_areas",
    "child_outcome_measures",
    "child_placement_figures",
    "child_decision_figures",
)


async def copy_figures_in(url: str) -> dict[str, float]:
    """COPY the figure rows the recompute wrote into empty copies of their tables, logged and with the
    same indexes, as any writer of those tables pays for: the write floor. Every table of figures the recompute
    writes: the needs trends, the outcome areas and measures (issue 16), the placement figures (issue 15) and the
    decision support figures (issue 17)."""
    connection = await asyncpg.connect(libpq_url(url))
    try:
        elapsed = {}
        for table in FIGURE_TABLES:
            chunks: list[bytes] = []

            async def keep(chunk: bytes, into: list[bytes] = chunks) -> None:
                into.append(chunk)

            await connection.copy_from_table(table, output=keep, format="binary")
            await connection.execute(f"CREATE TABLE floor_{table} (LIKE {table} INCLUDING ALL)")
            data = b"".join(chunks)

            async def source(payload: bytes = data) -> Any:
                yield payload

            began = time.perf_counter()
            await connection.copy_to_table(f"floor_{table}", source=source(), format="binary")
            elapsed[table] = time.perf_counter() - began
            await connection.execute(f"DROP TABLE floor_{table}")
        return elapsed
    finally:
        await connection.close()


def start_worker(env: dict[str, str], redis_url: str, queue: str) -> subprocess.Popen[bytes]:
    """A worker process, once it polls the queue (its first health check): a service's worker runs
    before assessments arrive, so freshness is not charged with the worker's own start-up."""
    client = redis.Redis.from_url(redis_url)
    client.delete(queue + health_check_key_suffix)
    worker = subprocess.Popen([sys.executable, "-m", "services.scoring"], env=env, cwd=ROOT)
    deadline = time.monotonic() + 60
    while not client.exists(queue + health_check_key_suffix):
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            raise RuntimeError("the worker did not start polling within a minute")
        time.sleep(0.1)
    return worker


def assessment(child_id: str, n: int) -> dict[str, Any]:
    ratings = {d: {"need": (n + i) % 5, "strength": 1} for i, d in enumerate(shipped_instrument().domains)}
    return {
        "external_id": f"FRESH-{n}",
        "child_id": child_id,
        "assessed_on": date.today().isoformat(),
        "context": "review",
        "assessor_role": "social_worker",
        "status": "final",
        "ratings": ratings,
    }


async def freshness(settings: Settings) -> list[float]:
    """Seconds from each assessment's recording to the figures computed from it (one per child, posted
    at RATE a second). Both ends are the database's clock: the assessment's transaction stamps it just
    before it commits, the recompute stamps the figures just before they commit; figures count once
    they name the assessment as the child's latest."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        sessions = app.state.services.sessions
        async with transaction(sessions) as db:
            la_id = (await db.scalars(select(LocalAuthority.id).order_by(LocalAuthority.code).limit(1))).one()
            client = await clients.create_client(db, la_id, ClientIn(name="bench", kind=Kind.CASE_MANAGEMENT))
            key = (await clients.issue_key(db, client, KeyIn())).api_key
            children = list(
                await db.scalars(select(Child.child_id).where(Child.la_id == la_id).limit(RATE * FRESHNESS_SECONDS))
            )
        posted: dict[str, uuid.UUID] = {}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as api:
            headers = {"Authorization": f"Bearer {key}"}

            async def post(n: int, child_id: str) -> None:
                response = await api.post("/v1/assessments", json=assessment(child_id, n), headers=headers)
                response.raise_for_status()
                posted[child_id] = uuid.UUID(response.json()["id"])

            began, tasks = time.perf_counter(), []
            for n, child_id in enumerate(children):
                await asyncio.sleep(max(0.0, began + n / RATE - time.perf_counter()))
                tasks.append(asyncio.create_task(post(n, child_id)))
            await asyncio.gather(*tasks)
        deadline = time.perf_counter() + 60
        while time.perf_counter() < deadline:
            async with transaction(sessions) as db:
                rows = (
                    await db.execute(
                        select(ChildNeedsTrend.computed_at, AssessmentVersion.recorded_at)
                        .join(Assessment, Assessment.id == ChildNeedsTrend.latest_assessment_id)
                        .join(AssessmentVersion, AssessmentVersion.assessment_id == Assessment.id)
                        .where(Assessment.id.in_(posted.values()))
                    )
                ).all()
            if len(rows) == len(posted):
                return [
                    (computed - recorded).total_seconds() for computed, recorded in sorted(rows, key=lambda r: r[1])
                ]
            await asyncio.sleep(0.5)
        raise RuntimeError("figures did not catch up within a minute")


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100)[round(share * 100) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, default=84_000)
    parser.add_argument("--councils", type=int, default=150)
    args = parser.parse_args()
    with scratch_servers() as (database_url, redis_url):
        settings = Settings(
            database_url=database_url,
            redis_url=redis_url,
            queue_name="bench-national",
            log_level="WARNING",
            pseudonym_key=PSEUDONYM_KEY,
        )
        env = os.environ | {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "QUEUE_NAME": "bench-national",
            "LOG_LEVEL": "WARNING",
            "PSEUDONYM_KEY": PSEUDONYM_KEY,
        }
        began = time.perf_counter()
        national = generate(children=args.children, councils=args.councils, today=date.today() - timedelta(days=1))
        asyncio.run(load(libpq_url(database_url), national))
        asyncio.run(settle(database_url))
        print(f"national dataset generated and loaded by COPY in {time.perf_counter() - began:.0f} s", flush=True)
        wall, peak_mb = full_recompute(env)
        ratings_out = asyncio.run(null_copy_out(database_url, "SELECT * FROM ratings"))
        tables_in = asyncio.run(copy_figures_in(database_url))
        figures_in = sum(tables_in.values())
        floor = ratings_out + figures_in
        asyncio.run(settle(database_url))  # after the recompute's million rows, likewise
        worker = start_worker(env, redis_url, "bench-national")
        try:
            lags = asyncio.run(freshness(settings))
        finally:
            worker.terminate()
            worker.wait(timeout=30)
        print(f"full national recompute: {wall:.1f} s wall, worker peak memory {peak_mb:,.0f} MB")
        print(f"floor: COPY ratings out {ratings_out:.1f} s + COPY figure rows in {figures_in:.1f} s = {floor:.1f} s")
        print("  figure rows in, by table: " + ", ".join(f"{name} {took:.1f} s" for name, took in tables_in.items()))
        print(f"recompute / floor: {wall / floor:.2f}")
        print(
            f"freshness at {RATE} assessments/s over {len(lags)}: "
            f"p50 {percentile(lags, 0.5):.3f} s, p95 {percentile(lags, 0.95):.3f} s"
        )
        print(asyncio.run(largest_provider_statements(settings)))
        print(asyncio.run(overview_of_largest_council(settings)))


if __name__ == "__main__":
    main()
