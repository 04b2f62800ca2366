"""Erasing a child on request (domain.md §9): the child, its assessments, placements and every figure
go in one transaction; what remains is the pseudonym, in the audit log and the erasures feed, the
amounts of its payment statement lines, under an erased marker, and its stays' cost in closed periods,
as amounts naming no one."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api import audit
from services.api.children.service import require_child
from services.api.erasures.base_fees import keep_base_fees
from services.api.erasures.statements import erase_from_statements
from shared.domain import statements
from shared.domain.locks import child_lock, figures_lock
from shared.models import Assessment, Child, Erasure, IdempotencyRecord, Placement


class ErasureOut(BaseModel):
    child_pseudonym: str = Field(description="The erased child's pseudonym")
    erased_at: datetime = Field(description="When it was erased")
    assessments_erased: int = Field(description="Assessments deleted")
    placements_erased: int = Field(description="Placement episodes deleted")


async def count(db: AsyncSession, model: type[Assessment] | type[Placement], child_pk: uuid.UUID) -> int:
    return await db.scalar(select(func.count()).select_from(model).where(model.child_pk == child_pk)) or 0


async def erase_child(db: AsyncSession, la_id: uuid.UUID, child_id: str) -> ErasureOut:
    found = await require_child(db, la_id, child_id)
    # In the order of shared/domain/locks.py: a recompute in flight, a full one included, commits first
    # and its rows go with the child.
    await child_lock(db, found.id)
    now = await figures_lock(db)
    child = await require_child(db, la_id, child_id, lock=True)
    assessments, placements = await count(db, Assessment, child.id), await count(db, Placement, child.id)
    # A stored reply to an Idempotency-Key repeats the child's record.
    await db.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.la_id == la_id, IdempotencyRecord.children.contains([child.id])
        )
    )
    contracts = await statements.contracts_of_children(db, [child.id])
    await keep_base_fees(db, contracts, child.id, child.pseudonym, statements.council_day(now))
    # Assessments, versions, ratings, placements, figures and pending recomputes cascade with the child.
    await db.execute(delete(Child).where(Child.id == child.id))
    # Every statement version it was on keeps its amounts and loses what named it; then the statements
    # anew without it. What closed periods paid for it stands: it is neither clawed back nor re-capped.
    await erase_from_statements(db, la_id, child.pseudonym)
    await statements.refresh_clearing_marks(db, contracts, now)
    erasure = Erasure(la_id=la_id, child_pseudonym=child.pseudonym)
    db.add(erasure)
    await db.flush()
    audit.saw_pseudonyms(db, [child.pseudonym])
    audit.note(db, result="erased", assessments=assessments, placements=placements)
    return ErasureOut(
        child_pseudonym=child.pseudonym,
        erased_at=erasure.erased_at,
        assessments_erased=assessments,
        placements_erased=placements,
    )
