import uuid
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.children.schemas import ChildIn
from shared.errors import InvalidInput, NotFound, field_error
from shared.models import Assessment, AssessmentVersion, Child
from shared.ssda903 import collection_year_of, invalid_codes


async def get_child(db: AsyncSession, la_id: uuid.UUID, child_id: str, *, lock: bool = False) -> Child | None:
    query = select(Child).where(Child.la_id == la_id, Child.child_id == child_id)
    return await db.scalar(query.with_for_update() if lock else query)


async def require_child(db: AsyncSession, la_id: uuid.UUID, child_id: str, *, lock: bool = False) -> Child:
    child = await get_child(db, la_id, child_id, lock=lock)
    if child is None:
        raise NotFound("No such child.")
    return child


async def earliest_assessment(db: AsyncSession, child_pk: uuid.UUID) -> date | None:
    return await db.scalar(
        select(func.min(AssessmentVersion.assessed_on))
        .join(Assessment, Assessment.id == AssessmentVersion.assessment_id)
        .where(Assessment.child_pk == child_pk)
    )


async def upsert_child(db: AsyncSession, la_id: uuid.UUID, child_id: str, body: ChildIn) -> tuple[Child, bool]:
    problems = invalid_codes({"ETHNIC": body.ethnicity}, collection_year_of(date.today()))
    if problems:
        raise InvalidInput("Unknown ethnicity code.", errors=[field_error("ethnicity", problems[0][1])])
    child = await get_child(db, la_id, child_id, lock=True)
    if child is None:
        child = Child(id=uuid.uuid4(), la_id=la_id, child_id=child_id, **body.model_dump())
        db.add(child)
        await db.flush()
        return child, True
    first = await earliest_assessment(db, child.id)
    if first is not None and first < body.date_of_birth:
        raise InvalidInput(
            "The new date of birth is after an assessment of this child.",
            errors=[field_error("date_of_birth", f"an assessment of this child is dated {first.isoformat()}")],
        )
    for name, value in body.model_dump().items():
        setattr(child, name, value)
    await db.flush()
    await db.refresh(child)
    return child, False
