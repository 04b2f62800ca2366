"""`make run` as the README starts it (the Makefile's `python -m services.stack.run`, or make itself), a real
process with its API and worker: the banner once the API answers, a process that dies is started again, saying
so, and Ctrl-C stops everything; a port taken or a process that fails to start ends it non-zero."""

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from alembic import command
from alembic.config import Config

from services.api import councils
from services.api.web.sessions import SESSION_COOKIE
from services.stack.embedded import free_port
from services.stack.supervisor import STEADY, Supervised, start, supervise, tend
from shared.db import make_engine, make_sessionmaker, transaction
from shared.demo_data import DEMO_COUNCIL_CODE, DEMO_PROVIDER_ID
from shared.models import Provider
from shared.settings import Settings
from tests.conftest import ROOT, Servers, create_database, drop_database, with_database
from tests.integration.processes import WAIT, make, wait_for_line


def make_run_command() -> list[str]:
    recipe = re.search(r"^run:.*\n\t(.+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert recipe is not None, "the Makefile has no run target"
    words = recipe.group(1).split()
    assert words[0] == "$(PY)", words
    return [sys.executable, *words[1:]]


async def add_demo_council(database_url: str) -> None:
    """The demo council in place, as after a first start: its load is not what is under test."""
    engine = make_engine(Settings(database_url=database_url))
    try:
        async with transaction(make_sessionmaker(engine)) as db:
            council = await councils.create_council(db, DEMO_COUNCIL_CODE, "Demo council", synthetic=True)
            # The provider the banner's provider finance link works for.
            db.add(Provider(la_id=council.id, external_id=DEMO_PROVIDER_ID, name="Demo provider"))
    finally:
        await engine.dispose()


@pytest.fixture
def own_database(servers: Servers) -> Iterator[str]:
    """A database of this test's own, migrated and with the demo council, as `make run` leaves one."""
    name = f"test_run_{uuid.uuid4().hex[:10]}"
    asyncio.run(create_database(servers.database_url, name))
    try:
        url = with_database(servers.database_url, name)
        config = Config(str(ROOT / "alembic.ini"))
        config.attributes["database_url"] = url
        config.attributes["configure_logger"] = False
        command.upgrade(config, "head")
        asyncio.run(add_demo_council(url))
        yield url
    finally:
        asyncio.run(drop_database(servers.database_url, name))


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A child exited but not yet reaped still answers; its state says so.
    return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"


def make_run_env(servers: Servers, own_database: str, tmp_path: Path) -> dict[str, str]:
    """make run on the test's own database, queue, data folder and a free port."""
    return os.environ | {
        "DATABASE_URL": own_database,
        "REDIS_URL": servers.redis_url,
        "QUEUE_NAME": f"test:{uuid.uuid4().hex[:8]}",
        "DATA_DIR": str(tmp_path / "data"),
        "PORT": str(free_port()),
    }


def signs_in_once(link: str, url: str) -> None:
    """The banner's link signs a browser in to the web pages once; used again, it signs no one in."""
    with httpx.Client(base_url=url) as browser:
        signed_in = browser.post(link)
        assert signed_in.status_code == 303
        # A browser sends a Secure cookie to 127.0.0.1 (a secure context); httpx keeps it for https only.
        cookie = {"Cookie": f"{SESSION_COOKIE}={signed_in.cookies[SESSION_COOKIE]}"}
        assert browser.get("/web/overview", headers=cookie).status_code == 200
        assert browser.post(link).status_code == 403


def test_make_run_starts_a_dead_process_again_and_stops_everything_on_ctrl_c(
    servers: Servers, own_database: str, tmp_path: Path
) -> None:
    env = make_run_env(servers, own_database, tmp_path)
    output = tmp_path / "make-run.log"
    with output.open("wb") as sink:
        # In a session of its own, so a failed test can end it and everything it started together; with
        # Ctrl-C ignored, as a script's background job inherits it, which Ctrl-C must stop all the same.
        run = subprocess.Popen(
            make_run_command(),
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
        )
    try:
        api = int(wait_for_line(output, r"^\[make run\] api started \(pid (\d+)\)$", run).group(1))
        started = wait_for_line(output, r"^\[make run\] worker started \(pid (\d+)\)$", run)
        worker = int(started.group(1))
        # The banner comes once the stack serves: its URL answers as soon as it is printed.
        docs = wait_for_line(output, r"^  API docs: +(http://\S+)/docs$", run).group(1)
        assert docs == f"http://127.0.0.1:{env['PORT']}"
        with urllib.request.urlopen(f"{docs}/healthz", timeout=5) as answer:
            assert answer.status == 200
        signs_in_once(wait_for_line(output, r"^    manager +(http://\S+/web/sign-in/link/\S+)$", run).group(1), docs)

        os.kill(worker, signal.SIGKILL)
        wait_for_line(
            output, r"^\[make run\] worker exited \(killed by SIGKILL\); starting it again in 1 s$", run, started.end()
        )
        again = int(wait_for_line(output, r"^\[make run\] worker started \(pid (\d+)\)$", run, started.end()).group(1))
        assert again != worker and alive(again)
        assert alive(api) and "api exited" not in output.read_text(), "the API went down with the worker"

        run.send_signal(signal.SIGINT)
        assert run.wait(timeout=WAIT) == 0, output.read_text()[-3000:]
    finally:
        # Ctrl-C first whatever happened, so the processes it started are stopped with it.
        if run.poll() is None:
            run.send_signal(signal.SIGINT)
            try:
                run.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                os.killpg(run.pid, signal.SIGKILL)
                run.wait()
    assert "[make run] stopping api, worker" in output.read_text()
    assert not alive(api) and not alive(again), "Ctrl-C left a process running"


def test_a_process_that_keeps_exiting_waits_longer_each_time_and_one_that_ran_a_while_does_not(
    capsys: pytest.CaptureFixture[str],
) -> None:
    failing = Supervised("failing", [sys.executable, "-c", "raise SystemExit(3)"])
    waits = []
    for _ in range(4):
        start(failing, dict(os.environ), ROOT)
        assert failing.process is not None
        failing.process.wait(timeout=WAIT)
        tend(failing, {}, ROOT, now=failing.started_at + 1)
        assert failing.restart_at is not None
        waits.append(failing.restart_at - (failing.started_at + 1))
    assert waits == pytest.approx([1, 2, 4, 8])  # differences of monotonic instants, so floats
    start(failing, dict(os.environ), ROOT)
    assert failing.process is not None
    failing.process.wait(timeout=WAIT)
    # A little past STEADY: exactly STEADY after a large monotonic instant may come out a hair short in floats.
    ran_a_while = failing.started_at + STEADY + 0.5
    tend(failing, {}, ROOT, now=ran_a_while)
    assert failing.restart_at == ran_a_while + 1
    said = capsys.readouterr().out.splitlines()
    assert "[make run] failing exited (exit status 3); starting it again in 8 s" in said


def test_a_port_taken_is_said_in_one_line_before_anything_starts_and_make_fails(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as other_instance:
        port = other_instance.getsockname()[1]
        env = os.environ | {"PORT": str(port), "DATA_DIR": str(tmp_path / "data")}
        ended = subprocess.run(make("run"), env=env, capture_output=True, text=True, timeout=WAIT)
    assert ended.returncode != 0
    [line] = ended.stderr.strip().splitlines()[:1]
    assert line.startswith(f"[make run] cannot serve on 127.0.0.1:{port}: Address already in use"), ended.stderr
    assert "nlc_" not in ended.stdout + ended.stderr and "API docs" not in ended.stdout
    assert not (tmp_path / "data" / "postgres").exists(), "servers were started for a stack that could not serve"


def test_a_process_that_fails_to_start_stops_the_others_and_ends_the_run(capsys: pytest.CaptureFixture[str]) -> None:
    serving = [sys.executable, "-c", "import time; time.sleep(600)"]
    failing = [sys.executable, "-c", "raise SystemExit(3)"]
    announced: list[str] = []
    commands = {"api": serving, "worker": failing}
    with pytest.raises(SystemExit, match=r"^\[make run\] worker failed to start \(exit status 3\)"):
        supervise(commands, dict(os.environ), ROOT, lambda: False, lambda: announced.append("banner"))
    assert announced == [], "the banner was printed for a stack that did not start"
    said = capsys.readouterr().out
    api = int(re.search(r"api started \(pid (\d+)\)", said).group(1))  # type: ignore[union-attr]
    assert "[make run] stopping api, worker" in said and not alive(api)


def test_an_api_that_cannot_start_stops_the_stack_and_make_fails(
    servers: Servers, own_database: str, tmp_path: Path
) -> None:
    env = make_run_env(servers, own_database, tmp_path) | {
        # uvicorn reads its options from UVICORN_* too: a logging file that is not there ends it at start.
        "UVICORN_LOG_CONFIG": str(tmp_path / "no-such-logging.ini"),
    }
    ended = subprocess.run(make("run"), env=env, capture_output=True, text=True, timeout=WAIT * 3)
    said = ended.stdout + ended.stderr
    assert ended.returncode != 0, said[-3000:]
    assert re.search(r"^\[make run\] api failed to start \(exit status \d+\); see above$", said, re.MULTILINE), said
    assert "API docs" not in said and "nlc_" not in said
    worker = int(re.search(r"worker started \(pid (\d+)\)", said).group(1))  # type: ignore[union-attr]
    assert "[make run] stopping api, worker" in said and not alive(worker)
    assert not (tmp_path / "data" / "servers.env").exists()
