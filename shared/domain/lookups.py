"""Look-ups the API's writes and the worker's imports make alike: a council's children, its rows by the source
system's ids, and the instruments it may use. Filtered by council throughout: another council's row is never
found."""

import uuid
from collections.abc import Iterable
from typing import TypeVar

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.instruments import InstrumentScale
from shared.models import Assessment, Child, Instrument, OutcomeMeasure, Placement

FOUND_KEY = "instruments.found"
Owned = TypeVar("Owned", Assessment, Placement, OutcomeMeasure)


async def children_by_id(
    db: AsyncSession, la_id: uuid.UUID, child_ids: Iterable[str], *, lock: bool = False
) -> dict[str, Child]:
    """The council's children of those ids, by id; locked in child id order, the order every batch locks them
    in (services/api/batches.py), so two writes naming the same children cannot deadlock."""
    query = (
        select(Child).where(Child.la_id == la_id, Child.child_id.in_(sorted(set(child_ids)))).order_by(Child.child_id)
    )
    children = (await db.scalars(query.with_for_update() if lock else query)).all()
    return {child.child_id: child for child in children}


async def find_by_external_ids(
    db: AsyncSession, model: type[Owned], la_id: uuid.UUID, external_ids: Iterable[str]
) -> dict[str, Owned]:
    rows = await db.scalars(select(model).where(model.la_id == la_id, model.external_id.in_(set(external_ids))))
    return {row.external_id: row for row in rows}


def visible_to(la_id: uuid.UUID | None) -> ColumnElement[bool]:
    """The instruments a council may use; with no council, the shipped ones only."""
    shipped = Instrument.la_id.is_(None)
    return shipped if la_id is None else or_(shipped, Instrument.la_id == la_id)


async def find_instrument(
    db: AsyncSession, la_id: uuid.UUID | None, code: str, version: int | None
) -> Instrument | None:
    """The instrument at that version (None: the latest) among those the council may use. Remembered for the
    session: a batch names the same instrument a thousand times, and a stored instrument version never changes."""
    found: dict[tuple[uuid.UUID | None, str, int | None], Instrument | None] = db.info.setdefault(FOUND_KEY, {})
    key = (la_id, code, version)
    if key not in found:
        query = select(Instrument).where(Instrument.code == code, visible_to(la_id))
        if version is None:
            query = query.order_by(Instrument.version.desc()).limit(1)
        else:
            query = query.where(Instrument.version == version)
        found[key] = await db.scalar(query)
    return found[key]


def scale_of(instrument: Instrument) -> InstrumentScale:
    return InstrumentScale.from_definition(instrument.definition)


async def domain_levels_of(db: AsyncSession, la_id: uuid.UUID) -> dict[str, set[int]]:
    """Every domain of the instruments the council can rate with, and the need levels its scales hold."""
    found: dict[str, set[int]] = {}
    for definition in await db.scalars(select(Instrument.definition).where(visible_to(la_id))):
        levels = {level["level"] for level in definition["levels"]}
        for domain in definition["domains"]:
            found.setdefault(domain["code"], set()).update(levels)
    return found
