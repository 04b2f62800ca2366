"""The reads of the provider portal's routes: children placed with the caller's provider now, or ever."""

from datetime import date

from sqlalchemy import ColumnElement, Row, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.auth import Caller
from services.api.provider_portal.stays import ever_placed
from shared.models import Child, Placement


def placed_now(caller: Caller, today: date) -> list[ColumnElement[bool]]:
    return [
        Placement.la_id == caller.la_id,
        Placement.provider_id == caller.provider_pk,
        Placement.start_date <= today,
        or_(Placement.end_date.is_(None), Placement.end_date > today),
    ]


async def placed_children(
    db: AsyncSession, caller: Caller, today: date, limit: int, cursor: int | None
) -> list[Row[int, str, date]]:
    """(seq, pseudonym, placed since) of the children placed with the provider now, one more than a page."""
    query = (
        select(Child.seq, Child.pseudonym, func.min(Placement.start_date))
        .join(Placement, Placement.child_pk == Child.id)
        .where(*placed_now(caller, today))
        .group_by(Child.seq, Child.pseudonym)
        .order_by(Child.seq)
        .limit(limit + 1)
    )
    if cursor is not None:
        query = query.where(Child.seq > cursor)
    return list((await db.execute(query)).all())


async def placed_child(db: AsyncSession, caller: Caller, child_pseudonym: str, today: date) -> Child | None:
    return await db.scalar(
        select(Child)
        .join(Placement, Placement.child_pk == Child.id)
        .where(Child.la_id == caller.la_id, Child.pseudonym == child_pseudonym, *placed_now(caller, today))
        .limit(1)
    )


async def child_ever_placed(db: AsyncSession, caller: Caller, child_pseudonym: str) -> Child | None:
    return await db.scalar(
        select(Child).where(
            Child.la_id == caller.la_id,
            Child.pseudonym == child_pseudonym,
            Child.id.in_(ever_placed(caller.la_id, caller.provider_pk)),
        )
    )
