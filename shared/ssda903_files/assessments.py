"""read_assessments: a council's needs assessments file, for its first load (years of assessments from the system
it leaves), to an assessment for each row and a finding for every row not accepted as written.

One CSV row per assessment: CHILD, ASSESSMENT_ID (the source system's id), ASSESSED_ON, INSTRUMENT and
optionally INSTRUMENT_VERSION (blank: the latest), STATUS (final or draft; blank: final), CONTEXT and
ASSESSOR_ROLE (the API's codes), then a column per domain code of the instrument holding the need level, and
optionally `<domain>_strength` columns. The header is read generically: every other column is a domain's, and
only the instrument can say whether it is one of its own, so that, the levels' scale, the codes and whether the
child exists are the merge's to check (shared/domain/assessments_merge.py), with the API's own rules."""

import re
from collections.abc import Sequence
from datetime import date
from typing import BinaryIO

from shared.ssda903_files.progress import Tick, no_tick
from shared.ssda903_files.records import AssessmentRecord, FileRejected, Finding, ParsedAssessments, RawRow
from shared.ssda903_files.row_files import read_rows
from shared.ssda903_files.tables import refuse_repeated_columns
from shared.ssda903_files.values import parse_date, whole_number

ASSESSMENTS = "assessments"
REQUIRED_COLUMNS = ("CHILD", "ASSESSMENT_ID", "ASSESSED_ON", "INSTRUMENT", "CONTEXT", "ASSESSOR_ROLE")
COLUMNS = (*REQUIRED_COLUMNS, "INSTRUMENT_VERSION", "STATUS")
STRENGTH = "_strength"
_INTEGER = re.compile(r"-?\d+")


def recognise(file: str, columns: Sequence[str]) -> str:
    refuse_repeated_columns(file, columns)
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        expected = f"{', '.join(COLUMNS)}, then a column per domain"
        reason = f"its header row lacks {', '.join(missing)}: an assessments file has {expected}"
        raise FileRejected(file, reason)
    return ASSESSMENTS


def domain_columns(row: RawRow) -> list[str]:
    return [column for column in row.values if column not in COLUMNS]


class _AssessmentRow:
    """One row's checks; a row with any rejection is not stored, and its warnings are left out as moot."""

    def __init__(self, row: RawRow) -> None:
        self.row = row
        self.rejections: list[Finding] = []
        self.warnings: list[Finding] = []

    def reject(self, column: str, rule: str, reason: str) -> None:
        self.rejections.append(Finding(self.row.ref, "rejected", column, self.row.get(column), rule, reason))

    def required(self, column: str) -> str:
        written = self.row.get(column)
        if not written:
            self.reject(column, "missing", f"{column} is blank: an assessments file requires it in every row")
        return written or ""

    def whole(self, column: str, what: str) -> int | None:
        """A whole number, or None when blank; one a spreadsheet wrote as a decimal (2.0) is read, with a warning."""
        written = self.row.get(column)
        if not written:
            return None
        plain = written
        if (whole := whole_number(written)) is not None:
            plain = whole
            reason = f"{column} '{written}' is read as {whole}: {what} is a whole number"
            self.warnings.append(Finding(self.row.ref, "warning", column, written, "whole-number", reason))
        if not _INTEGER.fullmatch(plain):
            self.reject(column, "number", f"{column} '{written}' is not read: {what} is a whole number")
            return None
        return int(plain)

    def assessed_on(self) -> date | None:
        written = self.required("ASSESSED_ON")
        if not written:
            return None
        day = parse_date(written)
        if day is None:
            self.reject("ASSESSED_ON", "date", f"ASSESSED_ON '{written}' is not a date as dd/mm/yyyy or yyyy-mm-dd")
        return day

    def levels(self) -> tuple[dict[str, int], dict[str, int]]:
        """Need and strength levels by domain code; a domain left blank is not rated."""
        needs: dict[str, int] = {}
        strengths: dict[str, int] = {}
        for column in domain_columns(self.row):
            strength = column.endswith(STRENGTH)
            level = self.whole(column, "a strength level" if strength else "a need level")
            if level is not None:
                (strengths if strength else needs)[column.removesuffix(STRENGTH) if strength else column] = level
        return needs, strengths

    def findings(self) -> list[Finding]:
        return self.rejections or self.warnings


def check_assessment(row: RawRow) -> tuple[AssessmentRecord | None, list[Finding]]:
    check = _AssessmentRow(row)
    child = check.required("CHILD")
    external_id = check.required("ASSESSMENT_ID")
    assessed_on = check.assessed_on()
    instrument = check.required("INSTRUMENT")
    version = check.whole("INSTRUMENT_VERSION", "an instrument's version")
    needs, strengths = check.levels()
    if check.rejections or assessed_on is None:
        return None, check.findings()
    status = row.get("STATUS") or "final"  # as the file's default: a first load's assessments count
    record = AssessmentRecord(
        child,
        external_id,
        assessed_on,
        instrument,
        version,
        status,
        row.get("CONTEXT"),
        row.get("ASSESSOR_ROLE"),
        needs,
        strengths,
        row.ref,
        row.values,
    )
    return record, check.findings()


def read_assessments(files: Sequence[tuple[str, BinaryIO]], tick: Tick = no_tick) -> ParsedAssessments:
    """Read a council's assessments files (CSV, UTF-8 or Windows-1252). FileRejected refuses a whole file;
    everything else is a finding. An ASSESSMENT_ID given twice keeps its first row."""
    records, findings, rows_read = read_rows(
        files, recognise, check_assessment, lambda each: each.external_id, "the assessment (ASSESSMENT_ID)", tick
    )
    return ParsedAssessments(records, findings, rows_read)
