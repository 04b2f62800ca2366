"""Who is calling: every route but health and readiness resolves a client bound to one council."""

import uuid
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared import api_keys
from shared.errors import NotAuthenticated
from shared.models import ApiKey


@dataclass(frozen=True, slots=True)
class Client:
    key_id: uuid.UUID
    la_id: uuid.UUID


def bearer_token(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise NotAuthenticated("Send an API key as 'Authorization: Bearer <key>'.")
    return token.strip()


async def authenticate(session: AsyncSession, token: str) -> Client:
    prefix = api_keys.prefix_of(token)
    row = None
    if prefix is not None:
        row = await session.scalar(select(ApiKey).where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None)))
    if row is None or not api_keys.matches(token, row.key_hash):
        raise NotAuthenticated("The API key is unknown or revoked.")
    return Client(key_id=row.id, la_id=row.la_id)
