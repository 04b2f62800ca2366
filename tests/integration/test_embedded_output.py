"""What starting the embedded PostgreSQL (make run's, without DATABASE_URL) prints: nothing, in a shell
without XDG_RUNTIME_DIR (root, a container) too."""

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

START_AND_STOP = """
import sys
from pathlib import Path
from services.stack.embedded import start_postgres
start_postgres(Path(sys.argv[1]), "postgres", delete_on_stop=True).stop()
"""


def test_starting_the_embedded_postgres_prints_no_warning_without_xdg_runtime_dir(tmp_path: Path) -> None:
    env = {name: value for name, value in os.environ.items() if name != "XDG_RUNTIME_DIR"}
    started = subprocess.run(
        [sys.executable, "-c", START_AND_STOP, str(tmp_path / "pg" / "data")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert started.returncode == 0, started.stderr
    assert started.stderr == "", started.stderr
