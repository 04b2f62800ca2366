"""Instrument look-ups shared by validation and figures readers."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.instruments import InstrumentScale
from shared.models import Instrument

FOUND_KEY = "instruments.found"


async def find_instrument(db: AsyncSession, code: str, version: int | None) -> Instrument | None:
    """Remembered for the session: a batch names the same instrument a thousand times, and a stored
    instrument version never changes."""
    found: dict[tuple[str, int | None], Instrument | None] = db.info.setdefault(FOUND_KEY, {})
    if (code, version) not in found:
        query = select(Instrument).where(Instrument.code == code)
        if version is None:
            query = query.order_by(Instrument.version.desc()).limit(1)
        else:
            query = query.where(Instrument.version == version)
        found[code, version] = await db.scalar(query)
    return found[code, version]


def scale_of(instrument: Instrument) -> InstrumentScale:
    return InstrumentScale.from_definition(instrument.definition)
