"""What the fault tests share: faults the database itself raises (triggers refusing figures or losing a race),
the API in process, a child's figures and key as a test reads them, the backends waiting on a lock a test
holds (found so that a test can kill the right one), and bounds a test checks."""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import asyncpg
import httpx
from fastapi import FastAPI
from sqlalchemy import select

from services.api.main import create_app
from shared.db import transaction
from shared.models import Child, LocalAuthority
from shared.settings import Settings, libpq_url
from tests.conftest import Council, Servers, state_of


def refused_for_a_child(name: str, when: str, what: str) -> str:
    """A trigger `name` raising a real database error `when` (e.g. BEFORE INSERT ON a table) for the child
    formatted in as {child_pk}, as a constraint would, its message quoting the child's id."""
    return f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{what} for %', (SELECT child_id FROM children WHERE id = NEW.child_pk);
END $$;
CREATE TRIGGER {name} {when} FOR EACH ROW
    WHEN (NEW.child_pk = '{{child_pk}}') EXECUTE FUNCTION {name}();
"""


# Real errors raised by the database itself, as a constraint or a lost race would be, each quoting a child.
REFUSED_FIGURES = refused_for_a_child("refuse_figures", "BEFORE INSERT ON child_needs_trends", "figures refused")
# Non-transactional, so the count survives the rollback: the first line stored fails, the retry's pass.
LOST_RACE_ONCE = """
CREATE SEQUENCE lost_race_tries;
CREATE FUNCTION lose_race_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF nextval('lost_race_tries') = 1 THEN
        RAISE EXCEPTION 'could not serialize the line of %', NEW.child_pseudonym USING ERRCODE = '40001';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER lose_race_once BEFORE INSERT ON statement_lines FOR EACH ROW
    WHEN (NEW.child_pseudonym = '{pseudonym}') EXECUTE FUNCTION lose_race_once();
"""
FAULTS_GONE = """
DROP TRIGGER IF EXISTS refuse_figures ON child_needs_trends;
DROP TRIGGER IF EXISTS lose_race_once ON statement_lines;
DROP FUNCTION IF EXISTS refuse_figures();
DROP FUNCTION IF EXISTS lose_race_once();
DROP SEQUENCE IF EXISTS lost_race_tries;
"""


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield app, client


async def trends(api: httpx.AsyncClient, council: Council, child_id: str) -> dict:  # type: ignore[type-arg]
    response = await api.get(f"/v1/children/{child_id}/needs-trends", headers=council.headers)
    assert response.status_code == 200
    result: dict = response.json()  # type: ignore[type-arg]
    return result


async def child_pk(app: FastAPI, council: Council, child_id: str) -> str:
    async with transaction(state_of(app).sessions) as db:
        query = (
            select(Child.id)
            .join(LocalAuthority, LocalAuthority.id == Child.la_id)
            .where(LocalAuthority.code == council.code, Child.child_id == child_id)
        )
        return str(await db.scalar(query))


async def blocked_by(connection: asyncpg.Connection, what: str) -> int:
    """The pid of a backend waiting on a lock this connection's session holds. Only this session's waiters: the
    server may be shared, and a waiter found in another database would be the wrong one to kill. From pg_locks,
    read afresh even inside a transaction (pg_stat_activity is a snapshot kept for it)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        pid = await connection.fetchval(
            "SELECT pid FROM pg_locks WHERE NOT granted AND pg_backend_pid() = ANY(pg_blocking_pids(pid)) LIMIT 1"
        )
        if pid is not None:
            return int(pid)
        await asyncio.sleep(0.05)
    raise AssertionError(f"never: {what}")


async def wait_for_lock_waiter(connection: asyncpg.Connection) -> int:
    """A job waiting on the child's advisory lock the connection holds: proof it is inside its transaction."""
    return await blocked_by(connection, "a job reached the child's lock")


async def hold_child_lock(servers: Servers, pk: str) -> asyncpg.Connection:
    connection = await asyncpg.connect(libpq_url(servers.database_url))
    await connection.execute("SELECT pg_advisory_lock(hashtextextended($1, 0))", pk)
    return connection


async def wait_for_row_lock_waiter(connection: asyncpg.Connection) -> int:
    """A job waiting on the outbox rows the connection's transaction locked."""
    return await blocked_by(connection, "a job reached the outbox rows")


async def true_within(condition: Callable[[], Awaitable[bool]], within: float, what: str) -> None:
    """The condition holds within the bound a test is checking (seconds), or the test fails saying so."""
    started = time.monotonic()
    while not await condition():
        assert time.monotonic() - started < within, f"{what}: not within {within} s"
        await asyncio.sleep(0.1)


def all_fresh(api: httpx.AsyncClient, council: Council, children: list[str]) -> Callable[[], Awaitable[bool]]:
    async def condition() -> bool:
        statuses = [(await trends(api, council, child))["status"] for child in children]
        return statuses == ["fresh"] * len(children)

    return condition
