"""The worker, the CLI and alembic as real processes, started as the README and the deployment files start
them, with only the servers named for them; their output read back line by line."""

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from alembic import command

from shared.settings import Settings
from tests.conftest import PSEUDONYM_KEY, ROOT, alembic_config

T = TypeVar("T")
DEADLINE_SECONDS = 60


def environment(database_url: str, redis_url: str, queue_name: str = "test:processes") -> dict[str, str]:
    return os.environ | {
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "QUEUE_NAME": queue_name,
        "PSEUDONYM_KEY": PSEUDONYM_KEY,
    }


def newcomer_environment(data_dir: Path) -> dict[str, str]:
    """As on a fresh machine: no setting named (so development, and no server), a data folder of its own."""
    named = {name.upper() for name in Settings.model_fields} | {"HOST", "PORT"}
    return {name: value for name, value in os.environ.items() if name.upper() not in named} | {
        "DATA_DIR": str(data_dir)
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


def logged(output: Path) -> list[dict[str, Any]]:
    """Every line the process wrote, each of which must be a JSON log line (a traceback is not)."""
    return [json.loads(line) for line in output.read_text().splitlines() if line.strip()]


async def eventually(probe: Callable[[], Awaitable[T | None]], what: str) -> T:
    """The probe's first answer that is not None, waiting as long as a loaded machine could need."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        found = await probe()
        if found is not None:
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"never: {what}")


async def logged_event(output: Path, event: str, worker: asyncio.subprocess.Process) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        assert worker.returncode is None, "the worker exited"
        return next((line for line in logged(output) if line["event"] == event), None)

    return await eventually(probe, f"the worker logs {event}")


async def migrate(database_url: str, target: str, *, down: bool = False) -> None:
    """alembic upgrade or downgrade, as the suite builds its database (in a thread: env.py runs its own loop)."""
    config = alembic_config(database_url)
    await asyncio.to_thread(command.downgrade if down else command.upgrade, config, target)


WAIT = 60.0


def make(*args: str) -> list[str]:
    """make itself, with this suite's virtualenv standing in for .venv (installed already, so never rebuilt)."""
    venv = Path(sys.prefix)
    return ["make", "-s", "-C", str(ROOT), f"VENV={venv}", "-o", str(venv / ".installed"), *args]


def wait_for_line(
    output: Path, pattern: str, run: subprocess.Popen[bytes], after: int = 0, timeout: float = WAIT
) -> re.Match[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = output.read_text(errors="replace")
        found = re.compile(pattern, re.MULTILINE).search(text, after)
        if found:
            return found
        assert run.poll() is None, f"make run ended (status {run.returncode}):\n{text[-3000:]}"
        time.sleep(0.1)
    raise AssertionError(f"no line {pattern!r} within {timeout} s:\n{output.read_text(errors='replace')[-3000:]}")
