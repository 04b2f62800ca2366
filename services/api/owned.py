"""Reading a council's own rows by id or by the source system's id: another council's row is never
found, so its id is a 404, never told apart from none."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api import audit
from shared.domain.lookups import Owned, find_by_external_ids
from shared.errors import NotFound


async def require_owned(
    db: AsyncSession, model: type[Owned], la_id: uuid.UUID, row_id: uuid.UUID, *, lock: bool = False
) -> Owned:
    query = select(model).where(model.id == row_id, model.la_id == la_id)
    if lock:
        # Re-read under the lock: the row may have changed since this session first loaded it.
        query = query.with_for_update().execution_options(populate_existing=True)
    row = await db.scalar(query)
    if row is None:
        raise NotFound(f"No such {model.__tablename__.removesuffix('s')}.")
    audit.saw_child(db, row.child_pk)
    return row


async def find_by_external_id(db: AsyncSession, model: type[Owned], la_id: uuid.UUID, external_id: str) -> Owned | None:
    return (await find_by_external_ids(db, model, la_id, [external_id])).get(external_id)
