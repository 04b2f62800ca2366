"""The operator's command line (see services/cli/__init__.py): its parser, and each command run in its own module
(access.py, loading.py, operations.py), imported only when that command runs, so that an import of a return does not
wait for the web framework and the engines to load."""

import argparse
import asyncio
import importlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from shared.access import Kind, Scope
from shared.db import make_engine
from shared.errors import ProblemError
from shared.faults import ends_in_one_line
from shared.input_types import plain_id
from shared.schema import require_head
from shared.settings import get_settings
from shared.ssda903 import parse_collection_year

KEY_DAYS = "days until the key expires (default: the API's, a year)"


@dataclass(frozen=True, slots=True)
class Command:
    """A command's function, named by its module and name: the module is imported when the command runs."""

    module: str
    name: str

    async def __call__(self, args: argparse.Namespace) -> None:
        run: Callable[[argparse.Namespace], Awaitable[None]] = getattr(importlib.import_module(self.module), self.name)
        await run(args)


class Commands:
    """The commands of one module, by name: `ACCESS.create_council`."""

    def __init__(self, module: str) -> None:
        self.module = module

    def __getattr__(self, name: str) -> Command:
        return Command(self.module, name)


ACCESS = Commands("services.cli.access")
LOADING = Commands("services.cli.loading")
OPERATIONS = Commands("services.cli.operations")


def collection_year(value: str) -> int:
    try:
        return parse_collection_year(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def an_id(value: str) -> str:
    """An id named on the command line, as the API takes it."""
    try:
        return plain_id(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m services.cli")
    commands = root.add_subparsers(required=True)
    council = commands.add_parser("create-council", help="create a council (local authority)")
    council.add_argument("code")
    council.add_argument("name")
    council.add_argument("--admin-client", metavar="NAME", help="also its first admin client; prints its id and key")
    council.set_defaults(run=ACCESS.create_council, oauth_subject=None, no_key=False, expires_in_days=None)

    client = commands.add_parser("create-client", help="register a client; prints its id and its first key, once")
    client.add_argument("council", help="the council's code")
    client.add_argument("kind", choices=[kind.value for kind in Kind])
    client.add_argument("name", help="which system, e.g. 'LCS nightly feed'")
    client.add_argument("--scope", action="append", choices=[scope.value for scope in Scope], help="repeatable")
    client.add_argument("--provider", help="the council's provider id (provider clients)")
    client.add_argument("--oauth-subject", help="the token claim naming this client, to accept its OAuth2 tokens")
    client.add_argument("--expires-in-days", type=int, help=KEY_DAYS)
    client.add_argument("--no-key", action="store_true", help="no API key (a client that signs in with OAuth2)")
    client.set_defaults(run=ACCESS.create_client)

    key = commands.add_parser("create-key", help="issue another API key for a client; printed once")
    key.add_argument("client_id", type=uuid.UUID)
    key.add_argument("--expires-in-days", type=int, help=KEY_DAYS)
    key.add_argument("--rotate-overlap-hours", type=int, help="rotation: the client's other keys expire after this")
    key.set_defaults(run=ACCESS.create_key)

    revoke = commands.add_parser("revoke-key", help="revoke a key from the next request on")
    revoke.add_argument("client_id", type=uuid.UUID)
    revoke.add_argument("key_id", type=uuid.UUID)
    revoke.set_defaults(run=ACCESS.revoke_key)

    disable = commands.add_parser("disable-client", help="disable a client and revoke its keys")
    disable.add_argument("client_id", type=uuid.UUID)
    disable.set_defaults(run=ACCESS.disable_client)

    erasure = commands.add_parser("erase-child", help="erase a child and every figure of it")
    erasure.add_argument("council", help="the council's code")
    erasure.add_argument("child_id", type=an_id, help="the council's own child id")
    erasure.set_defaults(run=ACCESS.erase)

    instrument = commands.add_parser(
        "load-instrument", help="load a council's own instrument, or a new version of it, from a JSON or YAML file"
    )
    instrument.add_argument("council", help="the council's code")
    instrument.add_argument("file", type=Path, help="the instrument document: .json, .yaml or .yml")
    instrument.set_defaults(run=OPERATIONS.load_instrument)

    measure_code = commands.add_parser(
        "define-measure-code",
        help="define a council's own outcome measure code, or replace a shipped one for it, from a JSON file",
    )
    measure_code.add_argument("council", help="the council's code")
    measure_code.add_argument("code", help="the measure code, e.g. sdq_total")
    measure_code.add_argument(
        "file", type=Path, help="the definition as PUT /v1/admin/measure-codes/{code} takes it (JSON)"
    )
    measure_code.set_defaults(run=OPERATIONS.define_measure_code)

    rules = commands.add_parser(
        "define-decision-rules", help="set a council's decision rules (step-down, stability, ...) from a JSON file"
    )
    rules.add_argument("council", help="the council's code")
    rules.add_argument("file", type=Path, help="the rules as PUT /v1/admin/decision-rules takes them (JSON)")
    rules.set_defaults(run=OPERATIONS.define_decision_rules)

    add_import_commands(commands)

    whole = commands.add_parser("recompute", help="recompute every figure of councils at once, with a progress bar")
    chosen = whole.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--council", action="append", help="a council's code (repeatable)")
    chosen.add_argument("--all", action="store_true", help="every council")
    whole.set_defaults(run=OPERATIONS.recompute)

    calibration = commands.add_parser("calibrate", help="take a council's reference SD for reliable change now")
    calibration.add_argument("council", help="the council's code")
    calibration.add_argument("--instrument", default="needs-v1")
    calibration.set_defaults(run=OPERATIONS.calibrate_council)

    created = commands.add_parser("create-contract", help="a pbnr-v1 contract from a JSON file (as the API takes)")
    created.add_argument("council", help="the council's code")
    created.add_argument("file", type=Path)
    created.set_defaults(run=OPERATIONS.change_contract, change="create")
    versioned = commands.add_parser("version-contract", help="a new version of a contract's terms from a JSON file")
    versioned.add_argument("council", help="the council's code")
    versioned.add_argument("code", type=an_id, help="the contract's reference")
    versioned.add_argument("file", type=Path, help='{"effective_from": ..., and the terms that change}')
    versioned.set_defaults(run=OPERATIONS.change_contract, change="version")
    ended = commands.add_parser("end-contract", help="end a contract on a date (a new version from that date)")
    ended.add_argument("council", help="the council's code")
    ended.add_argument("code", type=an_id, help="the contract's reference")
    ended.add_argument("end_date", type=date.fromisoformat, help="YYYY-MM-DD, its last day")
    ended.set_defaults(run=OPERATIONS.change_contract, change="end")

    closing = commands.add_parser("close-period", help="close a paid period: its statement never changes again")
    closing.add_argument("council", help="the council's code")
    closing.add_argument("code", type=an_id, help="the contract's reference")
    closing.add_argument("period_start", type=date.fromisoformat, help="YYYY-MM-DD, the period's first day")
    closing.set_defaults(run=OPERATIONS.close_period)

    links = commands.add_parser("sign-in-links", help="one-time links to the web pages, one per role; printed once")
    links.add_argument("council", help="the council's code")
    links.add_argument(
        "roles", nargs="+", help="practitioner, manager, commissioner, admin, or provider_finance:<provider id>"
    )
    links.set_defaults(run=ACCESS.sign_in_links)

    loader = commands.add_parser("load-demo", help="load the synthetic demo council if absent; prints its key")
    loader.set_defaults(run=OPERATIONS.load_demo)
    return root


async def at_head_then(command: Callable[[argparse.Namespace], Awaitable[None]], args: argparse.Namespace) -> None:
    """Every command reads or writes rows the migrations shape: one run against another schema could fail
    halfway or write what this release's worker cannot read."""
    engine = make_engine(get_settings())
    try:
        await require_head(engine)
    finally:
        await engine.dispose()
    await command(args)


def main() -> None:
    args = parser().parse_args()
    try:
        settings = get_settings()
        with ends_in_one_line(database_url=settings.database_url, redis_url=settings.redis_url):
            asyncio.run(at_head_then(args.run, args))
    except ProblemError as error:
        details = "; ".join(f"{e['field']}: {e['message']}" for e in error.errors)
        raise SystemExit(f"{error.detail} {details}".strip()) from None
    except ValidationError as error:
        raise SystemExit(str(error)) from None


def add_import_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    imported = commands.add_parser(
        "import-903", help="load a council's SSDA903 return: its CSV tables or its XML file, row by row reported"
    )
    imported.add_argument("council", help="the council's code")
    imported.add_argument("files", nargs="+", type=Path, metavar="FILE")
    imported.add_argument(
        "--year", type=collection_year, help="collection year, e.g. 2023 or 2023-24 (default: inferred)"
    )
    imported.add_argument("--strict", action="store_true", help="load nothing if any row is rejected")
    imported.set_defaults(run=LOADING.import_files, kind="ssda903", action="import_return")

    # Files of their own, one file an import, with no collection year.
    for kind, what in (
        ("costs", "placement costs file (weekly cost, funding, provider)"),
        ("assessments", "needs assessments file (a first load of its history)"),
    ):
        single = commands.add_parser(f"import-{kind}", help=f"load a council's {what}, row by row reported")
        single.add_argument("council", help="the council's code")
        single.add_argument("files", nargs=1, type=Path, metavar="FILE")
        single.add_argument("--strict", action="store_true", help="load nothing if any row is rejected")
        single.set_defaults(run=LOADING.import_files, kind=kind, action=f"import_{kind}", year=None)
