"""The operator's access commands: councils, clients and their keys, and a child's erasure; audited like the
admin endpoints, with "cli" as the actor."""

import argparse
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.api import audit, councils
from services.api.clients import service as clients
from services.api.clients.schemas import ClientIn, KeyIn
from services.api.erasures.service import erase_child
from services.api.providers.queries import provider_named
from services.api.web import sessions as web_sessions
from services.api.web.roles import Role, role_claimed
from services.cli.sessions import in_transaction, require_council
from shared.access import Kind
from shared.errors import NotFound
from shared.models import Client
from shared.settings import get_settings


def key_asked(args: argparse.Namespace) -> KeyIn:
    """The key's terms as given, the API's defaults for those not given."""
    given: dict[str, Any] = {"expires_in_days": args.expires_in_days}
    given["rotate_overlap_hours"] = getattr(args, "rotate_overlap_hours", None)
    return KeyIn(**{name: value for name, value in given.items() if value is not None})


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
    key = await clients.issue_key(db, client, key_asked(args))
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
        return (await clients.issue_key(db, client, key_asked(args))).api_key

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


async def sign_in_links(args: argparse.Namespace) -> None:
    """One-time links to the web pages, one per role asked for (provider_finance:<provider id> for a provider's
    finance officer): for a council without an identity provider yet, and make run's demo roles."""
    settings = get_settings()

    async def work(db: AsyncSession) -> list[str]:
        la_id = await require_council(db, args.council)
        audit.begin_operator(db, la_id, "create_sign_in_link")
        lines = []
        for asked in args.roles:
            granted = role_claimed(asked)
            if granted is None:
                raise SystemExit(f"{asked!r} is not a role: {', '.join(role.value for role in Role)}")
            role, provider_id = granted
            provider_pk = None
            if provider_id is not None:
                provider = await provider_named(db, la_id, provider_id)
                if provider is None:
                    raise SystemExit(f"The council has no provider {provider_id!r}.")
                provider_pk = provider.id
            token = await web_sessions.new_link(db, la_id, role, provider_pk, settings.web_sign_in_link_minutes)
            lines.append(f"{asked} {settings.web_public_url.rstrip('/')}/web/sign-in/link/{token}")
        audit.note(db, roles=list(args.roles))
        return lines

    print("\n".join(await in_transaction(work)))
