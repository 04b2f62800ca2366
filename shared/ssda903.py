"""SSDA903 code lists by collection year, as data. A collection year is named by the year it starts:
2023 is 1 April 2023 to 31 March 2024. Lists change by year, so validation names the year."""

import re
from collections.abc import Mapping
from datetime import date

FIRST_YEAR, LAST_YEAR = 2015, 2030

# code -> (first collection year, last collection year) where a code came or went; others span all years.
PLACE_YEARS: dict[str, tuple[int, int]] = {
    "H5": (FIRST_YEAR, 2023),  # semi-independent living, replaced by K3 in 2024-25
    "P2": (FIRST_YEAR, 2023),
    "K3": (2024, LAST_YEAR),
    "Z1": (FIRST_YEAR, 2024),  # "other", split into Z11-Z14 in 2025-26
    "Z11": (2025, LAST_YEAR),
    "Z12": (2025, LAST_YEAR),
    "Z13": (2025, LAST_YEAR),
    "Z14": (2025, LAST_YEAR),
}
SEX_YEARS: dict[str, tuple[int, int]] = {
    "1": (FIRST_YEAR, 2023),
    "2": (FIRST_YEAR, 2023),
    "M": (2024, LAST_YEAR),
    "F": (2024, LAST_YEAR),
    "U": (2024, LAST_YEAR),
}

CODES: dict[str, frozenset[str]] = {
    "RNE": frozenset({"P", "L", "T", "S", "U", "B"}),
    "LS": frozenset({"C1", "C2", "D1", "E1", "J1", "J2", "J3", "L1", "L2", "L3", "V2", "V3", "V4"}),
    "CIN": frozenset({f"N{n}" for n in range(1, 9)}),
    "PLACE": frozenset(
        {"A3", "A4", "A5", "A6", "K1", "K2", "P1", "P3", "R1", "R2", "R3", "R5", "S1", "T0", "T1", "T2", "T3", "T4"}
        | {f"U{n}" for n in range(1, 7)}
        | PLACE_YEARS.keys()
    ),
    "PLACE_PROVIDER": frozenset({"PR0", "PR1", "PR2", "PR3", "PR4", "PR5"}),
    "REC": frozenset(
        {
            "E11",
            "E12",
            "E13",
            "E14",
            "E15",
            "E16",
            "E17",
            "E2",
            "E3",
            "E41",
            "E45",
            "E46",
            "E47",
            "E48",
            "E4A",
            "E4B",
            "E5",
            "E6",
            "E7",
            "E8",
            "E9",
            "X1",
        }
    ),
    "REASON_PLACE_CHANGE": frozenset(
        {"ALLEG", "APPRR", "CARPL", "CHILD", "CLOSE", "CREQB", "CREQO", "CUSTOD", "LAREQ", "OTHER", "PLACE", "STAND"}
    ),
    "SEX": frozenset(SEX_YEARS),
    "ETHNIC": frozenset(
        {
            "WBRI",
            "WIRI",
            "WOTH",
            "WIRT",
            "WROM",
            "MWBC",
            "MWBA",
            "MWAS",
            "MOTH",
            "AIND",
            "APKN",
            "ABAN",
            "AOTH",
            "BCRB",
            "BAFR",
            "BOTH",
            "CHNE",
            "OOTH",
            "REFU",
            "NOBT",
        }
    ),
}
YEAR_BOUND: dict[str, dict[str, tuple[int, int]]] = {"PLACE": PLACE_YEARS, "SEX": SEX_YEARS}

PLACEMENT_GROUPS: dict[str, frozenset[str]] = {
    "foster": frozenset({f"U{n}" for n in range(1, 7)}),
    "residential": frozenset({"K1", "K2", "R1"}),
    "supported": frozenset({"H5", "K3", "P2"}),
    "with_parents": frozenset({"P1"}),
    "adoption": frozenset({"A3", "A4", "A5", "A6"}),
    "temporary": frozenset({"T0", "T1", "T2", "T3", "T4"}),
    "other": frozenset({"Z1", "Z11", "Z12", "Z13", "Z14"}),
}

POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9])([A-Z]{2})?$")


def collection_year_of(day: date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def year_label(year: int) -> str:
    return f"{year}-{(year + 1) % 100:02d}"


def code_problem(field: str, code: str, year: int) -> str | None:
    if code not in CODES[field]:
        return f"'{code}' is not an SSDA903 {field} code"
    first, last = YEAR_BOUND.get(field, {}).get(code, (FIRST_YEAR, LAST_YEAR))
    if first <= year <= last:
        return None
    span = f"from {year_label(first)}" if last == LAST_YEAR else f"up to {year_label(last)}"
    return f"'{code}' is not a {field} code in collection year {year_label(year)} (valid {span})"


def invalid_codes(fields: Mapping[str, str | None], year: int) -> list[tuple[str, str]]:
    problems = ((field, code_problem(field, code, year)) for field, code in fields.items() if code)
    return [(field, problem) for field, problem in problems if problem is not None]


def placement_group(code: str) -> str | None:
    return next((group for group, codes in PLACEMENT_GROUPS.items() if code in codes), None)


def postcode_sector(postcode: str) -> str | None:
    """Only the sector is kept (domain.md §9): 'AB1 2CD' -> 'AB1 2'."""
    match = POSTCODE.match(postcode.strip().upper())
    return f"{match.group(1)} {match.group(2)}" if match else None
