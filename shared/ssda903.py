"""Code lists of the SSDA903 (children looked after) return by collection year, as data, and small functions.

A collection year is named by the year it starts: 2023 is 1 April 2023 to 31 March 2024. Each code carries the
collection years that accept it. Sources: the DfE lists as coded in data-to-insight/csc-validator-be-903 (rule sets
lac2022_23 to lac2025_26) and SocialFinanceDigitalLabs/liia-tools (spec/s903/SSDA903_schema_<end year>.yml, 2016-17
to 2023-24), with domain.md §6 deciding where they differ. 2015-16 is taken to match 2016-17, the earliest list
liia-tools holds. A code with no first year is accepted in earlier years too (old episodes keep their codes), and one
with no last year in later years, until the next DfE change is added here.
"""

import functools
import re
from collections.abc import Mapping
from datetime import date
from typing import NamedTuple


class Code(NamedTuple):
    label: str
    first: int | None = None  # first collection year that accepts the code; None: no known start
    last: int | None = None  # last collection year that accepts it; None: still current


REASON_NEW_EPISODE: Mapping[str, Code] = {
    "S": Code("Started to be looked after"),
    "L": Code("Change of legal status only"),
    "P": Code("Change of placement and carer(s) only"),
    "T": Code("Change of both legal status and placement and carer(s)"),
    "B": Code("Change of placement, carer(s) stayed the same"),
    "U": Code("Change of legal status and placement, carer(s) stayed the same"),
}

LEGAL_STATUS: Mapping[str, Code] = {
    "C1": Code("Interim care order"),
    "C2": Code("Full care order"),
    "D1": Code("Freeing order granted"),
    "E1": Code("Placement order granted"),
    "J1": Code("Remanded to local authority or youth detention accommodation"),
    "J2": Code("Placed in local authority accommodation under PACE 1984"),
    "J3": Code("Sentenced to a youth rehabilitation order with residence requirement"),
    "L1": Code("Under police protection, in local authority accommodation"),
    "L2": Code("Emergency protection order"),
    "L3": Code("Under a child assessment order, in local authority accommodation"),
    "V2": Code("Single period of accommodation under section 20"),
    "V3": Code("Series of short-term breaks, individual episodes recorded"),
    "V4": Code("Series of short-term breaks, agreements recorded"),
}

CATEGORY_OF_NEED: Mapping[str, Code] = {
    "N1": Code("Abuse or neglect"),
    "N2": Code("Child's disability"),
    "N3": Code("Parental illness or disability"),
    "N4": Code("Family in acute stress"),
    "N5": Code("Family dysfunction"),
    "N6": Code("Socially unacceptable behaviour"),
    "N7": Code("Low income"),
    "N8": Code("Absent parenting"),
}

PLACEMENT_TYPE: Mapping[str, Code] = {
    "A3": Code("Placed for adoption with consent, with current foster carer(s)"),
    "A4": Code("Placed for adoption with consent, not with current foster carer(s)"),
    "A5": Code("Placed for adoption with a placement order, with current foster carer(s)"),
    "A6": Code("Placed for adoption with a placement order, not with current foster carer(s)"),
    # 2024-25 brought K3 for supported accommodation, which Ofsted registers since October 2023, in place of H5
    # and P2 (domain.md §6; csc-validator-be-903 keeps H5 and P2 in 2024-25 and drops them in 2025-26).
    "H5": Code("Semi-independent living not subject to children's homes regulations", last=2023),
    "K1": Code("Secure children's home"),
    "K2": Code("Children's home subject to the Children's Homes Regulations"),
    "K3": Code("Supported accommodation registered with Ofsted", first=2024),
    "P1": Code("Placed with own parent(s) or other person(s) with parental responsibility"),
    "P2": Code("Independent living, e.g. flat, lodgings, bedsit, B&B or with friends", last=2023),
    "P3": Code("Residential employment"),
    "R1": Code("Residential care home"),
    "R2": Code("NHS or health trust establishment providing medical or nursing care"),
    "R3": Code("Family centre or mother and baby unit"),
    "R5": Code("Young offender institution"),
    "S1": Code("Residential school, except where dual-registered as a children's home"),
    "T0": Code("Temporary move of any type"),
    "T1": Code("Temporary period in hospital"),
    "T2": Code("Temporary absence on holiday"),
    "T3": Code("Temporary accommodation while the usual foster carer(s) are on holiday"),
    "T4": Code("Temporary accommodation of seven days or less, for another reason"),
    "U1": Code("Fostered with relative(s) or friend(s), long term"),
    "U2": Code("Fostered with relative(s) or friend(s) who are approved adopters"),
    "U3": Code("Fostered with relative(s) or friend(s), other"),
    "U4": Code("Fostered with other foster carer(s), long term"),
    "U5": Code("Fostered with other foster carer(s) who are approved adopters"),
    "U6": Code("Fostered with other foster carer(s), other"),
    # 2025-26 split "other placements" into four codes (csc-validator-be-903 rule 146, lac2025_26).
    "Z1": Code("Other placement", last=2024),
    **{f"Z1{n}": Code("Other placement (a 2025-26 successor of Z1)", first=2025) for n in range(1, 5)},
}

PLACEMENT_PROVIDER: Mapping[str, Code] = {
    "PR0": Code("Parent(s) or other person(s) with parental responsibility"),
    "PR1": Code("Own local authority provision"),
    "PR2": Code("Other local authority provision"),
    "PR3": Code("Other public provision, e.g. NHS"),
    "PR4": Code("Private provision"),
    "PR5": Code("Voluntary or third sector provision"),
}

REASON_EPISODE_CEASED: Mapping[str, Code] = {
    "E11": Code("Adopted, application unopposed"),
    "E12": Code("Adopted, consent dispensed with by the court"),
    "E2": Code("Died"),
    "E3": Code("Care taken over by another local authority in the UK"),
    "E4A": Code("Returned home to parent(s) or person(s) with parental responsibility, as planned"),
    "E4B": Code("Returned home to parent(s) or person(s) with parental responsibility, not as planned"),
    "E13": Code("Left care to live with parent(s), relative(s) or others without parental responsibility"),
    "E41": Code("Residence order or child arrangements order granted"),
    # 2018-19 split special guardianship by whether the carers are relatives or friends: liia-tools'
    # SSDA903_schema_2018 (2017-18) has E43/E44, SSDA903_schema_2019 (2018-19) has E45-E48.
    "E43": Code("Special guardianship order to former foster carer(s)", last=2017),
    "E44": Code("Special guardianship order to carer(s) other than former foster carer(s)", last=2017),
    "E45": Code("Special guardianship order to former foster carer(s) who are relatives or friends", first=2018),
    "E46": Code("Special guardianship order to former foster carer(s), not relatives or friends", first=2018),
    "E47": Code("Special guardianship order to other carer(s) who are relatives or friends", first=2018),
    "E48": Code("Special guardianship order to other carer(s), not relatives or friends", first=2018),
    "E5": Code("Moved into independent living with formal support"),
    "E6": Code("Moved into independent living without formal support"),
    "E7": Code("Transferred to residential care funded by adult social care"),
    "E8": Code("Ceased for any other reason"),
    "E9": Code("Sentenced to custody"),
    "E14": Code("Accommodation on remand ended"),
    "E15": Code("Age assessment found the child aged 18 or over"),
    "E16": Code("Child moved abroad"),
    "E17": Code("Aged 18 or over and stayed with the current carers"),
    "X1": Code("Episode ceased and a new one began on the same day"),
}

REASON_PLACEMENT_CHANGE: Mapping[str, Code] = {
    "ALLEG": Code("Allegation (s47)"),
    "APPRR": Code("Approval removed"),
    "CARPL": Code("Change to or implementation of the care plan"),
    "CHILD": Code("Child requested the placement end"),
    "CLOSE": Code("Resignation or closure of the provision"),
    "CREQB": Code("Carer(s) requested the placement end because of the child's behaviour"),
    "CREQO": Code("Carer(s) requested the placement end for another reason"),
    # Added with the E45-E48 split: first in liia-tools' SSDA903_schema_2019 (2018-19).
    "CUSTOD": Code("Custody arrangement", first=2018),
    "LAREQ": Code("Responsible or area authority requested the placement end"),
    "OTHER": Code("Other"),
    "PLACE": Code("Change in the status of the placement only"),
    "STAND": Code("Standards of care concern"),
}

SEX: Mapping[str, Code] = {
    # 2024-25 replaced 1/2 with M/F/U (csc-validator-be-903 rule 101, lac2024_25).
    "1": Code("Male", last=2023),
    "2": Code("Female", last=2023),
    "M": Code("Male", first=2024),
    "F": Code("Female", first=2024),
    "U": Code("Not known", first=2024),
}

ETHNICITY: Mapping[str, Code] = {
    "WBRI": Code("White British"),
    "WIRI": Code("White Irish"),
    "WOTH": Code("Any other White background"),
    "WIRT": Code("Traveller of Irish heritage"),
    "WROM": Code("Gypsy/Roma"),
    "MWBC": Code("White and Black Caribbean"),
    "MWBA": Code("White and Black African"),
    "MWAS": Code("White and Asian"),
    "MOTH": Code("Any other Mixed background"),
    "AIND": Code("Indian"),
    "APKN": Code("Pakistani"),
    "ABAN": Code("Bangladeshi"),
    "AOTH": Code("Any other Asian background"),
    "BCRB": Code("Caribbean"),
    "BAFR": Code("African"),
    "BOTH": Code("Any other Black background"),
    "CHNE": Code("Chinese"),
    "OOTH": Code("Any other ethnic group"),
    "REFU": Code("Refused"),
    "NOBT": Code("Information not yet obtained"),
}

# By SSDA903 column name: the keys invalid_codes() checks.
CODE_LISTS: Mapping[str, Mapping[str, Code]] = {
    "RNE": REASON_NEW_EPISODE,
    "LS": LEGAL_STATUS,
    "CIN": CATEGORY_OF_NEED,
    "PLACE": PLACEMENT_TYPE,
    "PLACE_PROVIDER": PLACEMENT_PROVIDER,
    "REC": REASON_EPISODE_CEASED,
    "REASON_PLACE_CHANGE": REASON_PLACEMENT_CHANGE,
    "SEX": SEX,
    "ETHNIC": ETHNICITY,
}

# What each coded column holds, as messages name it.
CODE_LIST_NAMES: Mapping[str, str] = {
    "RNE": "reason for new episode",
    "LS": "legal status",
    "CIN": "category of need",
    "PLACE": "placement type",
    "PLACE_PROVIDER": "placement provider",
    "REC": "reason episode ceased",
    "REASON_PLACE_CHANGE": "reason for placement change",
    "SEX": "sex",
    "ETHNIC": "ethnicity",
}

# SSDA903 SEX: 1/2 before 2024-25, M/F/U since; both are accepted and stored in the current form.
LEGACY_SEX: Mapping[str, str] = {"1": "M", "2": "F"}

# An episode's codes as DfE checks them: those of its start against the collection year of DECOM, those of its
# ending against the year of DEC (an episode that spans 1 April keeps the codes it started with).
STARTING_CODES = ("RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER")
ENDING_CODES = ("REC", "REASON_PLACE_CHANGE")

# Placement groups used by figures (domain.md §6); PLACE codes outside them (P3, R2, R3, R5, S1) have no group.
PLACEMENT_GROUPS: Mapping[str, frozenset[str]] = {
    "foster": frozenset({"U1", "U2", "U3", "U4", "U5", "U6"}),
    "residential": frozenset({"K1", "K2", "R1"}),
    "supported": frozenset({"H5", "P2", "K3"}),
    "with_parents": frozenset({"P1"}),
    "adoption": frozenset({"A3", "A4", "A5", "A6"}),
    "temporary": frozenset({"T0", "T1", "T2", "T3", "T4"}),
    "other": frozenset({"Z1", "Z11", "Z12", "Z13", "Z14"}),
}

_OUTWARD = r"[A-Z]{1,2}[0-9][A-Z0-9]?"  # area and district: A9, A99, AA9, AA99, A9A, AA9A
_FULL_POSTCODE = re.compile(rf"({_OUTWARD}) *([0-9])[A-Z]{{2}}")
# Without its unit letters a sector needs the space: "AB12" could be sector AB1 2 or district AB12.
_SECTOR = re.compile(rf"({_OUTWARD}) +([0-9])")


def collection_year_of(day: date) -> int:
    """The collection year holding `day`: years start on 1 April."""
    return day.year if day.month >= 4 else day.year - 1


def parse_collection_year(text: str) -> int:
    """2023 or 2023-24 (the year a collection year starts in); ValueError, saying so, for anything else."""
    start, _, end = text.strip().partition("-")
    if not (start.isdigit() and len(start) == 4 and (not end or end == f"{(int(start) + 1) % 100:02d}")):
        raise ValueError(f"'{text}' is not a collection year such as 2023 or 2023-24")
    return int(start)


def episode_id(child_id: str, start: date) -> str:
    """An episode's identity across returns, as stored: its child and its DECOM (the return gives episodes no id)."""
    return f"903:{child_id}:{start.isoformat()}"


def year_label(year: int) -> str:
    return f"{year}-{(year + 1) % 100:02d}"


def _accepts(code: Code, year: int) -> bool:
    return (code.first is None or code.first <= year) and (code.last is None or year <= code.last)


def _accepted_years(code: Code) -> str:
    since = f"from {year_label(code.first)}" if code.first is not None else ""
    until = f"up to {year_label(code.last)}" if code.last is not None else ""
    return " ".join(part for part in (since, until) if part)


def codes_for(field: str, year: int) -> frozenset[str]:
    """The codes of one SSDA903 column that the given collection year accepts."""
    return frozenset(value for value, code in CODE_LISTS[field].items() if _accepts(code, year))


def invalid_codes(fields: Mapping[str, str | None], year: int) -> list[tuple[str, str]]:
    """(column, message) for each coded column whose code the collection year does not accept.

    Keys other than the coded columns (so a whole episode row may be passed) and None or "" values are skipped.
    """
    problems = []
    for field, value in fields.items():
        if field in CODE_LISTS and value and (message := code_problem(field, value, year)) is not None:
            problems.append((field, message))
    return problems


# A return checks a few codes hundreds of thousands of times: each code and year is judged once.
@functools.cache
def code_problem(field: str, value: str, year: int) -> str | None:
    """Why the collection year does not accept the code in the column; None when it does."""
    code = CODE_LISTS[field].get(value)
    if code is not None and _accepts(code, year):
        return None
    name = CODE_LIST_NAMES[field]
    article = "an" if name[0] in "aeiou" else "a"
    message = f"'{value}' is not {article} {name} code (SSDA903 {field} list) in collection year {year_label(year)}"
    if code is not None:
        return message + f" (accepted {_accepted_years(code)})"
    return message + f"; it accepts {', '.join(sorted(codes_for(field, year)))}"


def invalid_episode_codes(
    codes: Mapping[str, str | None], start: date | None, end: date | None
) -> list[tuple[str, str]]:
    """invalid_codes() of an episode: its STARTING_CODES in the collection year of `start`, its ENDING_CODES in the
    year of `end`; a date given as None leaves its codes unchecked (an open episode's ending, an ending alone)."""
    problems = []
    for columns, day in ((STARTING_CODES, start), (ENDING_CODES, end)):
        if day is not None:
            problems += invalid_codes({column: codes.get(column) for column in columns}, collection_year_of(day))
    return problems


def date_problem(day: date, today: date | None, born: date | None = None) -> str | None:
    """Why a dated record cannot stand, whoever sends it: dated after today, or before the child was born."""
    if today is not None and day > today:
        return f"{day.isoformat()} is in the future"
    if born is not None and day < born:
        return "is before the child's date of birth"
    return None


def stored_sex(code: str) -> str:
    """A SEX code in the form the service stores: the pre-2024-25 1/2 become M/F."""
    return LEGACY_SEX.get(code, code)


Interval = tuple[date, date | None]


def overlaps(a: Interval, b: Interval) -> bool:
    """Half-open, an end of None being open: the next episode may start on the day the previous ended."""
    a_end, b_end = a[1] or date.max, b[1] or date.max
    return a[0] < b_end and b[0] < a_end


def placement_group(code: str) -> str | None:
    return next((group for group, codes in PLACEMENT_GROUPS.items() if code in codes), None)


_DISTRICT = re.compile(_OUTWARD)


def postcode_district(text: str) -> str | None:
    """A postcode district (the outward code: 'ab12' gives 'AB12'); None if it is not one."""
    district = text.strip().upper()
    return district if _DISTRICT.fullmatch(district) else None


def postcode_districts(texts: list[str]) -> list[str]:
    """Postcode districts, sorted and each once; ValueError naming those that are not."""
    found = [postcode_district(text) for text in texts]
    wrong = [text for text, district in zip(texts, found, strict=True) if district is None]
    if wrong:
        raise ValueError(f"{', '.join(wrong)} is not a postcode district (the outward code, e.g. AB1)")
    return sorted({district for district in found if district is not None})


def sector_district(sector: str) -> str:
    """The district of a sector as postcode_sector gives it ('AB1 2' gives 'AB1')."""
    return sector.split()[0]


def postcode_sector(postcode: str) -> str | None:
    """The sector of a UK postcode or sector ('ab12cd' and 'AB1 2' give 'AB1 2'); None if it is neither.

    Only the shape is checked, not that the postcode exists; the service keeps no more than the sector.
    """
    text = postcode.strip().upper()
    match = _FULL_POSTCODE.fullmatch(text) or _SECTOR.fullmatch(text)
    return f"{match[1]} {match[2]}" if match else None
