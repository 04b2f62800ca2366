"""Figure rows copied into a temporary table of the writing transaction before it takes the figures lock, then
moved into their table under it by one INSERT ... SELECT: the COPY's encoding, this process's work, is done while
whatever holds the lock writes, and the lock is held only for the server's part.

Each staging table holds its table's columns but computed_at, which the move stamps, and is dropped at commit."""

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import driver
from shared.models import Child


def staging(table: str) -> str:
    return f"staged_{table}"


async def stage(db: AsyncSession, table: str, columns: Sequence[str], records: Iterable[tuple[Any, ...]]) -> None:
    """The records (columns, in order) staged for the table, in place of any staged before in this transaction."""
    apg = await driver(db)
    await apg.execute(
        f"DROP TABLE IF EXISTS {staging(table)};"
        f"CREATE TEMPORARY TABLE {staging(table)} ON COMMIT DROP AS SELECT {', '.join(columns)} FROM {table}"
        " WITH NO DATA"
    )
    await apg.copy_records_to_table(staging(table), records=list(records), columns=list(columns))


async def move_in(db: AsyncSession, table: str, columns: Sequence[str], excluded: set[uuid.UUID]) -> int:
    """The staged rows inserted, stamped with the transaction's time, but those of the children left out or gone
    (an erasure deletes under the figures lock the caller holds: a child still here stays until this commits); the
    rows inserted."""
    listed = ", ".join(columns)
    here = f"EXISTS (SELECT FROM {Child.__tablename__} c WHERE c.id = s.child_pk)"
    status = await (await driver(db)).execute(
        f"INSERT INTO {table} ({listed}, computed_at) SELECT {listed}, now() FROM {staging(table)} s"
        f" WHERE s.child_pk <> ALL($1::uuid[]) AND {here}",
        list(excluded),
    )
    return int(status.rsplit(" ", 1)[1])
