"""Councils and their API keys: what the CLI (and later the admin API) manage."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared import api_keys
from shared.errors import Conflict, NotFound
from shared.models import ApiKey, LocalAuthority


async def create_council(db: AsyncSession, code: str, name: str, *, synthetic: bool = False) -> LocalAuthority:
    if await db.scalar(select(LocalAuthority).where(LocalAuthority.code == code)) is not None:
        raise Conflict(f"A council with code '{code}' exists.")
    council = LocalAuthority(id=uuid.uuid4(), code=code, name=name, synthetic=synthetic)
    db.add(council)
    await db.flush()
    return council


async def find_council(db: AsyncSession, code: str) -> LocalAuthority | None:
    return await db.scalar(select(LocalAuthority).where(LocalAuthority.code == code))


async def issue_key(db: AsyncSession, council_code: str, name: str) -> str:
    """Returns the key in plain text: the only time it exists outside the client that keeps it."""
    council = await find_council(db, council_code)
    if council is None:
        raise NotFound(f"No council with code '{council_code}'.")
    key = api_keys.generate()
    db.add(ApiKey(la_id=council.id, name=name, prefix=key.prefix, key_hash=key.digest))
    await db.flush()
    return key.plaintext
