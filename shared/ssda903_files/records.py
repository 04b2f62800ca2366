"""What the reader of an SSDA903 return hands back: the rows to store, and a finding for each row it changed or
refused, each pointing at the row a council can open in its own file."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal


@dataclass(frozen=True, slots=True)
class RowRef:
    file: str  # the file's name as given
    # CSV: the row a spreadsheet shows (the header is row 1); XML: the line of the element, or its place among the
    # records where two share a line (xml_form.py)
    row: int


@dataclass(frozen=True, slots=True)
class Finding:
    ref: RowRef
    severity: Literal["warning", "rejected"]
    column: str | None  # SSDA903 column name
    value: str | None  # the value as written in the file
    rule: str  # short stable id: "dfe-148", "code-list", "date", "missing-child", "overlap", "duplicate", ...
    reason: str  # plain English, naming the rule
    conflicts_with: tuple[RowRef, ...] = ()  # the other rows a rejection depends on


@dataclass(frozen=True, slots=True)
class ChildRecord:
    child_id: str
    date_of_birth: date
    sex: str  # stored form M/F/U
    ethnicity: str
    uasc: bool
    ref: RowRef


@dataclass(frozen=True, slots=True)
class EpisodeRecord:
    child_id: str
    start_date: date
    end_date: date | None
    rne: str
    legal_status: str
    cin: str
    place: str
    place_provider: str | None
    reason_ended: str | None
    reason_place_change: str | None
    postcode_sector: str | None  # never the full postcode
    urn: str | None
    ref: RowRef


@dataclass(frozen=True, slots=True)
class MeasureRecord:
    """One outcome measure the return holds for a child, of its collection year (outcome_rows.py)."""

    child_id: str
    code: str  # a shipped measure code: sdq_total, offences, missing_episodes, neet
    value: Decimal
    ref: RowRef


@dataclass(frozen=True, slots=True)
class ParsedReturn:
    year: int  # collection year (2023 = 2023-24), given or inferred
    children: list[ChildRecord]
    episodes: list[EpisodeRecord]
    findings: list[Finding]  # every warning and rejection, in file then row order
    rows_read: dict[str, int]  # data rows read per file
    measures: list[MeasureRecord] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CostRecord:
    """A row of a council's placement costs file: what one stored placement costs and who pays for it."""

    child_id: str
    placement_id: str  # the stored placement's external id: as given, or the episode's 903:CHILD:DECOM
    start_date: date | None  # DECOM, when given: the placement must start that day
    weekly_cost: Decimal  # GBP
    social_care: Decimal  # shares of 1 (percentages read as such), summing to 1
    health: Decimal
    education: Decimal
    provider_id: str  # the provider's external id in the council
    ref: RowRef


@dataclass(frozen=True, slots=True)
class ParsedCosts:
    costs: list[CostRecord]
    findings: list[Finding]  # every warning and rejection, in file then row order
    rows_read: dict[str, int]  # data rows read per file


@dataclass(frozen=True, slots=True)
class AssessmentRecord:
    """A row of a council's assessments file: one assessment as the API would take it, its levels by domain."""

    child_id: str
    external_id: str  # ASSESSMENT_ID: the source system's id
    assessed_on: date
    instrument_code: str
    instrument_version: int | None  # None: the latest the council may use
    status: str
    context: str | None  # checked against the API's codes where the instrument is known (the merge)
    assessor_role: str | None
    needs: dict[str, int]  # by domain code; a domain left blank is absent
    strengths: dict[str, int]
    ref: RowRef
    # The values as written, by column, for the merge's findings: how a value was written is not the record's.
    written: dict[str, str | None] = field(compare=False)


@dataclass(frozen=True, slots=True)
class ParsedAssessments:
    assessments: list[AssessmentRecord]
    findings: list[Finding]  # every warning and rejection, in file then row order
    rows_read: dict[str, int]  # data rows read per file


class FileRejected(Exception):
    """A whole file refused, with a reason in plain English for the council."""

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason


@dataclass(frozen=True, slots=True)
class RawRow:
    """One row of a table as written, whichever form it came in: stripped text, None for blank or absent."""

    ref: RowRef
    values: dict[str, str | None]

    def get(self, column: str) -> str | None:
        return self.values.get(column)


@dataclass(slots=True)
class RawReturn:
    """The rows of the tables the reader stores, in file then row order, and the rows each file held."""

    headers: list[RawRow]
    episodes: list[RawRow]
    uasc: list[RawRow]
    findings: list[Finding]  # rows refused before their values could be read (a truncated CSV row)
    rows_read: dict[str, int]
    outcomes: dict[str, list[RawRow]] = field(default_factory=dict)  # the outcome tables' rows, by table
