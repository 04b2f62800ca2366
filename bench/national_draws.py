"""Drawing the national dataset's columns with numpy: the array types, the time frame, and the few
ways of drawing that every table's generation shares."""

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

Days = NDArray[np.datetime64]
Ints = NDArray[np.int64]
Floats = NDArray[np.float32]
Strings = NDArray[np.str_]
Flags = NDArray[np.bool_]
Ids = NDArray[np.uint8]  # (n, 16): uuid bytes

YEAR = 365.25
NEVER = 1 << 30  # a relative day beyond any care period
WINDOW = int(5 * YEAR)  # entries into care lie within this many days before today


def uuids(rng: np.random.Generator, n: int) -> Ids:
    """Random version-4 UUIDs as bytes."""
    raw = rng.integers(0, 256, (n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    return raw


def pick(
    rng: np.random.Generator, weights: Mapping[str, float] | tuple[Sequence[str], Sequence[float]], n: int
) -> Strings:
    codes, values = (list(weights), list(weights.values())) if isinstance(weights, Mapping) else weights
    p = np.asarray(values, dtype=np.float64)
    return np.asarray(codes)[rng.choice(len(codes), n, p=p / p.sum())]


def choose(rng: np.random.Generator, weights: NDArray[np.float64]) -> Ints:
    """One column index per row, drawn with the row's weights."""
    cumulative = weights.cumsum(axis=1)
    drawn = rng.random(len(weights)) * cumulative[:, -1]
    chosen: Ints = np.minimum((cumulative <= drawn[:, None]).sum(axis=1), weights.shape[1] - 1)
    return chosen


def collection_years(days: Days) -> Ints:
    """The SSDA903 collection year of each day: years start on 1 April."""
    months = days.astype("datetime64[M]").astype(np.int64)  # months since January 1970
    return (months - 3) // 12 + 1970


def postcode_sectors(rng: np.random.Generator, n: int) -> Strings:
    # Synthetic sectors in the unused postcode area ZZ.
    districts = rng.integers(1, 100, n).astype(str)
    return np.char.add(np.char.add(np.char.add("ZZ", districts), " "), rng.integers(0, 10, n).astype(str))


def group_starts(group: Ints) -> Ints:
    """For rows sorted by group, the index of each row's group's first row."""
    first = np.ones(len(group), dtype=bool)
    first[1:] = group[1:] != group[:-1]
    return np.maximum.accumulate(np.where(first, np.arange(len(group)), 0))
