"""Clients and their keys: what the admin endpoints and the CLI manage."""

import uuid
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.clients.schemas import ClientIn, ClientOut, KeyIn, KeyOut, NewKeyOut
from services.api.providers.queries import provider_named
from shared import api_keys
from shared.access import KIND_SCOPES, Kind
from shared.errors import Conflict, InvalidInput, NotFound, field_error
from shared.models import ApiKey, Client, Provider


async def resolve_provider(db: AsyncSession, la_id: uuid.UUID, body: ClientIn) -> uuid.UUID | None:
    if (body.kind is Kind.PROVIDER) != (body.provider_id is not None):
        message = "required for a provider client" if body.kind is Kind.PROVIDER else "only for a provider client"
        raise InvalidInput("The client is invalid.", errors=[field_error("provider_id", message)])
    if body.provider_id is None:
        return None
    provider = await provider_named(db, la_id, body.provider_id)
    if provider is None:
        raise InvalidInput("The client is invalid.", errors=[field_error("provider_id", "no such provider")])
    return provider.id


async def create_client(
    db: AsyncSession, la_id: uuid.UUID, body: ClientIn, *, oauth_subject: str | None = None
) -> Client:
    """oauth_subject is the operator's to set (the CLI), not a council admin's: with one issuer for every
    council, a subject claimed by one council's admin could take in another council's system."""
    allowed = KIND_SCOPES[body.kind]
    scopes = set(body.scopes) if body.scopes is not None else set(allowed)
    if not scopes <= allowed:
        beyond = ", ".join(sorted(scopes - allowed))
        raise InvalidInput(
            "The client is invalid.", errors=[field_error("scopes", f"a {body.kind} client cannot hold {beyond}")]
        )
    provider_pk = await resolve_provider(db, la_id, body)
    if oauth_subject is not None and await db.scalar(select(Client.id).where(Client.oauth_subject == oauth_subject)):
        raise Conflict("Another client already has this OAuth subject.")
    client = Client(
        la_id=la_id,
        kind=body.kind.value,
        name=body.name,
        scopes=sorted(scopes),
        provider_pk=provider_pk,
        oauth_subject=oauth_subject,
    )
    db.add(client)
    await db.flush()
    return client


async def require_client(db: AsyncSession, la_id: uuid.UUID, client_id: uuid.UUID, *, lock: bool = False) -> Client:
    query = select(Client).where(Client.id == client_id, Client.la_id == la_id)
    client = await db.scalar(query.with_for_update() if lock else query)
    if client is None:
        raise NotFound("No such client.")
    return client


async def issue_key(db: AsyncSession, client: Client, body: KeyIn) -> NewKeyOut:
    if client.disabled_at is not None:
        raise Conflict("The client is disabled.")
    now = await db.scalar(select(func.now()))
    assert now is not None
    if body.rotate_overlap_hours is not None:
        overlap_ends = now + timedelta(hours=body.rotate_overlap_hours)
        await db.execute(
            update(ApiKey)
            .where(
                ApiKey.client_id == client.id,
                ApiKey.revoked_at.is_(None),
                ApiKey.expires_at > overlap_ends,
            )
            .values(expires_at=overlap_ends)
        )
    key = api_keys.generate()
    row = ApiKey(
        client_id=client.id,
        prefix=key.prefix,
        key_hash=key.digest,
        expires_at=now + timedelta(days=body.expires_in_days),
    )
    db.add(row)
    await db.flush()
    return NewKeyOut(**render_key(row).model_dump(), api_key=key.plaintext)


async def revoke_key(db: AsyncSession, client: Client, key_id: uuid.UUID) -> ApiKey:
    key = await db.scalar(select(ApiKey).where(ApiKey.id == key_id, ApiKey.client_id == client.id).with_for_update())
    if key is None:
        raise NotFound("No such key.")
    if key.revoked_at is None:
        key.revoked_at = await db.scalar(select(func.now()))
        await db.flush()
    return key


async def disable_client(db: AsyncSession, client: Client) -> None:
    now = await db.scalar(select(func.now()))
    client.disabled_at = client.disabled_at or now
    await db.execute(
        update(ApiKey).where(ApiKey.client_id == client.id, ApiKey.revoked_at.is_(None)).values(revoked_at=now)
    )
    await db.flush()


def render_key(key: ApiKey) -> KeyOut:
    return KeyOut(
        key_id=key.id,
        prefix=key.prefix,
        created_at=key.created_at,
        expires_at=key.expires_at,
        revoked_at=key.revoked_at,
    )


async def render(db: AsyncSession, client: Client) -> ClientOut:
    keys = await db.scalars(select(ApiKey).where(ApiKey.client_id == client.id).order_by(ApiKey.created_at))
    provider_id = None
    if client.provider_pk is not None:
        provider_id = await db.scalar(select(Provider.external_id).where(Provider.id == client.provider_pk))
    return ClientOut(
        client_id=client.id,
        name=client.name,
        kind=Kind(client.kind),
        scopes=list(client.scopes),
        provider_id=provider_id,
        oauth_subject=client.oauth_subject,
        created_at=client.created_at,
        disabled_at=client.disabled_at,
        keys=[render_key(key) for key in keys],
    )
