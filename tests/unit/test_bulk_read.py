"""The binary COPY codec (shared/domain/bulk_read.py) round trip, with no database: what binary_copy writes,
Columns reads back column for column, whatever size the chunks arrive in and however often they are parsed
mid-stream; and how an ORM query becomes the positional SQL that COPY takes."""

import asyncio
import uuid

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Integer, any_, bindparam, literal_column, select
from sqlalchemy.dialects.postgresql import ARRAY

from shared.domain import bulk_read
from shared.domain.bulk_read import Columns, binary_copy, positional

COLUMNS = [("seq", "int8"), ("day", "date"), ("level", "int2"), ("count", "int4"), ("sd", "float8"), ("id", "uuid")]


def arrays(rows: list[tuple[int, int, int, int, float, bytes]]) -> dict[str, np.ndarray]:
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in COLUMNS]
    kept = {
        name: np.array(values, dtype=bulk_read.FORMATS[pg][1])
        for (name, pg), values in zip(COLUMNS, columns, strict=True)
    }
    kept["id"] = np.array(columns[5], dtype="V16") if rows else np.zeros(0, dtype="V16")
    return kept


def read_back(wire: bytes, chunk: int) -> dict[str, np.ndarray]:
    reader = Columns(COLUMNS)

    async def stream() -> None:
        for start in range(0, len(wire), chunk):
            await reader.receive(wire[start : start + chunk])

    asyncio.run(stream())
    return reader.arrays()


row = st.tuples(
    st.integers(-(2**63), 2**63 - 1),
    st.integers(-(2**31), 2**31 - 1),
    st.integers(-(2**15), 2**15 - 1),
    st.integers(-(2**31), 2**31 - 1),
    st.floats(allow_nan=False),
    st.builds(lambda: uuid.uuid4().bytes),
)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(row, max_size=40), chunk=st.integers(1, 200), parse_every=st.integers(1, 300))
def test_what_binary_copy_writes_columns_reads_back(
    rows: list[tuple[int, int, int, int, float, bytes]], chunk: int, parse_every: int
) -> None:
    sent = arrays(rows)
    wire = binary_copy([(name, pg, sent[name]) for name, pg in COLUMNS])
    assert wire.startswith(bulk_read.SIGNATURE) and wire.endswith(b"\xff\xff")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bulk_read, "PARSE_EVERY", parse_every)  # parsed mid-stream, not only at the end
        got = read_back(wire, chunk)
    for name, _ in COLUMNS:
        assert got[name].dtype == sent[name].dtype, name
        assert got[name].tobytes() == sent[name].tobytes(), name


def test_an_empty_copy_reads_as_empty_columns_of_their_types() -> None:
    got = read_back(
        binary_copy(
            [(name, pg, np.zeros(0, dtype=bulk_read.FORMATS[pg][1] if pg != "uuid" else "V16")) for name, pg in COLUMNS]
        ),
        7,
    )
    assert {name: (len(values), values.dtype) for name, values in got.items()} == {
        name: (0, np.dtype("V16") if pg == "uuid" else np.dtype(bulk_read.FORMATS[pg][1])) for name, pg in COLUMNS
    }


def test_a_query_written_with_the_orm_binds_each_named_parameter_once_in_the_order_the_sql_numbers_it() -> None:
    days = bindparam("days", type_=ARRAY(Integer))
    query = select(literal_column("day")).where(
        literal_column("day") == any_(days),
        bindparam("top", type_=Integer) > literal_column("day"),
        literal_column("day") != any_(days),
    )
    sql, args = positional(query, {"top": 3, "days": [1, 2]})
    assert args == [[1, 2], 3]
    assert sql.count("$1") == 2 and sql.count("$2") == 1 and "$3" not in sql
