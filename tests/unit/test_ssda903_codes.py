"""SSDA903 code lists by collection year (shared/ssda903.py), checked against the lists DfE publishes as coded in
csc-validator-be-903 and liia-tools, and against the synthetic reference files in shared/data/ssda903."""

import csv
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest

from shared.ssda903 import (
    PLACEMENT_GROUPS,
    codes_for,
    collection_year_of,
    invalid_codes,
    placement_group,
    postcode_sector,
    year_label,
)

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "data" / "ssda903"
EPISODE_FILES = (
    "cs-demand-model__2021-episodes.csv",
    "csc-validator-be-903__episodes.csv",
    "liiatools__SSDA903_2020_episodes.csv",
)
HEADER_FILES = ("cs-demand-model__2021-header.csv", "csc-validator-be-903__header.csv")
STARTING = ("RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER")
ENDING = ("REC", "REASON_PLACE_CHANGE")
# How a message names each coded column, with its article.
NAMED = {
    "RNE": "a reason for new episode",
    "LS": "a legal status",
    "CIN": "a category of need",
    "PLACE": "a placement type",
    "PLACE_PROVIDER": "a placement provider",
    "REC": "a reason episode ceased",
    "REASON_PLACE_CHANGE": "a reason for placement change",
    "SEX": "a sex",
    "ETHNIC": "an ethnicity",
}


def rows(name: str) -> list[dict[str, str]]:
    with (REFERENCE / name).open(newline="", encoding="utf-8-sig") as file:
        return list(csv.DictReader(file))


def year_of(ddmmyyyy: str) -> int:
    return collection_year_of(datetime.strptime(ddmmyyyy, "%d/%m/%Y").date())


# The validator's fake episodes make a 2017-18 return (all but 12 end in it) written with the lists of 2018-19
# on, so each E45-E48 and CUSTOD there predates its code. Counted from the files, which SHA256SUMS pins.
CODES_BEFORE_THEIR_TIME = {
    ("REC", "E45"): 55,
    ("REC", "E46"): 51,
    ("REC", "E47"): 61,
    ("REC", "E48"): 57,
    ("REASON_PLACE_CHANGE", "CUSTOD"): 215,
}


@pytest.mark.parametrize(
    ("name", "expected"),
    [(EPISODE_FILES[0], {}), (EPISODE_FILES[1], CODES_BEFORE_THEIR_TIME), (EPISODE_FILES[2], {})],
)
def test_reference_episodes_carry_codes_of_their_year(name: str, expected: dict[tuple[str, str], int]) -> None:
    found: Counter[tuple[str, str]] = Counter()
    for row in rows(name):
        started = year_of(row["DECOM"])
        # REC and REASON_PLACE_CHANGE are recorded when an episode ends, so that year judges them (as the
        # placements API does); open episodes that carry them anyway (a quirk of these files) use the start.
        ended = year_of(row["DEC"]) if row["DEC"] else started
        for year, columns in ((started, STARTING), (ended, ENDING)):
            for field, message in invalid_codes({column: row[column] for column in columns}, year):
                assert message.startswith(f"'{row[field]}' is not {NAMED[field]} code (SSDA903 {field} list) in")
                found[field, row[field]] += 1
    assert found == Counter(expected)


@pytest.mark.parametrize("name", HEADER_FILES)
def test_reference_headers_use_the_sex_codes_before_2024_25(name: str) -> None:
    for child in rows(name):  # whole rows: CHILD, DOB, UPN and the rest are not coded columns, so skipped
        assert invalid_codes(child, 2023) == []
        assert invalid_codes(child, 2024) == [
            (
                "SEX",
                f"'{child['SEX']}' is not a sex code (SSDA903 SEX list) in collection year 2024-25 "
                "(accepted up to 2023-24)",
            )
        ]


@pytest.mark.parametrize("name", EPISODE_FILES)
def test_reference_postcodes_reduce_to_their_sector(name: str) -> None:
    postcodes = [row[column] for row in rows(name) for column in ("HOME_POST", "PL_POST") if row[column]]
    assert postcodes
    for postcode in postcodes:
        assert postcode_sector(postcode) == postcode[:-2]


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2024, 3, 31), 2023),
        (date(2024, 4, 1), 2024),
        (date(2016, 1, 1), 2015),
        (date(2015, 12, 31), 2015),
        (date(2026, 3, 31), 2025),
    ],
)
def test_collection_year_starts_on_1_april(day: date, year: int) -> None:
    assert collection_year_of(day) == year


@pytest.mark.parametrize(("year", "label"), [(2015, "2015-16"), (2023, "2023-24"), (2099, "2099-00")])
def test_year_label(year: int, label: str) -> None:
    assert year_label(year) == label


@pytest.mark.parametrize(
    ("field", "code", "first"),
    [
        ("PLACE", "K3", 2024),
        *(("PLACE", f"Z1{n}", 2025) for n in range(1, 5)),
        *(("REC", f"E4{n}", 2018) for n in range(5, 9)),
        ("REASON_PLACE_CHANGE", "CUSTOD", 2018),
        *(("SEX", code, 2024) for code in "MFU"),
    ],
)
def test_code_accepted_from_its_first_year(field: str, code: str, first: int) -> None:
    for year in (first, first + 1, 2030):
        assert invalid_codes({field: code}, year) == []
    for year in (first - 1, 2015):
        message = f"'{code}' is not {NAMED[field]} code (SSDA903 {field} list) in collection year {year_label(year)}"
        assert invalid_codes({field: code}, year) == [(field, f"{message} (accepted from {year_label(first)})")]


@pytest.mark.parametrize(
    ("field", "code", "last"),
    [
        ("PLACE", "H5", 2023),
        ("PLACE", "P2", 2023),
        ("PLACE", "Z1", 2024),
        ("REC", "E43", 2017),
        ("REC", "E44", 2017),
        ("SEX", "1", 2023),
        ("SEX", "2", 2023),
    ],
)
def test_code_accepted_up_to_its_last_year(field: str, code: str, last: int) -> None:
    for year in (2014, 2015, last - 1, last):
        assert invalid_codes({field: code}, year) == []
    for year in (last + 1, 2030):
        message = f"'{code}' is not {NAMED[field]} code (SSDA903 {field} list) in collection year {year_label(year)}"
        assert invalid_codes({field: code}, year) == [(field, f"{message} (accepted up to {year_label(last)})")]


def test_messages_name_the_code_the_year_and_the_years_that_accept_it() -> None:
    assert invalid_codes({"PLACE": "K3"}, 2023) == [
        (
            "PLACE",
            "'K3' is not a placement type code (SSDA903 PLACE list) in collection year 2023-24 (accepted from 2024-25)",
        )
    ]
    assert invalid_codes({"PLACE": "H5"}, 2024) == [
        (
            "PLACE",
            "'H5' is not a placement type code (SSDA903 PLACE list) in collection year 2024-25 "
            "(accepted up to 2023-24)",
        )
    ]
    assert invalid_codes({"ETHNIC": "WBRX"}, 2023) == [
        (
            "ETHNIC",
            "'WBRX' is not an ethnicity code (SSDA903 ETHNIC list) in collection year 2023-24; it accepts ABAN, "
            "AIND, AOTH, APKN, BAFR, BCRB, BOTH, CHNE, MOTH, MWAS, MWBA, MWBC, NOBT, OOTH, REFU, WBRI, WIRI, WIRT, "
            "WOTH, WROM",
        )
    ]


def test_every_bad_column_is_reported_in_order_and_codes_are_case_sensitive() -> None:
    episode = {"RNE": "S", "LS": "C3", "CIN": "N1", "PLACE": "k3", "REC": "E45", "ETHNIC": "WBRI", "SEX": "M"}
    assert invalid_codes(episode, 2024) == [
        (
            "LS",
            "'C3' is not a legal status code (SSDA903 LS list) in collection year 2024-25; it accepts C1, C2, D1, E1, "
            "J1, J2, J3, L1, L2, L3, V2, V3, V4",
        ),
        (
            "PLACE",
            "'k3' is not a placement type code (SSDA903 PLACE list) in collection year 2024-25; it accepts A3, A4, A5, "
            "A6, K1, K2, K3, P1, P3, R1, R2, R3, R5, S1, T0, T1, T2, T3, T4, U1, U2, U3, U4, U5, U6, Z1",
        ),
    ]


def test_absent_values_and_uncoded_columns_are_skipped() -> None:
    fields = {"PLACE": None, "REC": "", "CHILD": "566910", "DECOM": "15/02/2016", "URN": "4244474", "place": "XX"}
    assert invalid_codes(fields, 2023) == []


# Years the sources list in full: csc-validator-be-903 rules 101, 103, 143, 144, 145, 146, 149 and 1009 for
# 2022-23 (lac2022_23), 146 for 2025-26 (lac2025_26); liia-tools SSDA903_schema_2017.yml for 2016-17 and its
# PLACE_PROVIDER list, which no year changes.
SOURCE_LISTS = [
    ("RNE", 2022, "S P L T U B"),
    ("LS", 2022, "C1 C2 D1 E1 V2 V3 V4 J1 J2 J3 L1 L2 L3"),
    ("CIN", 2022, "N1 N2 N3 N4 N5 N6 N7 N8"),
    ("PLACE", 2022, "A3 A4 A5 A6 H5 K1 K2 P1 P2 P3 R1 R2 R3 R5 S1 T0 T1 T2 T3 T4 U1 U2 U3 U4 U5 U6 Z1"),
    ("PLACE", 2025, "A3 A4 A5 A6 K1 K2 K3 P1 P3 R1 R2 R3 R5 S1 T0 T1 T2 T3 T4 U1 U2 U3 U4 U5 U6 Z11 Z12 Z13 Z14"),
    ("PLACE_PROVIDER", 2016, "PR0 PR1 PR2 PR3 PR4 PR5"),
    ("PLACE_PROVIDER", 2025, "PR0 PR1 PR2 PR3 PR4 PR5"),
    ("REC", 2022, "E11 E12 E2 E3 E4A E4B E13 E41 E45 E46 E47 E48 E5 E6 E7 E8 E9 E14 E15 E16 E17 X1"),
    ("REC", 2016, "X1 E11 E12 E2 E3 E4A E4B E13 E41 E43 E44 E5 E6 E7 E9 E14 E15 E16 E17 E8"),
    ("REASON_PLACE_CHANGE", 2022, "CARPL CLOSE ALLEG STAND APPRR CREQB CREQO CHILD LAREQ PLACE CUSTOD OTHER"),
    ("REASON_PLACE_CHANGE", 2016, "CARPL CLOSE ALLEG STAND APPRR CREQB CREQO CHILD LAREQ PLACE OTHER"),
    ("SEX", 2022, "1 2"),
    ("SEX", 2024, "M F U"),
    (
        "ETHNIC",
        2022,
        "WBRI WIRI WOTH WIRT WROM MWBC MWBA MWAS MOTH AIND APKN ABAN AOTH BCRB BAFR BOTH CHNE OOTH REFU NOBT",
    ),
]


@pytest.mark.parametrize(("field", "year", "codes"), SOURCE_LISTS)
def test_code_list_matches_its_source(field: str, year: int, codes: str) -> None:
    assert codes_for(field, year) == frozenset(codes.split())


def test_2024_25_swaps_h5_and_p2_for_k3_and_keeps_z1() -> None:
    assert codes_for("PLACE", 2024) == codes_for("PLACE", 2023) - {"H5", "P2"} | {"K3"}


DOMAIN_GROUPS = {
    "foster": "U1 U2 U3 U4 U5 U6",
    "residential": "K1 K2 R1",
    "supported": "H5 K3 P2",
    "with_parents": "P1",
    "adoption": "A3 A4 A5 A6",
    "temporary": "T0 T1 T2 T3 T4",
    "other": "Z1 Z11 Z12 Z13 Z14",
}


@pytest.mark.parametrize(("code", "group"), [(c, g) for g, codes in DOMAIN_GROUPS.items() for c in codes.split()])
def test_placement_group(code: str, group: str) -> None:
    assert placement_group(code) == group


@pytest.mark.parametrize("code", ["P3", "R2", "R3", "R5", "S1", "u1", "", "N1"])
def test_codes_outside_the_groups_have_none(code: str) -> None:
    assert placement_group(code) is None


def test_grouped_codes_are_place_codes_of_some_year() -> None:
    every_place_code = frozenset().union(*(codes_for("PLACE", year) for year in range(2015, 2027)))
    assert frozenset().union(*PLACEMENT_GROUPS.values()) <= every_place_code


@pytest.mark.parametrize(
    ("postcode", "sector"),
    [
        ("AB1 2CD", "AB1 2"),
        ("ab12cd", "AB1 2"),
        ("AB1 2", "AB1 2"),
        ("SW1A 1AA", "SW1A 1"),
        ("sw1a1aa", "SW1A 1"),
        ("SW1A 1", "SW1A 1"),
        (" M1 1AE ", "M1 1"),
        ("DN55 1PT", "DN55 1"),
        ("EC1A 1BB", "EC1A 1"),
        ("AB12 3", "AB12 3"),
        ("AB1  2CD", "AB1 2"),
        ("AB12", None),  # sector AB1 2 or district AB12: a sector needs its space
        ("AB1 2C", None),
        ("AB1 2CDE", None),
        ("AB1 23", None),
        ("ABC 1AA", None),
        ("1AB 2CD", None),
        ("AB1-2CD", None),
        ("12345", None),
        ("", None),
        ("   ", None),
    ],
)
def test_postcode_sector(postcode: str, sector: str | None) -> None:
    assert postcode_sector(postcode) == sector
