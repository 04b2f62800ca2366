"""The national benchmark generator (bench/national.py) at small scale: deterministic, and every row as valid and
consistent as the service would require."""

import dataclasses
import itertools
import uuid
from collections import defaultdict
from datetime import date

import numpy as np
import pytest

from bench.national import BENCH_PSEUDONYM_KEY, National, generate
from bench.national_assessments import NOT_ASSESSED
from shared.instruments import shipped_instrument
from shared.pseudonyms import pseudonym
from shared.ssda903 import collection_year_of, invalid_codes

# needs-v1's domains, written out so the test reads no file.
DOMAINS = shipped_instrument().domains  # needs-v1, as the service ships it
TODAY = date(2026, 10, 31)
CHILDREN, COUNCILS = 300, 5


@pytest.fixture(scope="module")
def data() -> National:
    return generate(children=CHILDREN, councils=COUNCILS, seed=7, today=TODAY, domains=DOMAINS)


def day(value: np.datetime64) -> date | None:
    result: date | None = value.astype("datetime64[D]").tolist()
    return result


def by_child(children: np.ndarray) -> dict[int, list[int]]:
    rows: dict[int, list[int]] = defaultdict(list)
    for row, child in enumerate(children.tolist()):
        rows[child].append(row)
    return rows


def arrays(data: National) -> list[object]:
    found: list[object] = [data.today, data.domains]
    for table in (data.councils, data.providers, data.children, data.placements, data.assessments, data.versions):
        found += [getattr(table, field.name) for field in dataclasses.fields(table)]
    return found


def test_a_fixed_seed_gives_identical_output(data: National) -> None:
    again = generate(children=CHILDREN, councils=COUNCILS, seed=7, today=TODAY, domains=DOMAINS)
    for mine, theirs in zip(arrays(data), arrays(again), strict=True):
        if isinstance(mine, np.ndarray):
            assert np.array_equal(mine, np.asarray(theirs), equal_nan=mine.dtype.kind in "fmM")
        else:
            assert mine == theirs
    other = generate(children=CHILDREN, councils=COUNCILS, seed=8, today=TODAY, domains=DOMAINS)
    assert not np.array_equal(other.children.date_of_birth, data.children.date_of_birth)


def test_children_spread_unevenly_over_councils_with_unique_ids(data: National) -> None:
    sizes = np.bincount(data.children.council, minlength=COUNCILS)
    assert sizes.sum() == CHILDREN and sizes.min() >= 1 and sizes.max() > sizes.min()
    for ids in (data.councils.id, data.providers.id, data.children.id, data.placements.id, data.assessments.id):
        assert len({bytes(row) for row in ids}) == len(ids)
        assert all(uuid.UUID(bytes=bytes(row)).version == 4 for row in ids)
    assert len({bytes(row) for row in data.versions.id}) == len(data.versions.id)
    la_ids = [uuid.UUID(bytes=bytes(row)) for row in data.councils.id]
    kids = data.children
    for council, child_id, alias in zip(kids.council, kids.child_id, kids.pseudonym, strict=True):
        assert alias == pseudonym(BENCH_PSEUDONYM_KEY, la_ids[council], str(child_id))


def test_children_are_0_to_17_at_entry_within_five_years_with_valid_codes(data: National) -> None:
    kids = data.children
    assert 0.03 <= kids.uasc.mean() <= 0.12
    year = collection_year_of(TODAY)
    for n in range(CHILDREN):
        born, entered, left = day(kids.date_of_birth[n]), day(kids.entered[n]), day(kids.left[n])
        assert born is not None and entered is not None
        age = entered.year - born.year - ((entered.month, entered.day) < (born.month, born.day))
        assert 0 <= age <= 17
        assert 0 < (TODAY - entered).days <= 5 * 365.25
        assert left is None or entered < left < TODAY
        end = left or TODAY
        assert (end.year - born.year - ((end.month, end.day) < (born.month, born.day))) <= 18
        assert kids.sex[n] in {"M", "F"}
        assert invalid_codes({"SEX": str(kids.sex[n]), "ETHNIC": str(kids.ethnicity[n])}, year) == []


def test_placements_cover_the_care_period_without_overlaps(data: National) -> None:
    pl, kids = data.placements, data.children
    episodes = by_child(pl.child)
    assert set(episodes) == set(range(CHILDREN))
    for child, rows in episodes.items():
        assert rows == sorted(rows, key=lambda row: pl.start[row])
        assert pl.start[rows[0]] == kids.entered[child] and pl.rne[rows[0]] == "S"
        for earlier, later in itertools.pairwise(rows):
            assert pl.end[earlier] == pl.start[later] and pl.reason_ended[earlier] == "X1"
        ends = pl.end[rows[-1]]
        assert (np.isnat(ends) and np.isnat(kids.left[child])) or ends == kids.left[child]
        assert (pl.reason_ended[rows[-1]] == "") == bool(np.isnat(ends))
        for row in rows:
            assert np.isnat(pl.end[row]) or pl.end[row] > pl.start[row]
            if pl.provider[row] >= 0:
                assert data.providers.council[pl.provider[row]] == kids.council[child]


def test_every_placement_code_is_valid_in_its_collection_year(data: National) -> None:
    pl = data.placements
    for row in range(len(pl.id)):
        starting = {
            "RNE": str(pl.rne[row]),
            "LS": str(pl.legal_status[row]),
            "CIN": str(pl.cin[row]),
            "PLACE": str(pl.place[row]),
            "PLACE_PROVIDER": str(pl.place_provider[row]),
        }
        start = day(pl.start[row])
        assert start is not None
        assert all(starting.values()) and invalid_codes(starting, collection_year_of(start)) == [], starting
        end = day(pl.end[row])
        if end is not None:
            ending = {"REC": str(pl.reason_ended[row]), "REASON_PLACE_CHANGE": str(pl.reason_place_change[row])}
            assert invalid_codes(ending, collection_year_of(end)) == [], ending
        moved = row + 1 < len(pl.id) and pl.child[row + 1] == pl.child[row] and pl.rne[row + 1] in {"P", "T"}
        assert (pl.reason_place_change[row] != "") == moved
        assert 0 <= pl.funding_health[row] + pl.funding_education[row] <= 100
    assert {"H5", "K3"} <= set(pl.place.tolist())  # supported accommodation before and after 2024-25


def test_first_assessment_within_20_days_of_entry_then_two_to_three_a_year(data: National) -> None:
    v, kids = data.versions, data.children
    series = by_child(data.assessments.child)
    assert set(series) == set(range(CHILDREN))
    assessed = v.assessed_on[v.version == 1]  # one row per assessment, in the same order
    rates = []
    for child, rows in series.items():
        dates = assessed[rows]
        assert np.all(dates[1:] >= dates[:-1])
        assert 0 <= (dates[0] - kids.entered[child]).astype(int) <= 20
        end = kids.left[child] if not np.isnat(kids.left[child]) else np.datetime64(TODAY)
        assert dates[-1] <= end
        years = (end - kids.entered[child]).astype(int) / 365.25
        if years >= 1:
            rates.append(len(np.unique(dates)) / years)
    assert 1.5 <= float(np.mean(rates)) <= 3.5
    first = np.ones(len(data.assessments.id), dtype=bool)
    first[1:] = data.assessments.child[1:] != data.assessments.child[:-1]
    assert set(v.context[(v.version == 1) & np.repeat(first, data.assessments.current_version)]) == {"initial"}


def test_amended_assessments_keep_both_versions(data: National) -> None:
    v, current = data.versions, data.assessments.current_version
    assert set(current.tolist()) <= {1, 2} and (current == 2).any()
    assert np.array_equal(np.bincount(v.assessment, minlength=len(current)), current)
    for row in np.nonzero(v.version == 2)[0]:
        assert v.assessment[row - 1] == v.assessment[row] and v.version[row - 1] == 1
        assert v.assessed_on[row - 1] == v.assessed_on[row]
        assert (v.need[row - 1] != v.need[row]).sum() == 1


def test_ratings_in_range_and_not_assessed_ones_carry_a_reason_and_no_level(data: National) -> None:
    v = data.versions
    assert v.need.shape == v.strength.shape == v.not_assessed.shape == (len(v.id), len(DOMAINS))
    skipped = v.need < 0
    assert np.array_equal(skipped, v.strength < 0) and np.array_equal(skipped, v.not_assessed >= 0)
    assert v.need.max() == 4 and v.need[~skipped].min() == 0
    assert v.strength.max() == 3 and v.strength[~skipped].min() == 0
    assert v.not_assessed.max() < len(NOT_ASSESSED) and 0.01 <= skipped.mean() <= 0.06
    assert v.body_hash.shape == (len(v.id), 32)
    assert data.ratings == 12 * len(v.id)
    assert 12 * len(data.assessments.id) <= data.ratings <= 1.05 * 12 * len(data.assessments.id)


def test_needs_drift_both_ways(data: National) -> None:
    v, a = data.versions, data.assessments
    current = v.version == a.current_version[v.assessment]
    child = a.child[v.assessment[current]]
    totals = np.where(v.need[current] < 0, 0, v.need[current]).sum(axis=1)
    first = np.ones(len(child), dtype=bool)
    first[1:] = child[1:] != child[:-1]
    last = np.ones(len(child), dtype=bool)
    last[:-1] = child[1:] != child[:-1]
    change = totals[last] - totals[first]
    assert (change <= -3).mean() > 0.2 and (change >= 3).mean() > 0.03
