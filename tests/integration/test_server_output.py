"""The API as the shipped files start it (the Dockerfile's CMD: uvicorn with --no-access-log), its whole output
read: request paths and query strings carry children's ids and pseudonyms, and none may reach a log."""

import asyncio
import json
import os
import signal
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from shared.settings import Settings
from tests.conftest import METRICS_TOKEN, PSEUDONYM_KEY, ROOT, Council
from tests.integration.deploy_files import dockerfile_stages, effective, exec_form
from tests.integration.helpers import add_child

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
            try:
                if (await client.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"the API did not serve /healthz within {STARTUP_SECONDS} s")


@dataclass
class ShippedApi:
    process: asyncio.subprocess.Process
    client: httpx.AsyncClient


@asynccontextmanager
async def shipped_api_process(settings: Settings, output: Path) -> AsyncIterator[ShippedApi]:
    """A real uvicorn process on the test database, writing stdout and stderr to `output`; stopped with
    Ctrl-C, as make run stops it, so its shutdown lines are read too."""
    port = free_port()
    env = os.environ | {
        "ENVIRONMENT": "test",
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "QUEUE_NAME": settings.queue_name,
        "PSEUDONYM_KEY": PSEUDONYM_KEY,
        "METRICS_TOKEN": METRICS_TOKEN,
        "LOG_LEVEL": "DEBUG",
    }
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
            if server.returncode is None:
                server.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(server.wait(), timeout=30)
            except TimeoutError:
                server.kill()
                await server.wait()


@asynccontextmanager
async def shipped_api(settings: Settings, output: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with shipped_api_process(settings, output) as shipped:
        yield shipped.client


async def test_no_child_id_or_pseudonym_reaches_the_servers_output(
    settings: Settings, council: Council, tmp_path: Path
) -> None:
    child_id = f"X903-{uuid.uuid4().hex[:10]}"
    child_pseudonym = council.pseudonym(child_id)
    output = tmp_path / "api.log"
    async with shipped_api(settings, output) as api:
        await add_child(api, council.headers, child_id)
        read = await api.get(f"/v1/children/{child_id}", headers=council.headers)
        assert read.status_code == 200 and read.json()["pseudonym"] == child_pseudonym, read.text
        audit = await api.get("/v1/admin/audit", params={"child_id": child_id}, headers=council.admin)
        assert audit.status_code == 200 and audit.json()["items"], audit.text
        scores = await api.get(
            "/v1/scores/needs-summary", params={"child_pseudonym": child_pseudonym}, headers=council.bi
        )
        assert scores.status_code == 200, scores.text
    text = output.read_text()
    lines = [json.loads(line) for line in text.splitlines()]
    # The output was captured: the app's own line for each request is there, naming the route template.
    routes = {(line["method"], line["route"], line["status"]) for line in lines if line["event"] == "request"}
    assert {
        ("PUT", "/v1/children/{child_id}", 201),
        ("GET", "/v1/children/{child_id}", 200),
        ("GET", "/v1/admin/audit", 200),
        ("GET", "/v1/scores/needs-summary", 200),
    } <= routes, routes
    assert child_id not in text
    assert child_pseudonym not in text
