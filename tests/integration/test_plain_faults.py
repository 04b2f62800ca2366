"""Faults said plainly: a database that does not exist, or a server that is down, is named with what to do, in
one line from the CLI and alembic (no traceback, a non-zero exit), in the worker's log while it waits, and in
the API's problem and /readyz."""

import asyncio
import signal
import uuid
from pathlib import Path

import pytest

from services.api import councils
from services.stack.embedded import free_port
from shared import local_servers
from shared.db import make_engine, make_sessionmaker, transaction
from shared.settings import libpq_url
from tests.conftest import Servers, create_database, drop_database, settings_for, with_database
from tests.integration.faults import running
from tests.integration.processes import (
    environment,
    logged,
    logged_event,
    migrate,
    newcomer_environment,
    run,
)
from tests.integration.shipped import shipped_worker


def missing_database(servers: Servers) -> tuple[str, str]:
    name = f"missing_{uuid.uuid4().hex[:12]}"
    return name, with_database(servers.database_url, name)


def stopped_server() -> tuple[str, str]:
    """A PostgreSQL that is down: an address nothing listens on."""
    where = f"127.0.0.1:{free_port()}"
    return where, f"postgresql+asyncpg://postgres@{where}/needs"


async def test_a_missing_database_is_named_to_clients_and_by_readyz(servers: Servers) -> None:
    name, url = missing_database(servers)
    async with running(settings_for(servers).model_copy(update={"database_url": url})) as (_, api):
        key = {"Authorization": "Bearer nlc_0123456789ab_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"}
        for response in (
            await api.get("/v1/children/C1", headers=key),
            await api.put("/v1/children/C1", json={}, headers=key),
        ):
            assert response.status_code == 503, response.text
            assert response.json()["type"] == "/problems/unavailable" and "Retry-After" in response.headers
            assert f'"{name}" does not exist' in response.json()["detail"]
        ready = await api.get("/readyz")
        assert ready.status_code == 503 and f'"{name}" does not exist' in ready.json()["checks"]["database"]


async def test_readyz_says_which_server_cannot_be_reached(servers: Servers) -> None:
    database, stopped_database = stopped_server()
    redis = f"127.0.0.1:{free_port()}"
    settings = settings_for(servers, f"redis://{redis}/0").model_copy(update={"database_url": stopped_database})
    async with running(settings) as (_, api):
        ready = await api.get("/readyz")
    assert ready.status_code == 503
    checks = ready.json()["checks"]
    assert f"PostgreSQL at {database} cannot be reached" in checks["database"] and "DATABASE_URL" in checks["database"]
    assert f"Redis at {redis} cannot be reached" in checks["redis"] and "REDIS_URL" in checks["redis"]


@pytest.mark.parametrize("command", [("services.cli", "create-council", "X1", "X one"), ("alembic", "upgrade", "head")])
async def test_the_cli_and_alembic_say_in_one_line_what_is_wrong(servers: Servers, command: tuple[str, ...]) -> None:
    name, missing = missing_database(servers)
    where, stopped = stopped_server()
    (code_missing, err_missing), (code_stopped, err_stopped) = await asyncio.gather(
        run(environment(missing, servers.redis_url), *command), run(environment(stopped, servers.redis_url), *command)
    )
    assert code_missing != 0 and code_stopped != 0
    [missing_line] = err_missing.strip().splitlines()
    assert f'"{name}" does not exist' in missing_line and "DATABASE_URL" in missing_line
    [stopped_line] = err_stopped.strip().splitlines()
    assert f"PostgreSQL at {where} cannot be reached" in stopped_line and "DATABASE_URL" in stopped_line


async def test_the_worker_waits_for_its_database_saying_why_and_starts_once_it_is_there(
    servers: Servers, tmp_path: Path
) -> None:
    name, missing = missing_database(servers)
    where, stopped = stopped_server()
    waiting_for_missing, waiting_for_stopped = tmp_path / "missing.log", tmp_path / "stopped.log"
    try:
        async with (
            shipped_worker(
                environment(missing, servers.redis_url, f"test:{name}"), waiting_for_missing, stop_with=signal.SIGTERM
            ) as worker,
            shipped_worker(
                environment(stopped, servers.redis_url, f"test:{name}:x"), waiting_for_stopped, stop_with=signal.SIGTERM
            ) as other,
        ):
            said = await logged_event(waiting_for_missing, "worker.waiting", worker)
            assert f'"{name}" does not exist' in said["reason"]
            said = await logged_event(waiting_for_stopped, "worker.waiting", other)
            assert f"PostgreSQL at {where} cannot be reached" in said["reason"]

            await create_database(servers.database_url, name)
            await migrate(missing, "head")
            await logged_event(waiting_for_missing, "worker.started", worker)
    finally:
        await drop_database(libpq_url(servers.database_url), name)
    for output in (waiting_for_missing, waiting_for_stopped):
        assert "Traceback" not in output.read_text() and logged(output)


@pytest.mark.parametrize("command", [("services.cli", "create-council", "X1", "X one"), ("alembic", "upgrade", "head")])
async def test_after_make_run_was_killed_they_say_in_one_line_to_start_it(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    """`make run` killed outright leaves its servers.env naming servers that are gone."""
    where, stopped = stopped_server()
    local_servers.write_private(tmp_path / "servers.env", f"DATABASE_URL={stopped}\nREDIS_URL=redis://{where}/0\n")
    code, err = await run(newcomer_environment(tmp_path), *command)
    assert code != 0
    [line] = err.strip().splitlines()
    assert f"PostgreSQL at {where} cannot be reached" in line and "start `make run`" in line, line


async def test_with_make_run_up_the_cli_and_alembic_need_no_settings(servers: Servers, tmp_path: Path) -> None:
    local_servers.write_private(
        tmp_path / "servers.env", f"DATABASE_URL={servers.database_url}\nREDIS_URL={servers.redis_url}\n"
    )
    code = f"NEW{uuid.uuid4().hex[:8].upper()}"
    env = newcomer_environment(tmp_path)
    (migrated, migrate_err), (created, create_err) = await asyncio.gather(
        run(env, "alembic", "upgrade", "head"), run(env, "services.cli", "create-council", code, "Newcomer")
    )
    assert (migrated, created) == (0, 0), migrate_err + create_err
    engine = make_engine(settings_for(servers))
    try:
        async with transaction(make_sessionmaker(engine)) as db:
            assert await councils.find_council(db, code) is not None
    finally:
        await engine.dispose()
