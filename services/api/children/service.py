import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api import audit
from services.api.batches import Errors, WriteResult, refusal, write_one
from services.api.children.schemas import ChildIn
from services.api.upserts import insert_if_absent
from shared.domain.lookups import children_by_id
from shared.errors import NotFound, field_error
from shared.models import Assessment, AssessmentVersion, Child, OutcomeMeasure, Placement, is_current_version
from shared.pseudonyms import pseudonym
from shared.ssda903 import collection_year_of, date_problem, invalid_codes

CHILD_KEY = ("la_id", "child_id")
NO_SUCH_CHILD = "No such child."


async def get_children(
    db: AsyncSession, la_id: uuid.UUID, child_ids: Iterable[str], *, lock: bool = False
) -> dict[str, Child]:
    """The council's children of those ids, by id, each seen by the caller (audit.py)."""
    children = await children_by_id(db, la_id, child_ids, lock=lock)
    for child in children.values():
        audit.saw_child(db, child.id)
    return children


async def get_child(db: AsyncSession, la_id: uuid.UUID, child_id: str, *, lock: bool = False) -> Child | None:
    return (await get_children(db, la_id, [child_id], lock=lock)).get(child_id)


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
    measured = select(func.min(OutcomeMeasure.period_start)).where(OutcomeMeasure.child_pk == child_pk)
    found = [await db.scalar(query) for query in (assessed, placed, measured)]
    dates = [day for day in found if day is not None]
    return min(dates, default=None)


def birth_errors(body: ChildIn, today: date) -> list[dict[str, Any]]:
    errors = []
    if (problem := date_problem(body.date_of_birth, today)) is not None:
        errors.append(field_error("date_of_birth", problem))
    errors += [
        field_error("ethnicity", message)
        for _, message in invalid_codes({"ETHNIC": body.ethnicity}, collection_year_of(today))
    ]
    return errors


async def record_errors(db: AsyncSession, child: Child, body: ChildIn) -> list[dict[str, Any]]:
    first = await earliest_record(db, child.id)
    if first is not None and first < body.date_of_birth:
        return [field_error("date_of_birth", f"is after a record of this child dated {first.isoformat()}")]
    return []


@dataclass(frozen=True, slots=True)
class Checked:
    child_id: str
    body: ChildIn
    # None: no such child when checked (locked, when there was one).
    stored: Child | None
    outcome: WriteResult


async def check(db: AsyncSession, la_id: uuid.UUID, child_id: str, body: ChildIn, today: date) -> Checked | Errors:
    errors = birth_errors(body, today)
    stored = await get_child(db, la_id, child_id, lock=True)
    if stored is None:
        return errors or Checked(child_id, body, None, "created")
    errors += await record_errors(db, stored, body)
    unchanged = all(getattr(stored, name) == value for name, value in body.model_dump().items())
    return errors or Checked(child_id, body, stored, "existing" if unchanged else "updated")


async def apply(db: AsyncSession, la_id: uuid.UUID, ready: Checked, pseudonym_key: bytes) -> tuple[Child, WriteResult]:
    child, outcome = ready.stored, ready.outcome
    if child is None:
        values = {
            "la_id": la_id,
            "child_id": ready.child_id,
            "pseudonym": pseudonym(pseudonym_key, la_id, ready.child_id),
        }
        # Two requests creating one child both succeed: the one that loses the race updates it instead.
        if await insert_if_absent(db, Child, values | ready.body.model_dump(), CHILD_KEY):
            return await require_child(db, la_id, ready.child_id), "created"
        child = await require_child(db, la_id, ready.child_id, lock=True)
        errors = await record_errors(db, child, ready.body)
        if errors:
            raise refusal(errors, "child")
        outcome = "updated"
    for name, value in ready.body.model_dump().items():
        setattr(child, name, value)
    return child, outcome


async def upsert_child(
    db: AsyncSession, la_id: uuid.UUID, child_id: str, body: ChildIn, today: date, pseudonym_key: bytes
) -> tuple[Child, bool]:
    child, outcome = await write_one(
        db, "child", check(db, la_id, child_id, body, today), lambda ready: apply(db, la_id, ready, pseudonym_key)
    )
    await db.refresh(child)
    return child, outcome == "created"
