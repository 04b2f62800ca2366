"""The CLI and alembic as real processes, started as the README and the deployment files start them, with
only the servers named for them."""

import asyncio
import os
import sys

from tests.conftest import PSEUDONYM_KEY, ROOT

DEADLINE_SECONDS = 60


def environment(database_url: str, redis_url: str, queue_name: str = "test:processes") -> dict[str, str]:
    return os.environ | {
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "QUEUE_NAME": queue_name,
        "PSEUDONYM_KEY": PSEUDONYM_KEY,
    }


async def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    """A command to its end: its exit code and standard error."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), timeout=DEADLINE_SECONDS)
    assert process.returncode is not None
    return process.returncode, err.decode()
