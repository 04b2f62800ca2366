"""`TEST_CONTAINERS=1 make test` where no Docker engine runs: one line saying so, and a failing exit."""

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_test_containers_without_a_docker_engine_says_so_in_one_line(tmp_path: Path) -> None:
    nowhere = f"unix://{tmp_path / 'docker.sock'}"  # no engine listens on a socket that does not exist
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/unit/test_http_limits.py"],
        cwd=ROOT,
        env=os.environ | {"TEST_CONTAINERS": "1", "DOCKER_HOST": nowhere},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode != 0
    assert (run.stdout + run.stderr).strip().splitlines() == [
        f"ERROR: TEST_CONTAINERS=1 needs a running Docker engine and none answered at {nowhere}: "
        "start one, or run without TEST_CONTAINERS to use embedded servers"
    ]
