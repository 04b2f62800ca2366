"""Writes wait while the database's schema is not at the migrations' head: a row written by code the schema
does not match (a column missing, or one this release does not know to fill) is a write the worker and the
next release cannot trust. Reads carry on where the schema serves them."""

import asyncio
import time

from sqlalchemy.ext.asyncio import AsyncEngine

from shared.errors import TryAgain
from shared.schema import SchemaNotAtHead, require_head

# How stale the answer may be: writes resume within this long of the migrations finishing, and the check
# costs one small query per interval, not one per request.
RECHECK_SECONDS = 2.0
RETRY_AFTER_SECONDS = 5


class WriteGate:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.problem: SchemaNotAtHead | None = None
        self.checked_at = -RECHECK_SECONDS
        self.lock = asyncio.Lock()

    async def refresh(self) -> None:
        async with self.lock:
            if time.monotonic() - self.checked_at < RECHECK_SECONDS:
                return  # another request checked while this one waited
            try:
                await require_head(self.engine)
                self.problem = None
            except SchemaNotAtHead as problem:
                self.problem = problem
            self.checked_at = time.monotonic()

    async def admit(self) -> None:
        """Raises TryAgain, naming the schema's state, while the schema is not at head."""
        if time.monotonic() - self.checked_at >= RECHECK_SECONDS:
            await self.refresh()
        if self.problem is not None:
            raise TryAgain(
                f"Writes wait until the database is migrated. {self.problem} Nothing was written.",
                retry_after=RETRY_AFTER_SECONDS,
            )
