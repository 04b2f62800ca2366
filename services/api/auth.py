"""Who is calling: an API key or an OAuth2 bearer token (JWT) resolved to a client of one council.

Keys and clients are read on every request, so a revocation, an expiry or a disabled client takes effect
on the next request."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.tokens import InvalidToken, TokenVerifier, looks_like_jwt
from shared import api_keys
from shared.access import KIND_SCOPES, Kind
from shared.db import driver
from shared.errors import NotAuthenticated
from shared.models import Client

# A web page's read, made inside this process as the signed-in person's role (services/api/web/inner_api.py),
# carries its Caller under this key of the ASGI scope: a request from outside cannot set a scope key.
INNER_CALLER = "needs.inner_caller"


@dataclass(frozen=True, slots=True)
class Caller:
    client_id: uuid.UUID
    la_id: uuid.UUID
    kind: Kind
    scopes: frozenset[str]
    provider_pk: uuid.UUID | None
    actor: str  # the credential, as the audit log names it: never a secret
    # A person signed in to the web pages: every person of a role reads through the role's one client.
    person: bool = False

    @property
    def holder(self) -> str:
        """Whose share of the per-client limits (bursts, expensive reads) a request counts against: the
        client's, or a signed-in person's own, so one busy manager does not hold back the council's others."""
        return f"{self.client_id}:{self.actor}" if self.person else str(self.client_id)


def caller_of(client: Mapping[Any, Any], actor: str) -> Caller:
    """From a client's columns by name: its row as the key lookup reads it, or its entity's."""
    kind = Kind(client["kind"])
    # Bounded by the kind here too, so a row written outside the admin API cannot widen what a kind sees.
    scopes = frozenset(client["scopes"]) & KIND_SCOPES[kind]
    return Caller(client["id"], client["la_id"], kind, scopes, client["provider_pk"], actor)


KEY_LOOKUP = """
SELECT k.key_hash, c.id, c.la_id, c.kind, c.scopes, c.provider_pk
FROM api_keys k JOIN clients c ON c.id = k.client_id
WHERE k.prefix = $1 AND k.revoked_at IS NULL AND k.expires_at > now() AND c.disabled_at IS NULL
"""


async def by_api_key(db: AsyncSession, token: str) -> Caller | None:
    prefix = api_keys.prefix_of(token)
    if prefix is None:
        return None
    row = await (await driver(db)).fetchrow(KEY_LOOKUP, prefix)
    if row is None or not api_keys.matches(token, row["key_hash"]):
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
    client = (
        await db.execute(
            select(Client.id, Client.la_id, Client.kind, Client.scopes, Client.provider_pk).where(
                Client.oauth_subject == subject, Client.disabled_at.is_(None)
            )
        )
    ).first()
    return None if client is None else caller_of(client._mapping, f"token:{subject}"[:220])


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
