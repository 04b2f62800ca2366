"""Councils (local authorities): created by an operator with the CLI."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.errors import Conflict
from shared.models import LocalAuthority


async def create_council(db: AsyncSession, code: str, name: str, *, synthetic: bool = False) -> LocalAuthority:
    if await db.scalar(select(LocalAuthority).where(LocalAuthority.code == code)) is not None:
        raise Conflict(f"A council with code '{code}' exists.")
    council = LocalAuthority(id=uuid.uuid4(), code=code, name=name, synthetic=synthetic)
    db.add(council)
    await db.flush()
    return council


async def find_council(db: AsyncSession, code: str) -> LocalAuthority | None:
    return await db.scalar(select(LocalAuthority).where(LocalAuthority.code == code))
