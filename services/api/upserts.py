"""Create-or-update by a natural key without a race: two requests creating the same row both succeed,
one creating it and the other then updating it, instead of one failing on the unique constraint."""

import uuid
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from shared.models import Base


async def insert_if_absent(db: AsyncSession, model: type[Base], values: dict[str, Any], key: tuple[str, ...]) -> bool:
    """True when this call created the row."""
    statement = insert(model).values(id=uuid.uuid4(), **values).on_conflict_do_nothing(index_elements=list(key))
    created = await db.scalar(statement.returning(model.id))  # type: ignore[attr-defined]
    return created is not None
