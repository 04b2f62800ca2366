"""The API and the worker as the shipped files start them (the images' CMDs, on this machine's Python), for the
tests that read their output or fault them."""

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from shared.settings import Settings
from tests.conftest import METRICS_TOKEN, PSEUDONYM_KEY, ROOT
from tests.integration.deploy_files import dockerfile_stages, effective, exec_form
from tests.integration.processes import environment

STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def shipped_api_command(port: int) -> list[str]:
    """The api image's CMD, on this machine's Python and a free local port; every other flag as shipped."""
    command = exec_form(effective(dockerfile_stages(), "api", "CMD"))
    assert command[0] == "uvicorn", command
    command = [sys.executable, "-m", *command]
    command[command.index("--host") + 1] = "127.0.0.1"
    command[command.index("--port") + 1] = str(port)
    return command


async def wait_until_serving(url: str, server: asyncio.subprocess.Process) -> None:
    async with httpx.AsyncClient(base_url=url) as client:
        for _ in range(STARTUP_SECONDS * 10):
            assert server.returncode is None, "the API exited while starting"
            with contextlib.suppress(httpx.TransportError):
                if (await client.get("/healthz")).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise AssertionError(f"the API did not serve /healthz within {STARTUP_SECONDS} s")


@dataclass
class ShippedApi:
    process: asyncio.subprocess.Process
    client: httpx.AsyncClient


@asynccontextmanager
async def shipped_api_process(
    settings: Settings, output: Path, *, port: int | None = None, extra_env: dict[str, str] | None = None
) -> AsyncIterator[ShippedApi]:
    """A real uvicorn process on the test database, writing stdout and stderr to `output`; stopped with
    Ctrl-C, as make run stops it, so its shutdown lines are read too."""
    port = port or free_port()
    env = (
        os.environ
        | (extra_env or {})
        | {
            "ENVIRONMENT": "test",
            "DATABASE_URL": settings.database_url,
            "REDIS_URL": settings.redis_url,
            "QUEUE_NAME": settings.queue_name,
            "PSEUDONYM_KEY": PSEUDONYM_KEY,
            "METRICS_TOKEN": METRICS_TOKEN,
            "LOG_LEVEL": "DEBUG",
        }
    )
    with output.open("wb") as sink:
        server = await asyncio.create_subprocess_exec(
            *shipped_api_command(port), cwd=ROOT, env=env, stdout=sink, stderr=asyncio.subprocess.STDOUT
        )
        try:
            url = f"http://127.0.0.1:{port}"
            await wait_until_serving(url, server)
            async with httpx.AsyncClient(base_url=url) as client:
                yield ShippedApi(server, client)
        finally:
            with contextlib.suppress(TimeoutError):  # killed, then, after 30 s
                await stop(server, signal.SIGINT)


@asynccontextmanager
async def shipped_api(settings: Settings, output: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with shipped_api_process(settings, output) as shipped:
        yield shipped.client


def on_this_machine(command: list[str]) -> list[str]:
    assert command[0] == "python", command
    return [sys.executable, *command[1:]]


def worker_environment(settings: Settings) -> dict[str, str]:
    return environment(settings.database_url, settings.redis_url, settings.queue_name) | {"LOG_LEVEL": "INFO"}


async def start_worker(env: dict[str, str], output: Path) -> asyncio.subprocess.Process:
    """The worker image's CMD, with the shipped job timeout and retries, its stdout and stderr added to
    `output`."""
    command = on_this_machine(exec_form(effective(dockerfile_stages(), "worker", "CMD")))
    with output.open("ab") as sink:
        return await asyncio.create_subprocess_exec(
            *command, cwd=ROOT, env=env, stdout=sink, stderr=asyncio.subprocess.STDOUT
        )


async def stop(worker: asyncio.subprocess.Process, signum: signal.Signals = signal.SIGTERM) -> int:
    """What `docker stop` sends (or `signum`); its exit status. Still running after 30 s, it is killed and
    TimeoutError raised."""
    if worker.returncode is None:
        worker.send_signal(signum)
    try:
        return await asyncio.wait_for(worker.wait(), timeout=30)
    except TimeoutError:
        worker.kill()
        await worker.wait()
        raise


@asynccontextmanager
async def shipped_worker(
    env: dict[str, str], output: Path, *, stop_with: signal.Signals = signal.SIGKILL
) -> AsyncIterator[asyncio.subprocess.Process]:
    """The worker image's CMD, ended when done: killed, or stopped as a container is (SIGTERM), so that its
    shutdown lines are read too."""
    worker = await start_worker(env, output)
    try:
        yield worker
    finally:
        with contextlib.suppress(TimeoutError):  # killed, then, after 30 s
            await stop(worker, stop_with)
