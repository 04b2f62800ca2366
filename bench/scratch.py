"""A scratch database for a benchmark: on DATABASE_URL's server, or an embedded PostgreSQL (and Redis)
when none is named; migrated to head, dropped when done."""

import asyncio
import contextlib
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import asyncpg
from alembic import command
from alembic.config import Config

from services.stack.embedded import start_postgres, start_redis
from shared.settings import Settings, asyncpg_url, libpq_url

ROOT = Path(__file__).resolve().parents[1]


async def admin(url: str, statement: str) -> None:
    connection = await asyncpg.connect(libpq_url(url))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def with_database(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    return asyncpg_url(base.rsplit("/", 1)[0] + "/" + name + (f"?{query}" if query else ""))


@contextlib.contextmanager
def scratch_servers() -> Iterator[tuple[str, str]]:
    """(database_url, redis_url) of a fresh, migrated database and a Redis."""
    with tempfile.TemporaryDirectory() as scratch, contextlib.ExitStack() as stack:
        admin_url, redis_url = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
        if admin_url is None:
            postgres = start_postgres(Path(scratch) / "pg", "postgres", delete_on_stop=True)
            stack.callback(postgres.stop)
            admin_url = postgres.url
        if redis_url is None:
            redis_server = start_redis(Path(scratch) / "redis", persist=False)
            stack.callback(redis_server.stop)
            redis_url = redis_server.url
        name = f"bench_{uuid.uuid4().hex[:8]}"
        asyncio.run(admin(admin_url, f'CREATE DATABASE "{name}"'))
        stack.callback(lambda: asyncio.run(admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')))
        database_url = with_database(admin_url, name)
        config = Config(str(ROOT / "alembic.ini"))
        config.attributes["database_url"] = database_url
        config.attributes["configure_logger"] = False
        command.upgrade(config, "head")
        yield database_url, redis_url


def run_on_scratch(measure: Callable[[Settings], Coroutine[Any, Any, None]]) -> None:
    """A benchmark's measure run against a scratch database and Redis, with settings naming them."""
    with scratch_servers() as (database_url, redis_url):
        settings = Settings(database_url=database_url, redis_url=redis_url, queue_name="bench", log_level="WARNING")
        asyncio.run(measure(settings))


def full_recompute(env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak resident MB of `cli recompute --all`, in its own process."""
    began = time.perf_counter()
    subprocess.run([sys.executable, "-m", "services.cli", "recompute", "--all"], env=env, cwd=ROOT, check=True)
    wall = time.perf_counter() - began
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, peak_kb / 1024


async def settle(url: str) -> None:
    """The database as autovacuum and the checkpointer leave it in time (statistics, visibility map,
    hint bits, dirty pages written), so a measured run shares the machine with the service alone, not
    with the vacuum or the checkpoint of gigabytes just loaded."""
    await admin(url, "VACUUM (ANALYZE)")
    try:
        await admin(url, "CHECKPOINT")
    except asyncpg.InsufficientPrivilegeError:
        print("not settled by a CHECKPOINT: the role may not run one (it needs pg_checkpoint)", flush=True)
