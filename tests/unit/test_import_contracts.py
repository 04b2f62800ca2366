"""The import contracts of pyproject.toml ([tool.importlinter]): the API never imports the worker nor the
operator's CLI, shared imports neither process, no feature's routes import another's, the engines stay pure.
Checked on the tree as it is, and on a copy with one forbidden import added, which each contract must catch."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-c",
        "import sys; from importlinter.cli import lint_imports_command as c; sys.exit(c())",
    ]
    return subprocess.run(
        [*command, "--no-cache", "--config", str(ROOT / "pyproject.toml")],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_tree_keeps_every_contract() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "forbidden", "contract"),
    [
        ("services/api/demo.py", "services.scoring.lease", "The API never imports the worker"),
        ("shared/outbox.py", "services.api.audit", "shared imports neither process"),
        ("shared/domain/engines/needs_trends.py", "sqlalchemy", "The engines are pure"),
        ("services/api/statements/endpoints.py", "services.api.contracts.endpoints", "Routes never import"),
        ("services/api/demo.py", "services.cli", "The API process never imports the operator's CLI"),
    ],
)
def test_a_forbidden_import_breaks_its_contract(tmp_path: Path, module: str, forbidden: str, contract: str) -> None:
    for package in ("services", "shared"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "data"))
    with (tmp_path / module).open("a", encoding="utf-8") as source:
        source.write(f"\nimport {forbidden}\n")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    broken = [line for line in result.stdout.splitlines() if line.endswith("BROKEN")]
    assert len(broken) == 1, result.stdout
    assert forbidden in result.stdout and contract.split(":")[0] in result.stdout
