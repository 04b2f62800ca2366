"""Real PostgreSQL and Redis for the whole suite: embedded from PyPI packages unless DATABASE_URL and
REDIS_URL name servers. Each session gets a fresh database built by `alembic upgrade head` and its
own queue; each test gets its own council, so no test depends on another's rows or order."""

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
import pytest_asyncio
from alembic import command
from alembic.config import Config
from fastapi import FastAPI

from services.api import councils
from services.api.clients import service as clients
from services.api.clients.schemas import ClientIn, KeyIn
from services.api.main import create_app
from services.api.state import AppState
from services.stack.embedded import EmbeddedPostgres, EmbeddedRedis, start_postgres, start_redis
from shared.access import Kind
from shared.db import transaction
from shared.pseudonyms import pseudonym
from shared.settings import Settings, asyncpg_url, libpq_url

ROOT = Path(__file__).resolve().parents[1]
METRICS_TOKEN = "test-metrics-token-0123456789"
PSEUDONYM_KEY = "test-pseudonym-key-0123456789abcdef"


async def create_database(admin_url: str, name: str) -> None:
    connection = await asyncpg.connect(libpq_url(admin_url))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def drop_database(admin_url: str, name: str) -> None:
    connection = await asyncpg.connect(libpq_url(admin_url))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def with_database(url: str, name: str) -> str:
    """Swap the database name in a URL, keeping any ?host=/socket query."""
    base, _, query = url.partition("?")
    base = base.rsplit("/", 1)[0] + "/" + name
    return f"{base}?{query}" if query else base


@dataclass
class Servers:
    database_url: str
    redis_url: str


def alembic_config(database_url: str) -> Config:
    """alembic.ini's configuration, on the given database, leaving the test's logging alone."""
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logger"] = False
    return config


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("TEST_CONTAINERS") == "1":
        require_docker_engine()


def require_docker_engine() -> None:
    """TEST_CONTAINERS=1 said without a Docker engine is one line, before any test, not docker-py's trace."""
    import docker
    from docker.errors import DockerException

    try:
        docker.from_env().close()  # connecting asks the engine its version
    except DockerException:
        where = os.environ.get("DOCKER_HOST") or "the default socket, /var/run/docker.sock"
        raise pytest.UsageError(
            f"TEST_CONTAINERS=1 needs a running Docker engine and none answered at {where}: "
            "start one, or run without TEST_CONTAINERS to use embedded servers"
        ) from None


def start_containers() -> tuple[str, str, list[Callable[[], object]]]:
    """TEST_CONTAINERS=1, where a Docker engine runs: PostgreSQL and Redis in containers instead."""
    from testcontainers.community.postgres import PostgresContainer
    from testcontainers.community.redis import RedisContainer

    postgres = PostgresContainer("postgres:16", driver=None).start()
    redis_container = RedisContainer("redis:7").start()
    redis_url = f"redis://{redis_container.get_container_host_ip()}:{redis_container.get_exposed_port(6379)}/0"
    return postgres.get_connection_url(), redis_url, [postgres.stop, redis_container.stop]


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    # Not under pytest's temporary folders: a second test session starting meanwhile prunes all but the
    # newest three of those, and PostgreSQL shuts down once its data folder's lock file is gone.
    with tempfile.TemporaryDirectory(prefix="needs-test-servers-") as folder:
        yield from servers_in(Path(folder))


def servers_in(folder: Path) -> Iterator[Servers]:
    stops: list[Callable[[], object]] = []
    if os.environ.get("TEST_CONTAINERS") == "1":
        database, redis_url, stops = start_containers()
        os.environ.setdefault("DATABASE_URL", database)
        os.environ.setdefault("REDIS_URL", redis_url)
    admin_url = os.environ.get("DATABASE_URL")
    if admin_url is None:
        postgres = start_postgres(folder / "pg" / "data", "postgres", delete_on_stop=True)
        stops.append(postgres.stop)
        admin_url = postgres.url
    redis_url = os.environ.get("REDIS_URL")
    if redis_url is None:
        redis_server = start_redis(folder / "redis", persist=False)
        stops.append(redis_server.stop)
        redis_url = redis_server.url
    name = f"test_{uuid.uuid4().hex[:12]}"
    asyncio.run(create_database(admin_url, name))
    database_url = asyncpg_url(with_database(admin_url, name))
    command.upgrade(alembic_config(database_url), "head")
    yield Servers(database_url, redis_url)
    asyncio.run(drop_database(admin_url, name))
    for stop in reversed(stops):
        stop()


def settings_for(servers: Servers, redis_url: str | None = None) -> Settings:
    return Settings(
        environment="test",
        database_url=servers.database_url,
        redis_url=redis_url or servers.redis_url,
        queue_name=f"test:{uuid.uuid4().hex[:8]}",
        log_level="INFO",
        outbox_stall_seconds=1,
        worker_job_timeout_seconds=20,
        metrics_token=METRICS_TOKEN,
        pseudonym_key=PSEUDONYM_KEY,
        # Every test client calls from one address: the throttles get tests of their own (test_limits).
        auth_failure_limit=1_000_000,
        client_request_limit=1_000_000,
    )


@pytest.fixture(scope="session")
def settings(servers: Servers) -> Settings:
    return settings_for(servers)


@pytest_asyncio.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


def state_of(application: FastAPI) -> AppState:
    state: AppState = application.state.services
    return state


@pytest_asyncio.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client


@dataclass
class Council:
    code: str
    la_id: uuid.UUID
    headers: dict[str, str]  # its case-management system's
    bi: dict[str, str]
    admin: dict[str, str]

    def pseudonym(self, child_id: str) -> str:
        return pseudonym(PSEUDONYM_KEY.encode(), self.la_id, child_id)


async def new_client(application: FastAPI, la_id: uuid.UUID, body: ClientIn) -> dict[str, str]:
    """A client of the council with a fresh key, as the headers that send it."""
    async with transaction(state_of(application).sessions) as db:
        client = await clients.create_client(db, la_id, body)
        key = await clients.issue_key(db, client, KeyIn())
    return {"Authorization": f"Bearer {key.api_key}"}


async def new_council(application: FastAPI) -> Council:
    code = f"T{uuid.uuid4().hex[:10].upper()}"
    async with transaction(state_of(application).sessions) as db:
        council = await councils.create_council(db, code, f"Test council {code}")
    headers = await new_client(application, council.id, ClientIn(name="case management", kind=Kind.CASE_MANAGEMENT))
    bi = await new_client(application, council.id, ClientIn(name="bi", kind=Kind.BI))
    admin = await new_client(application, council.id, ClientIn(name="admin", kind=Kind.ADMIN))
    return Council(code, council.id, headers, bi, admin)


async def headers_for(
    application: FastAPI, council: Council, kind: Kind, provider_id: str | None = None
) -> dict[str, str]:
    return await new_client(application, council.la_id, ClientIn(name=kind.value, kind=kind, provider_id=provider_id))


@pytest_asyncio.fixture
async def council(app: FastAPI) -> Council:
    return await new_council(app)


@pytest_asyncio.fixture
async def other_council(app: FastAPI) -> Council:
    return await new_council(app)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    """A Redis this test may stop and start, whatever REDIS_URL says."""
    server = start_redis(tmp_path / "redis", persist=True)
    yield server
    server.stop()


@pytest.fixture
def own_postgres() -> Iterator[EmbeddedPostgres]:
    """A PostgreSQL this test may shut down and start again, whatever DATABASE_URL says, its database at head.
    Outside pytest's temporary folders, for the reason `servers` gives."""
    with tempfile.TemporaryDirectory(prefix="needs-test-own-pg-") as folder:
        server = start_postgres(Path(folder) / "data", "needs", delete_on_stop=True)
        try:
            migrate_to_head(server)
            yield server
        finally:
            server.stop()


def migrate_to_head(server: EmbeddedPostgres) -> None:
    command.upgrade(alembic_config(asyncpg_url(server.url)), "head")
