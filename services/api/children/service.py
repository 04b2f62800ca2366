import uuid
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api import audit
from services.api.children.schemas import ChildIn
from services.api.upserts import insert_if_absent
from shared.errors import InvalidInput, NotFound, field_error
from shared.models import Assessment, AssessmentVersion, Child, Placement, is_current_version
from shared.pseudonyms import pseudonym
from shared.ssda903 import collection_year_of, invalid_codes

CHILD_KEY = ("la_id", "child_id")
NO_SUCH_CHILD = "No such child."


async def get_child(db: AsyncSession, la_id: uuid.UUID, child_id: str, *, lock: bool = False) -> Child | None:
    query = select(Child).where(Child.la_id == la_id, Child.child_id == child_id)
    child = await db.scalar(query.with_for_update() if lock else query)
    if child is not None:
        audit.saw_child(db, child.id)
    return child


async def lock_children(db: AsyncSession, la_id: uuid.UUID, child_ids: set[str]) -> None:
    """Lock a batch's children in one order, so two batches naming the same children cannot deadlock."""
    await db.execute(
        select(Child.id)
        .where(Child.la_id == la_id, Child.child_id.in_(sorted(child_ids)))
        .order_by(Child.child_id)
        .with_for_update()
    )


async def require_child(db: AsyncSession, la_id: uuid.UUID, child_id: str, *, lock: bool = False) -> Child:
    child = await get_child(db, la_id, child_id, lock=lock)
    if child is None:
        raise NotFound(NO_SUCH_CHILD)
    return child


async def earliest_record(db: AsyncSession, child_pk: uuid.UUID) -> date | None:
    """The earliest date anything about the child describes: a date of birth must not come after it."""
    assessed = (
        select(func.min(AssessmentVersion.assessed_on))
        .join(Assessment, is_current_version())
        .where(Assessment.child_pk == child_pk)
    )
    placed = select(func.min(Placement.start_date)).where(Placement.child_pk == child_pk)
    dates = [day for day in (await db.scalar(assessed), await db.scalar(placed)) if day is not None]
    return min(dates, default=None)


def birth_errors(body: ChildIn, today: date) -> list[dict[str, Any]]:
    errors = []
    if body.date_of_birth > today:
        errors.append(field_error("date_of_birth", f"{body.date_of_birth.isoformat()} is in the future"))
    errors += [
        field_error("ethnicity", message)
        for _, message in invalid_codes({"ETHNIC": body.ethnicity}, collection_year_of(today))
    ]
    return errors


async def upsert_child(
    db: AsyncSession, la_id: uuid.UUID, child_id: str, body: ChildIn, today: date, pseudonym_key: bytes
) -> tuple[Child, bool]:
    errors = birth_errors(body, today)
    if errors:
        raise InvalidInput("The child is invalid; nothing was written.", errors=errors)
    values = {"la_id": la_id, "child_id": child_id, "pseudonym": pseudonym(pseudonym_key, la_id, child_id)}
    created = await insert_if_absent(db, Child, values | body.model_dump(), CHILD_KEY)
    child = await require_child(db, la_id, child_id, lock=True)
    if created:
        return child, True
    first = await earliest_record(db, child.id)
    if first is not None and first < body.date_of_birth:
        message = f"is after a record of this child dated {first.isoformat()}"
        raise InvalidInput("The child is invalid; nothing was written.", errors=[field_error("date_of_birth", message)])
    for name, value in body.model_dump().items():
        setattr(child, name, value)
    await db.flush()
    await db.refresh(child)
    return child, False
