"""The operator's CLI run as a real process, seeing only the settings named for it."""

import asyncio
import os
import sys
from dataclasses import dataclass

from shared.settings import Settings
from tests.conftest import PSEUDONYM_KEY, ROOT


@dataclass
class Run:
    code: int
    out: str
    err: str


def cli_environment(settings: Settings) -> dict[str, str]:
    # Nothing the settings would read is inherited from this process: the CLI sees only what is named here.
    names = {name.upper() for name in Settings.model_fields}
    inherited = {name: value for name, value in os.environ.items() if name.upper() not in names}
    return inherited | {
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "QUEUE_NAME": settings.queue_name,
        "ENVIRONMENT": "test",
        "PSEUDONYM_KEY": PSEUDONYM_KEY,
    }


async def cli(settings: Settings, *args: str, env: dict[str, str] | None = None) -> Run:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.cli",
        *args,
        cwd=ROOT,
        env=cli_environment(settings) | (env or {}),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return Run(process.returncode, out.decode(), err.decode())
