"""Instrument look-ups shared by validation and figures readers."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.instruments import InstrumentScale
from shared.models import Instrument


async def find_instrument(db: AsyncSession, code: str, version: int | None) -> Instrument | None:
    query = select(Instrument).where(Instrument.code == code)
    if version is None:
        query = query.order_by(Instrument.version.desc()).limit(1)
    else:
        query = query.where(Instrument.version == version)
    return await db.scalar(query)


def scale_of(instrument: Instrument) -> InstrumentScale:
    return InstrumentScale.from_definition(instrument.definition)
