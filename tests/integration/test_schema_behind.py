"""Fault: the database one migration behind the code (a release deployed before its migrations ran). Writes
are refused with the reason and nothing is written, reads carry on, the worker waits saying why, the CLI refuses
in one line; once the migrations run, writes are taken and the worker computes, with no restart and no person."""

import asyncio
import signal
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest_asyncio

from shared.schema import migrations
from shared.settings import libpq_url
from tests.conftest import Servers, create_database, drop_database, new_council, settings_for, with_database
from tests.integration.faults import running
from tests.integration.figures_check import assert_full_recompute_agrees
from tests.integration.helpers import add_child, assessment, ratings, years_ago
from tests.integration.processes import environment, eventually, logged, logged_event, migrate, run
from tests.integration.shipped import shipped_worker


@pytest_asyncio.fixture
async def own_database(servers: Servers) -> AsyncIterator[str]:
    """A database of this test's own at head, which it may migrate up and down."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    await create_database(servers.database_url, name)
    url = with_database(servers.database_url, name)
    await migrate(url, "head")
    yield url
    await drop_database(libpq_url(servers.database_url), name)


def head_and_one_behind() -> tuple[str, str]:
    head = migrations().get_current_head()
    assert head is not None
    behind = migrations().get_revision(head).down_revision
    assert isinstance(behind, str)
    return head, behind


async def test_writes_wait_for_the_migrations_the_worker_waits_and_the_cli_refuses_then_all_carry_on(
    servers: Servers, own_database: str, tmp_path: Path
) -> None:
    head, behind = head_and_one_behind()
    settings = settings_for(servers).model_copy(update={"database_url": own_database})
    async with running(settings) as (app, api):
        council = await new_council(app)
        await add_child(api, council.headers, "S1")
        first = assessment("S1", "A1", years_ago(1), ratings=ratings(3))
        assert (await api.post("/v1/assessments", json=first, headers=council.headers)).status_code == 201
    await migrate(own_database, "-1", down=True)

    output = tmp_path / "worker.log"
    env = environment(own_database, settings.redis_url, settings.queue_name)
    second = assessment("S1", "A2", years_ago(0.5), ratings=ratings(1))
    async with running(settings) as (app, api), shipped_worker(env, output, stop_with=signal.SIGTERM) as worker:
        refused = await api.post("/v1/assessments", json=second, headers=council.headers)
        assert refused.status_code == 503, refused.text
        problem = refused.json()
        assert problem["type"] == "/problems/try-again" and int(refused.headers["Retry-After"]) > 0
        assert f"at {behind}" in problem["detail"] and f"needs {head}" in problem["detail"]
        ready = await api.get("/readyz")
        assert ready.status_code == 503 and f"at {behind}" in ready.json()["checks"]["migrations"]
        # Reads carry on, and show that nothing was written.
        listed = await api.get("/v1/assessments", params={"child_id": "S1"}, headers=council.headers)
        assert listed.status_code == 200 and [item["external_id"] for item in listed.json()] == ["A1"]

        (code, err), waiting = await asyncio.gather(
            run(env, "services.cli", "create-council", "CLI1", "CLI one"),
            logged_event(output, "worker.waiting", worker),
        )
        assert f"at {behind}" in waiting["reason"] and "alembic upgrade head" in waiting["reason"]
        assert code != 0
        [line] = err.strip().splitlines()
        assert f"at {behind}" in line and f"needs {head}" in line and "alembic upgrade head" in line

        await migrate(own_database, "head")

        async def taken() -> httpx.Response | None:
            response = await api.post("/v1/assessments", json=second, headers=council.headers)
            return None if response.status_code == 503 else response

        accepted = await eventually(taken, "writes are taken once the schema is at head")
        assert accepted.status_code == 201, accepted.text

        async def fresh() -> dict | None:  # type: ignore[type-arg]
            response = await api.get("/v1/children/S1/needs-trends", headers=council.headers)
            figures: dict = response.json()  # type: ignore[type-arg]
            return figures if figures["status"] == "fresh" else None

        figures = await eventually(fresh, "the worker computes the child once the schema is at head")
        assert figures["summary"]["assessments_count"] == 2
        assert (figures["summary"]["baseline_total_need"], figures["summary"]["total_need"]) == (36, 12)
        assert worker.returncode is None
    # The worker said why it waited, in JSON lines, and never crashed.
    assert "Traceback" not in output.read_text() and logged(output)
    async with running(settings) as (app, _):
        await assert_full_recompute_agrees(app, council.la_id)
