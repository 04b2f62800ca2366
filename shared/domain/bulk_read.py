"""Reading a query's result straight into numpy columns: PostgreSQL's binary COPY of fixed-width,
non-null columns is a run of equal-sized records, which numpy reads without a Python loop. Records
are parsed as they stream in, so only the columns (not the wire format) are held whole.
(`connection` is asyncpg's own, which ships no types.)"""

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sqlalchemy import ClauseElement
from sqlalchemy.dialects import registry
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.compiler import SQLCompiler

from shared.db import driver

HEADER = 19  # signature (11), flags (4), header extension length (4)
PARSE_EVERY = 32 * 1024 * 1024  # bytes of wire data held before they are parsed into columns
# The binary form of each PostgreSQL type a query may return here, and the dtype it is kept as.
# Dates are days since 2000-01-01.
FORMATS = {
    "int2": (">i2", np.int16),
    "int4": (">i4", np.int32),
    "int8": (">i8", np.int64),
    "date": (">i4", np.int32),
    "timestamptz": (">i8", np.int64),  # microseconds since 2000-01-01
    "float8": (">f8", np.float64),
    "uuid": ("V16", np.void),
}


def record_dtype(columns: Sequence[tuple[str, str]]) -> np.dtype[Any]:
    fields: list[tuple[str, str]] = [("field_count", ">i2")]
    for name, pg_type in columns:
        fields += [(f"{name}_length", ">i4"), (name, FORMATS[pg_type][0])]
    return np.dtype(fields)


class Columns:
    def __init__(self, columns: Sequence[tuple[str, str]]) -> None:
        self.columns = columns
        self.dtype = record_dtype(columns)
        self.buffer = bytearray()
        self.parts: dict[str, list[np.ndarray[Any, Any]]] = {name: [] for name, _ in columns}
        self.skip = HEADER

    async def receive(self, chunk: bytes) -> None:
        self.buffer.extend(chunk)
        if len(self.buffer) >= PARSE_EVERY:
            self.parse()

    def parse(self) -> None:
        if len(self.buffer) < self.skip:
            return  # the header not yet whole
        count = (len(self.buffer) - self.skip) // self.dtype.itemsize
        records = np.frombuffer(self.buffer, dtype=self.dtype, count=count, offset=self.skip)
        for name, pg_type in self.columns:
            self.parts[name].append(records[name].astype(FORMATS[pg_type][1]))
        del records  # the view must go before the buffer may shrink
        del self.buffer[: self.skip + count * self.dtype.itemsize]
        self.skip = 0

    def arrays(self) -> dict[str, np.ndarray[Any, Any]]:
        self.parse()  # what is left is the 2-byte trailer
        result = {}
        for name, pg_type in self.columns:
            # One column at a time, each column's parts freed as it is joined.
            parts = self.parts.pop(name)
            wire, kept = FORMATS[pg_type]
            result[name] = np.concatenate(parts) if parts else np.zeros(0, dtype=wire if kept is np.void else kept)
        return result


async def copy_columns(
    connection: Any, query: str, args: Sequence[Any], columns: Sequence[tuple[str, str]]
) -> dict[str, np.ndarray[Any, Any]]:
    """The query's columns by name, in FORMATS' dtypes. Every column must be non-null and of one of
    FORMATS' types (cast in the query)."""
    reader = Columns(columns)
    await connection.copy_from_query(query, *args, output=reader.receive, format="binary")
    return reader.arrays()


ASYNCPG = registry.load("postgresql.asyncpg")()


def positional(query: ClauseElement, values: Mapping[str, Any]) -> tuple[str, list[Any]]:
    """A query written with the ORM, as the SQL and arguments asyncpg's COPY takes: each bound parameter
    once, as $n, whichever places name it; `values` by parameter name."""
    compiled = query.compile(dialect=ASYNCPG)
    assert isinstance(compiled, SQLCompiler)  # a statement's compiler: it numbers the parameters
    params = compiled.construct_params(dict(values)) or {}
    return str(compiled), [params[name] for name in compiled.positiontup or ()]


async def fetch_rows(db: AsyncSession, query: ClauseElement) -> list[Any]:
    """A query written with the ORM, its rows fetched by asyncpg as they come (records, indexed by place or
    name): for reads of a whole council, where SQLAlchemy's result processing costs more than the database."""
    sql, args = positional(query, {})
    rows: list[Any] = await (await driver(db)).fetch(sql, *args)
    return rows


SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8  # with zero flags and no header extension


def binary_copy(columns: Sequence[tuple[str, str, np.ndarray[Any, Any]]]) -> bytes:
    """The binary COPY form of equal-length, non-null arrays: the write side of copy_columns."""
    size = len(columns[0][2]) if columns else 0
    dtype = record_dtype([(name, pg_type) for name, pg_type, _ in columns])
    records = np.empty(size, dtype=dtype)
    records["field_count"] = len(columns)
    for name, pg_type, values in columns:
        records[f"{name}_length"] = np.dtype(FORMATS[pg_type][0]).itemsize
        records[name] = values
    return SIGNATURE + records.tobytes() + b"\xff\xff"
