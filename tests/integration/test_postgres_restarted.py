"""PostgreSQL restarted while writers push assessments through the API, with the API and the worker real
processes started as the shipped files start them: a request meanwhile answers 503 /problems/try-again with
Retry-After, never 500; every write is stored exactly once, those refused sent again with their
Idempotency-Key; the API and the worker recover by themselves. Ends by checking that every child's figures
equal a full recompute."""

import asyncio
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from services.stack.embedded import EmbeddedPostgres
from shared.settings import asyncpg_url
from tests.conftest import Council, Servers, new_council, settings_for
from tests.integration.faults import running, trends
from tests.integration.figures_check import assert_full_recompute_agrees
from tests.integration.helpers import add_child, assessment, ratings, years_ago
from tests.integration.processes import eventually
from tests.integration.shipped import shipped_api, shipped_worker, worker_environment

CHILDREN = ["R1", "R2", "R3", "R4"]  # one writer each
DOWN_FOR = 1.0  # seconds PostgreSQL stays stopped, besides its shutdown and start: every writer is refused meanwhile
WRITES_BEFORE = 2  # each writer's writes stored before the restart
WRITES_AFTER = 3  # each writer's writes once PostgreSQL is back
PACE = 0.2  # seconds between a writer's writes: a few dozen refused in all, each sent again


@dataclass
class Write:
    child: str
    external_id: str
    body: dict[str, Any]
    answers: list[httpx.Response] = field(default_factory=list)
    answered_at: float = 0.0

    @property
    def stored(self) -> bool:
        return bool(self.answers) and self.answers[-1].is_success


async def send(api: httpx.AsyncClient, council: Council, write: Write) -> httpx.Response:
    headers = council.headers | {"Idempotency-Key": f"key-{write.external_id}"}
    response = await api.post("/v1/assessments", json=write.body, headers=headers)
    write.answers.append(response)
    write.answered_at = time.monotonic()
    return response


async def writer(
    api: httpx.AsyncClient, council: Council, child: str, started: asyncio.Event, restarted: asyncio.Event
) -> list[Write]:
    """One case-management system's writes for one child, one after another, until the restart is over."""
    writes: list[Write] = []
    after = 0
    while after < WRITES_AFTER:
        n = len(writes)
        body = assessment(child, f"{child}-{n}", years_ago(4) + timedelta(days=n), ratings=ratings(1 + n % 3))
        writes.append(Write(child, f"{child}-{n}", body))
        await send(api, council, writes[-1])
        if sum(write.stored for write in writes) >= WRITES_BEFORE:
            started.set()
        after += restarted.is_set() and writes[-1].stored
        await asyncio.sleep(PACE)
    return writes


def assert_refused_to_try_again(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["type"] == "/problems/try-again" and int(response.headers["Retry-After"]) > 0


async def send_again(api: httpx.AsyncClient, council: Council, writes: list[Write]) -> None:
    """A writer's refused writes sent again in order with their keys, each once its Retry-After has passed,
    until each is taken."""
    for write in writes:
        while not write.stored:
            retry_at = write.answered_at + float(write.answers[-1].headers["Retry-After"])
            await asyncio.sleep(max(0.0, retry_at - time.monotonic()))
            if not (await send(api, council, write)).is_success:
                assert_refused_to_try_again(write.answers[-1])


async def stored_once(api: httpx.AsyncClient, council: Council, child: str, writes: list[Write]) -> None:
    listed = await api.get("/v1/assessments", params={"child_id": child}, headers=council.headers)
    assert listed.status_code == 200, listed.text
    stored = sorted((item["external_id"], item["id"]) for item in listed.json())
    answered = sorted((write.external_id, write.answers[-1].json()["id"]) for write in writes)
    assert stored == answered


async def test_writes_during_a_postgres_restart_are_refused_to_try_again_and_none_is_lost_or_doubled(
    servers: Servers, own_postgres: EmbeddedPostgres, tmp_path: Path
) -> None:
    settings = settings_for(Servers(asyncpg_url(own_postgres.url), servers.redis_url))
    async with running(settings) as (app, api):
        council = await new_council(app)
        for child in CHILDREN:
            await add_child(api, council.headers, child)

    async with (
        shipped_api(settings, tmp_path / "api.log") as api,
        shipped_worker(worker_environment(settings), tmp_path / "worker.log") as worker,
    ):
        started, restarted = asyncio.Event(), asyncio.Event()
        writing = asyncio.gather(*(writer(api, council, child, started, restarted) for child in CHILDREN))
        await started.wait()
        await asyncio.to_thread(own_postgres.restart, DOWN_FOR)
        restarted.set()
        by_writer = await writing
        writes = [write for one_writer in by_writer for write in one_writer]

        refused = [answer for write in writes for answer in write.answers if not answer.is_success]
        assert refused, "no write reached the API while PostgreSQL was down"
        for answer in refused:
            assert_refused_to_try_again(answer)
        # Sent again with its key, each refused write is stored: once, even where the first try was.
        await asyncio.gather(*(send_again(api, council, one_writer) for one_writer in by_writer))
        for child in CHILDREN:
            await stored_once(api, council, child, [write for write in writes if write.child == child])
        assert (await api.get("/readyz")).json()["status"] == "ready"

        async def all_fresh() -> bool | None:
            assert worker.returncode is None, (tmp_path / "worker.log").read_text()
            statuses = {(await trends(api, council, child))["status"] for child in CHILDREN}
            return True if statuses == {"fresh"} else None

        await eventually(all_fresh, "the worker computes every child once PostgreSQL is back")
        for child, one_writer in zip(CHILDREN, by_writer, strict=True):
            assert (await trends(api, council, child))["summary"]["assessments_count"] == len(one_writer)
    for output in ("api.log", "worker.log"):
        assert "Traceback" not in (tmp_path / output).read_text()
    async with running(settings) as (app, _):
        await assert_full_recompute_agrees(app, council.la_id)
