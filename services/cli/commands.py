"""The operator's commands and their parser (see services/cli/__init__.py); the loading commands are in loading.py."""

import argparse
import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api import audit, councils, demo
from services.api.clients import service as clients
from services.api.clients.schemas import ClientIn, KeyIn
from services.api.contracts import service as contracts
from services.api.contracts.schemas import ContractIn, VersionIn
from services.api.erasures.service import erase_child
from services.api.instruments.service import load_instrument as load_council_instrument
from services.api.types import plain_id
from services.cli.loading import add_import_commands
from services.cli.progress import RECOMPUTE_UNITS, ProgressBar
from services.cli.sessions import in_transaction, require_council
from shared.access import Kind, Scope
from shared.db import make_engine, make_sessionmaker, transaction
from shared.demo_data import DEMO_PROVIDER_ID, generate_demo_council
from shared.domain.calibration import calibrate
from shared.domain.full_recompute import recompute_councils
from shared.domain.locks import figures_lock
from shared.domain.lookups import find_instrument
from shared.errors import NotFound, ProblemError
from shared.faults import ends_in_one_line
from shared.instruments import InstrumentScale
from shared.models import Client, LocalAuthority
from shared.schema import require_head
from shared.settings import get_settings


async def require_client(db: AsyncSession, client_id: uuid.UUID, action: str) -> Client:
    client = await db.get(Client, client_id)
    if client is None:
        raise SystemExit("No such client.")
    audit.begin_operator(db, client.la_id, action)
    audit.note(db, target=f"client:{client.id}")
    return client


async def register_client(db: AsyncSession, la_id: uuid.UUID, body: ClientIn, args: argparse.Namespace) -> list[str]:
    """The client, audited, and its first key unless it signs in with OAuth2: the lines that say so, once."""
    audit.begin_operator(db, la_id, "create_client")
    client = await clients.create_client(db, la_id, body, oauth_subject=args.oauth_subject)
    audit.note(db, target=f"client:{client.id}", kind=client.kind)
    if args.no_key:
        return [f"client {client.id}"]
    key = await clients.issue_key(db, client, KeyIn(expires_in_days=args.expires_in_days))
    return [f"client {client.id}", key.api_key]


async def create_council(args: argparse.Namespace) -> None:
    """With --admin-client, its first admin client and key in the same transaction: the one command a new
    deployment (compose, Kubernetes) needs before its admin can do the rest through the API."""

    async def work(db: AsyncSession) -> list[str]:
        council = await councils.create_council(db, args.code, args.name)
        if args.admin_client is None:
            return []
        return await register_client(db, council.id, ClientIn(name=args.admin_client, kind=Kind.ADMIN), args)

    said = await in_transaction(work)
    print("\n".join([f"council {args.code} created", *said]))


async def create_client(args: argparse.Namespace) -> None:
    async def work(db: AsyncSession) -> list[str]:
        la_id = await require_council(db, args.council)
        body = ClientIn(name=args.name, kind=args.kind, scopes=args.scope, provider_id=args.provider)
        return await register_client(db, la_id, body, args)

    print("\n".join(await in_transaction(work)))


async def create_key(args: argparse.Namespace) -> None:
    async def work(db: AsyncSession) -> str:
        client = await require_client(db, args.client_id, "issue_key")
        body = KeyIn(expires_in_days=args.expires_in_days, rotate_overlap_hours=args.rotate_overlap_hours)
        return (await clients.issue_key(db, client, body)).api_key

    print(await in_transaction(work))


async def revoke_key(args: argparse.Namespace) -> None:
    async def work(db: AsyncSession) -> None:
        await clients.revoke_key(db, await require_client(db, args.client_id, "revoke_key"), args.key_id)

    await in_transaction(work)
    print("key revoked")


async def disable_client(args: argparse.Namespace) -> None:
    async def work(db: AsyncSession) -> None:
        await clients.disable_client(db, await require_client(db, args.client_id, "disable_client"))

    await in_transaction(work)
    print("client disabled and its keys revoked")


async def erase(args: argparse.Namespace) -> None:
    async def work(db: AsyncSession) -> str:
        la_id = await require_council(db, args.council)
        audit.begin_operator(db, la_id, "create_erasure")
        try:
            return (await erase_child(db, la_id, args.child_id)).child_pseudonym
        except NotFound as error:
            raise SystemExit(error.detail) from None

    print(f"erased; the audit log keeps the pseudonym {await in_transaction(work)}")


INSTRUMENT_MEDIA_TYPES = {".json": "application/json", ".yaml": "application/yaml", ".yml": "application/yaml"}


async def load_instrument(args: argparse.Namespace) -> None:
    path: Path = args.file
    media_type = INSTRUMENT_MEDIA_TYPES.get(path.suffix.lower())
    if media_type is None:
        raise SystemExit(f"{path}: name a .json, .yaml or .yml file; the extension says how to read it.")
    try:
        text = await asyncio.to_thread(path.read_text, encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SystemExit(f"{path}: cannot be read ({error})") from None

    async def work(db: AsyncSession) -> tuple[str, int]:
        la_id = await require_council(db, args.council)
        audit.begin_operator(db, la_id, "create_instrument")
        instrument = await load_council_instrument(db, la_id, text, media_type)
        return instrument.code, instrument.version

    code, version = await in_transaction(work)
    print(f"instrument {code} version {version} loaded for {args.council}")


async def load_demo(args: argparse.Namespace) -> None:
    """Prints one line per demo client, '<kind> <key>': the only time the keys are shown."""

    async def work(db: AsyncSession) -> dict[str, str]:
        if await councils.find_council(db, demo.DEMO_CODE) is not None:
            return {}
        instrument = await find_instrument(db, None, "needs-v1", None)
        assert instrument is not None, "run the migrations first"
        domains = InstrumentScale.from_definition(instrument.definition).domains
        generated = generate_demo_council(domains)
        council = await demo.load(db, generated, date.today(), get_settings().pseudonym_key_bytes)
        keys = {}
        for kind in Kind:
            provider = DEMO_PROVIDER_ID if kind is Kind.PROVIDER else None
            body = ClientIn(name=f"demo {kind.value}", kind=kind, provider_id=provider)
            client = await clients.create_client(db, council.id, body)
            keys[kind.value] = (await clients.issue_key(db, client, KeyIn())).api_key
        return keys

    keys = await in_transaction(work)
    print("\n".join(f"{kind} {key}" for kind, key in keys.items()) or "demo council already loaded")


async def recompute(args: argparse.Namespace) -> None:
    """Every figure of the councils named (or of all), the same figures the worker's drain gives."""
    engine = make_engine(get_settings())
    try:
        sessions = make_sessionmaker(engine)
        async with transaction(sessions) as db:
            query = select(LocalAuthority.id, LocalAuthority.code)
            if not args.all:
                query = query.where(LocalAuthority.code.in_(args.council))
            councils = (await db.execute(query.order_by(LocalAuthority.code))).all()
            unknown = set(args.council or ()) - {code for _, code in councils}
            if unknown:
                raise SystemExit(f"No council with code {', '.join(sorted(unknown))}.")
            for la_id, _ in councils:
                audit.begin_operator(db, la_id, "recompute_council")
                await audit.flush(db)
        shown = ProgressBar(RECOMPUTE_UNITS)
        try:
            outcome = await recompute_councils(sessions, [la_id for la_id, _ in councils], shown)
        finally:
            shown.close()
    finally:
        await engine.dispose()
    print(
        f"{outcome.children:,} children: {outcome.written:,} recomputed, {outcome.cleared:,} cleared, "
        f"{outcome.left_to_incremental:,} written to meanwhile and left to their own recompute"
    )


async def calibrate_council(args: argparse.Namespace) -> None:
    async def work(db: AsyncSession) -> str:
        la_id = await require_council(db, args.council)
        audit.begin_operator(db, la_id, "create_calibration")
        instrument = await find_instrument(db, la_id, args.instrument, None)
        if instrument is None:
            raise SystemExit(f"No instrument '{args.instrument}' for this council.")
        await figures_lock(db)
        calibration = await calibrate(db, la_id, instrument.definition, "admin")
        if calibration is None:
            raise SystemExit("Fewer than two children have a baseline on this instrument: nothing to calibrate on.")
        audit.note(db, target=f"calibration:{args.instrument}", sd=calibration.sd, n=calibration.n)
        return f"SD {calibration.sd:.4f} from {calibration.n} baselines; every child's RCI recomputed"

    print(await in_transaction(work))


async def read_json(path: Path) -> object:
    try:
        return json.loads(await asyncio.to_thread(path.read_text, encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SystemExit(f"{path}: cannot be read as JSON ({error})") from None


async def change_contract(args: argparse.Namespace) -> None:
    """create-contract, version-contract and end-contract: the admin endpoints' work, audited as cli."""

    async def work(db: AsyncSession) -> str:
        la_id = await require_council(db, args.council)
        # A refusal (ValidationError, ProblemError) reaches main, which lists every field at fault.
        if args.change == "create":
            audit.begin_operator(db, la_id, "create_contract")
            out = await contracts.create_contract(db, la_id, ContractIn.model_validate(await read_json(args.file)))
        elif args.change == "version":
            audit.begin_operator(db, la_id, "create_version")
            body = VersionIn.model_validate(await read_json(args.file))
            out = await contracts.new_version(db, la_id, args.code, body)
        else:
            audit.begin_operator(db, la_id, "end_contract")
            out = await contracts.end_contract(db, la_id, args.code, args.end_date)
        audit.note(db, target=f"contract:{out.code}", version=out.versions[-1].version)
        return f"contract {out.code} version {out.versions[-1].version}: {out.start_date} to {out.end_date}"

    print(await in_transaction(work))


async def close_period(args: argparse.Namespace) -> None:
    async def work(db: AsyncSession) -> str:
        la_id = await require_council(db, args.council)
        audit.begin_operator(db, la_id, "close_period")
        closed_at = await contracts.close_period(db, la_id, args.code, args.period_start)
        audit.note(db, target=f"contract:{args.code}", period=args.period_start.isoformat())
        return f"contract {args.code}: the period from {args.period_start} closed at {closed_at.isoformat()}"

    print(await in_transaction(work))


def an_id(value: str) -> str:
    """An id named on the command line, as the API takes it."""
    try:
        return plain_id(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


KEY_DAYS = KeyIn.model_fields["expires_in_days"].default


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m services.cli")
    commands = root.add_subparsers(required=True)
    council = commands.add_parser("create-council", help="create a council (local authority)")
    council.add_argument("code")
    council.add_argument("name")
    council.add_argument("--admin-client", metavar="NAME", help="also its first admin client; prints its id and key")
    council.set_defaults(run=create_council, oauth_subject=None, no_key=False, expires_in_days=KEY_DAYS)

    client = commands.add_parser("create-client", help="register a client; prints its id and its first key, once")
    client.add_argument("council", help="the council's code")
    client.add_argument("kind", choices=[kind.value for kind in Kind])
    client.add_argument("name", help="which system, e.g. 'LCS nightly feed'")
    client.add_argument("--scope", action="append", choices=[scope.value for scope in Scope], help="repeatable")
    client.add_argument("--provider", help="the council's provider id (provider clients)")
    client.add_argument("--oauth-subject", help="the token claim naming this client, to accept its OAuth2 tokens")
    client.add_argument("--expires-in-days", type=int, default=KEY_DAYS)
    client.add_argument("--no-key", action="store_true", help="no API key (a client that signs in with OAuth2)")
    client.set_defaults(run=create_client)

    key = commands.add_parser("create-key", help="issue another API key for a client; printed once")
    key.add_argument("client_id", type=uuid.UUID)
    key.add_argument("--expires-in-days", type=int, default=KEY_DAYS)
    key.add_argument("--rotate-overlap-hours", type=int, help="rotation: the client's other keys expire after this")
    key.set_defaults(run=create_key)

    revoke = commands.add_parser("revoke-key", help="revoke a key from the next request on")
    revoke.add_argument("client_id", type=uuid.UUID)
    revoke.add_argument("key_id", type=uuid.UUID)
    revoke.set_defaults(run=revoke_key)

    disable = commands.add_parser("disable-client", help="disable a client and revoke its keys")
    disable.add_argument("client_id", type=uuid.UUID)
    disable.set_defaults(run=disable_client)

    erasure = commands.add_parser("erase-child", help="erase a child and every figure of it")
    erasure.add_argument("council", help="the council's code")
    erasure.add_argument("child_id", type=an_id, help="the council's own child id")
    erasure.set_defaults(run=erase)

    instrument = commands.add_parser(
        "load-instrument", help="load a council's own instrument, or a new version of it, from a JSON or YAML file"
    )
    instrument.add_argument("council", help="the council's code")
    instrument.add_argument("file", type=Path, help="the instrument document: .json, .yaml or .yml")
    instrument.set_defaults(run=load_instrument)

    add_import_commands(commands)

    whole = commands.add_parser("recompute", help="recompute every figure of councils at once, with a progress bar")
    chosen = whole.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--council", action="append", help="a council's code (repeatable)")
    chosen.add_argument("--all", action="store_true", help="every council")
    whole.set_defaults(run=recompute)

    calibration = commands.add_parser("calibrate", help="take a council's reference SD for reliable change now")
    calibration.add_argument("council", help="the council's code")
    calibration.add_argument("--instrument", default="needs-v1")
    calibration.set_defaults(run=calibrate_council)

    created = commands.add_parser("create-contract", help="a pbnr-v1 contract from a JSON file (as the API takes)")
    created.add_argument("council", help="the council's code")
    created.add_argument("file", type=Path)
    created.set_defaults(run=change_contract, change="create")
    versioned = commands.add_parser("version-contract", help="a new version of a contract's terms from a JSON file")
    versioned.add_argument("council", help="the council's code")
    versioned.add_argument("code", type=an_id, help="the contract's reference")
    versioned.add_argument("file", type=Path, help='{"effective_from": ..., and the terms that change}')
    versioned.set_defaults(run=change_contract, change="version")
    ended = commands.add_parser("end-contract", help="end a contract on a date (a new version from that date)")
    ended.add_argument("council", help="the council's code")
    ended.add_argument("code", type=an_id, help="the contract's reference")
    ended.add_argument("end_date", type=date.fromisoformat, help="YYYY-MM-DD, its last day")
    ended.set_defaults(run=change_contract, change="end")

    closing = commands.add_parser("close-period", help="close a paid period: its statement never changes again")
    closing.add_argument("council", help="the council's code")
    closing.add_argument("code", type=an_id, help="the contract's reference")
    closing.add_argument("period_start", type=date.fromisoformat, help="YYYY-MM-DD, the period's first day")
    closing.set_defaults(run=close_period)

    loader = commands.add_parser("load-demo", help="load the synthetic demo council if absent; prints its key")
    loader.set_defaults(run=load_demo)
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
