"""Who is calling: an API key or an OAuth2 bearer token (JWT) resolved to a client of one council.

Keys and clients are read on every request, so a revocation, an expiry or a disabled client takes
effect on the next request."""

import uuid
from dataclasses import dataclass
from typing import Any, Unpack

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.tokens import InvalidToken, TokenVerifier, looks_like_jwt
from shared import api_keys
from shared.access import KIND_SCOPES, Kind
from shared.errors import NotAuthenticated
from shared.models import ApiKey, Client


@dataclass(frozen=True, slots=True)
class Caller:
    client_id: uuid.UUID
    la_id: uuid.UUID
    kind: Kind
    scopes: frozenset[str]
    provider_pk: uuid.UUID | None
    actor: str  # the credential, as the audit log names it: never a secret


# The columns a caller is made of: read as plain columns, not a Client entity, on every request.
CALLER_COLUMNS = (Client.id, Client.la_id, Client.kind, Client.scopes, Client.provider_pk)


def caller_of(client: Client | Row[Unpack[tuple[Any, ...]]], actor: str) -> Caller:
    kind = Kind(client.kind)
    # Bounded by the kind here too, so a row written outside the admin API cannot widen what a kind sees.
    scopes = frozenset(client.scopes) & KIND_SCOPES[kind]
    return Caller(client.id, client.la_id, kind, scopes, client.provider_pk, actor)


async def by_api_key(db: AsyncSession, token: str) -> Caller | None:
    prefix = api_keys.prefix_of(token)
    if prefix is None:
        return None
    row = (
        await db.execute(
            select(ApiKey.key_hash, *CALLER_COLUMNS)
            .join(Client, Client.id == ApiKey.client_id)
            .where(
                ApiKey.prefix == prefix,
                ApiKey.revoked_at.is_(None),
                ApiKey.expires_at > func.now(),
                Client.disabled_at.is_(None),
            )
        )
    ).first()
    if row is None or not api_keys.matches(token, row.key_hash):
        return None
    return caller_of(row, f"key:{prefix}")


async def by_bearer_token(db: AsyncSession, token: str, verifier: TokenVerifier, claim: str) -> Caller | None:
    try:
        claims = await verifier.verify(token)
    except InvalidToken:
        return None
    subject = claims.get(claim)
    if not isinstance(subject, str) or not subject:
        return None
    client = await db.scalar(select(Client).where(Client.oauth_subject == subject, Client.disabled_at.is_(None)))
    return None if client is None else caller_of(client, f"token:{subject}"[:220])


async def authenticate(
    db: AsyncSession, token: str | None, verifier: TokenVerifier | None, subject_claim: str
) -> Caller:
    caller = None
    if token and looks_like_jwt(token):
        if verifier is not None:
            caller = await by_bearer_token(db, token, verifier, subject_claim)
    elif token:
        caller = await by_api_key(db, token)
    if caller is None:
        # One message for every failure: which check failed would help someone guessing credentials.
        raise NotAuthenticated("Send a valid API key or bearer token as 'Authorization: Bearer <credential>'.")
    return caller
