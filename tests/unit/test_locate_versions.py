"""The full recompute joins ten million ratings to their versions in memory by 16-byte id: every rating
must find its own version, whatever order the ratings come in, and a rating of a version not read
(a draft, a superseded version, another council) none."""

import uuid

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain.snapshot import locate


def ids(values: list[bytes]) -> np.ndarray:
    return np.array(values, dtype="V16")


def expected(keys: list[bytes], table: list[bytes]) -> list[int]:
    row = {key: n for n, key in enumerate(table)}
    return [row.get(key, -1) for key in keys]


# Few distinct first halves, so ids sharing their first eight bytes come up often.
halves = st.sampled_from([bytes([n]) * 8 for n in range(3)])
key = st.builds(lambda first, second: first + second, halves, st.binary(min_size=8, max_size=8))


@settings(max_examples=200, deadline=None)
@given(st.lists(key, unique=True, max_size=12), st.lists(st.tuples(key, st.integers(1, 4)), max_size=20))
def test_every_rating_finds_its_own_version_or_none(table: list[bytes], runs: list[tuple[bytes, int]]) -> None:
    keys = [k for k, length in runs for _ in range(length)]
    keys += table[: len(table) // 2]  # some that are there, after the runs
    assert locate(ids(keys), ids(table)).tolist() == expected(keys, table)


def test_random_ids_in_runs_as_stored() -> None:
    table = [uuid.uuid4().bytes for _ in range(1000)]
    order = np.random.default_rng(7).permutation(1000)
    keys = [table[i] for i in order for _ in range(12)] + [uuid.uuid4().bytes]
    found = locate(ids(keys), ids(table))
    assert found.tolist() == expected(keys, table) and found[-1] == -1


def test_nothing_to_find_or_nothing_to_find_it_in() -> None:
    assert locate(ids([]), ids([uuid.uuid4().bytes])).tolist() == []
    assert locate(ids([uuid.uuid4().bytes]), ids([])).tolist() == [-1]
