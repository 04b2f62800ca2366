"""Operator commands: python -m services.api.cli --help

Client, key and erasure commands are audited like the admin endpoints, with "cli" as the actor."""

import argparse
import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from typing import TypeVar

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.api import audit, councils, demo
from services.api.clients import service as clients
from services.api.clients.schemas import ClientIn, KeyIn
from services.api.erasures.service import erase_child
from services.api.instruments import find_instrument
from shared.access import Kind, Scope
from shared.db import make_engine, make_sessionmaker, transaction
from shared.demo_data import generate_demo_council
from shared.errors import NotFound, ProblemError
from shared.instruments import InstrumentScale
from shared.models import Client
from shared.settings import get_settings

T = TypeVar("T")


async def in_transaction(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    engine = make_engine(get_settings())
    try:
        async with transaction(make_sessionmaker(engine)) as db:
            result = await work(db)
            await audit.flush(db)
            return result
    finally:
        await engine.dispose()


async def require_council(db: AsyncSession, code: str) -> uuid.UUID:
    council = await councils.find_council(db, code)
    if council is None:
        raise SystemExit(f"No council with code '{code}'.")
    return council.id


async def require_client(db: AsyncSession, client_id: uuid.UUID, action: str) -> Client:
    client = await db.get(Client, client_id)
    if client is None:
        raise SystemExit("No such client.")
    audit.begin_operator(db, client.la_id, action)
    audit.note(db, target=f"client:{client.id}")
    return client


async def create_council(args: argparse.Namespace) -> None:
    async def work(db: AsyncSession) -> None:
        await councils.create_council(db, args.code, args.name)

    await in_transaction(work)
    print(f"council {args.code} created")


async def create_client(args: argparse.Namespace) -> None:
    async def work(db: AsyncSession) -> tuple[uuid.UUID, str | None]:
        la_id = await require_council(db, args.council)
        audit.begin_operator(db, la_id, "create_client")
        body = ClientIn(name=args.name, kind=args.kind, scopes=args.scope, provider_id=args.provider)
        client = await clients.create_client(db, la_id, body, oauth_subject=args.oauth_subject)
        audit.note(db, target=f"client:{client.id}", kind=client.kind)
        if args.no_key:
            return client.id, None
        key = await clients.issue_key(db, client, KeyIn(expires_in_days=args.expires_in_days))
        return client.id, key.api_key

    client_id, key = await in_transaction(work)
    print(f"client {client_id}")
    if key is not None:
        print(key)


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


async def load_demo(args: argparse.Namespace) -> None:
    """Prints one line per demo client, '<kind> <key>': the only time the keys are shown."""

    async def work(db: AsyncSession) -> dict[str, str]:
        if await councils.find_council(db, demo.DEMO_CODE) is not None:
            return {}
        instrument = await find_instrument(db, "needs-v1", None)
        assert instrument is not None, "run the migrations first"
        domains = InstrumentScale.from_definition(instrument.definition).domains
        generated = generate_demo_council(domains)
        council = await demo.load(db, generated, date.today(), get_settings().pseudonym_key_bytes)
        keys = {}
        for kind in Kind:
            provider = generated.providers[0].external_id if kind is Kind.PROVIDER else None
            body = ClientIn(name=f"demo {kind.value}", kind=kind, provider_id=provider)
            client = await clients.create_client(db, council.id, body)
            keys[kind.value] = (await clients.issue_key(db, client, KeyIn())).api_key
        return keys

    keys = await in_transaction(work)
    print("\n".join(f"{kind} {key}" for kind, key in keys.items()) or "demo council already loaded")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m services.api.cli")
    commands = root.add_subparsers(required=True)
    council = commands.add_parser("create-council", help="create a council (local authority)")
    council.add_argument("code")
    council.add_argument("name")
    council.set_defaults(run=create_council)

    client = commands.add_parser("create-client", help="register a client; prints its id and its first key, once")
    client.add_argument("council", help="the council's code")
    client.add_argument("kind", choices=[kind.value for kind in Kind])
    client.add_argument("name", help="which system, e.g. 'LCS nightly feed'")
    client.add_argument("--scope", action="append", choices=[scope.value for scope in Scope], help="repeatable")
    client.add_argument("--provider", help="the council's provider id (provider clients)")
    client.add_argument("--oauth-subject", help="the token claim naming this client, to accept its OAuth2 tokens")
    client.add_argument("--expires-in-days", type=int, default=365)
    client.add_argument("--no-key", action="store_true", help="no API key (a client that signs in with OAuth2)")
    client.set_defaults(run=create_client)

    key = commands.add_parser("create-key", help="issue another API key for a client; printed once")
    key.add_argument("client_id", type=uuid.UUID)
    key.add_argument("--expires-in-days", type=int, default=365)
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
    erasure.add_argument("child_id", help="the council's own child id")
    erasure.set_defaults(run=erase)

    loader = commands.add_parser("load-demo", help="load the synthetic demo council if absent; prints its key")
    loader.set_defaults(run=load_demo)
    return root


def main() -> None:
    args = parser().parse_args()
    try:
        asyncio.run(args.run(args))
    except ProblemError as error:
        details = "; ".join(f"{e['field']}: {e['message']}" for e in error.errors)
        raise SystemExit(f"{error.detail} {details}".strip()) from None
    except ValidationError as error:
        raise SystemExit(str(error)) from None


if __name__ == "__main__":
    main()
