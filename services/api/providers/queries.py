"""A council's provider by the id the council gives it: how every route that names a provider finds it."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models import Provider


async def provider_named(
    db: AsyncSession, la_id: uuid.UUID, provider_id: str, *, lock: bool = False
) -> Provider | None:
    """The council's provider with that id; another council's is none."""
    query = select(Provider).where(Provider.la_id == la_id, Provider.external_id == provider_id)
    return await db.scalar(query.with_for_update() if lock else query)
