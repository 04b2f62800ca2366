"""The operator's command line (services/cli/commands.py) names each command's function by module and name, to
import it only when it runs: a name that does not resolve would fail only when an operator runs that command."""

import argparse
import importlib
import inspect
import subprocess
import sys

from services.cli.commands import Command, parser


def subcommands() -> dict[str, argparse.ArgumentParser]:
    [action] = [a for a in parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def test_every_command_runs_a_coroutine_function_of_its_module() -> None:
    for name, command in subcommands().items():
        run = command.get_default("run")
        assert isinstance(run, Command), name
        function = getattr(importlib.import_module(run.module), run.name, None)
        assert inspect.iscoroutinefunction(function), (name, run)


def test_building_the_parser_loads_neither_the_web_framework_nor_the_engines() -> None:
    """Checked in a fresh interpreter: the test session has imported everything already."""
    probe = (
        "import sys, services.cli.commands as c; c.parser(); "
        "print(sorted(m for m in ('fastapi', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
