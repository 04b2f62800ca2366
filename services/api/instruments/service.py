"""Instrument look-ups, and loading a council's own instrument.

A council sees the instruments shipped for every council (``la_id`` NULL, needs-v1) and its own, never another
council's: every look-up here is filtered so, and another council's code is as unknown as one never loaded."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api import audit
from shared.db import named_lock
from shared.domain.lookups import FOUND_KEY, find_instrument, visible_to
from shared.errors import Conflict, NotFound, field_error
from shared.instruments.document import InstrumentInvalid, compatibility_errors, parse_instrument
from shared.models import Instrument

MAX_VERSION = 2**31 - 1  # the column's range


async def list_instruments(db: AsyncSession, la_id: uuid.UUID) -> list[Instrument]:
    query = select(Instrument).where(visible_to(la_id)).order_by(Instrument.code, Instrument.version)
    return list(await db.scalars(query))


async def require_instrument(db: AsyncSession, la_id: uuid.UUID, code: str, version: int) -> Instrument:
    instrument = await find_instrument(db, la_id, code, version)
    if instrument is None:
        raise NotFound(f"No instrument '{code}' at version {version}.")
    return instrument


async def load_instrument(db: AsyncSession, la_id: uuid.UUID, text: str, content_type: str | None) -> Instrument:
    """Check a council's instrument document and store it as a new version of its code.

    Refused whole: an invalid document or an incompatible ``compatible_with`` is 422 with every field at fault;
    a shipped instrument's code, or a version not above every one loaded, is 409."""
    document = parse_instrument(text, content_type=content_type)
    code, version = document.code, document.version
    if version > MAX_VERSION:
        raise InstrumentInvalid([field_error("version", f"must be at most {MAX_VERSION}")])
    # One load of a council's code at a time, so "the latest version" and the compatibility checks hold at commit.
    await named_lock(db, f"instrument:{la_id}:{code}")
    if await db.scalar(select(Instrument.id).where(Instrument.code == code, Instrument.la_id.is_(None)).limit(1)):
        raise Conflict(
            f"'{code}' is the code of an instrument shipped for every council; give yours a code of its own.",
            errors=[field_error("code", f"'{code}' is a shipped instrument's code")],
        )
    stored = await db.execute(
        select(Instrument.version, Instrument.definition).where(Instrument.la_id == la_id, Instrument.code == code)
    )
    earlier = {row.version: row.definition for row in stored}
    if version in earlier:
        raise Conflict(
            f"'{code}' version {version} is already loaded; a changed document needs a new version.",
            errors=[field_error("version", f"{version} is already loaded")],
        )
    latest = max(earlier, default=0)
    if version < latest:
        raise Conflict(
            f"'{code}' is loaded up to version {latest}; versions must increase.",
            errors=[field_error("version", f"{version} is below the latest loaded version ({latest})")],
        )
    errors = compatibility_errors(document, earlier)
    if errors:
        raise InstrumentInvalid(errors)
    instrument = Instrument(
        la_id=la_id,
        code=code,
        version=version,
        definition=document.definition(),
        compatible_with=list(document.compatible_with),
    )
    db.add(instrument)
    await db.flush()
    db.info.pop(FOUND_KEY, None)  # a look-up remembered as "no such instrument" no longer holds
    audit.note(db, target=f"instrument:{code}:{version}", compatible_with=instrument.compatible_with)
    return instrument
