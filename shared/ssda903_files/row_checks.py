"""Checks of one row on its own: required values, dates, the year's code lists, and the values normalised or
dropped with a warning. A row with any rejection is not stored, and its warnings are left out as moot."""

from datetime import date
from typing import Literal

from shared.ssda903 import ENDING_CODES, invalid_codes, invalid_episode_codes, postcode_sector, stored_sex
from shared.ssda903_files.records import ChildRecord, EpisodeRecord, Finding, RawRow
from shared.ssda903_files.values import WHOLE_NUMBER_COLUMNS, parse_date, whole_number

HEADER_VALUES = ("CHILD", "DOB", "SEX", "ETHNIC")
EPISODE_VALUES = ("CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE")


class _RowCheck:
    def __init__(self, row: RawRow) -> None:
        self.row = row
        self.values = dict(row.values)
        self.rejections: list[Finding] = []
        self.warnings: list[Finding] = []

    def _finding(self, severity: Literal["warning", "rejected"], column: str, rule: str, reason: str) -> None:
        # A placement's postcode is never kept whole, not even in a finding.
        written = None if column == "PL_POST" else self.row.get(column)
        finding = Finding(self.row.ref, severity, column, written, rule, reason)
        (self.rejections if severity == "rejected" else self.warnings).append(finding)

    def reject(self, column: str, rule: str, reason: str) -> None:
        self._finding("rejected", column, rule, reason)

    def warn(self, column: str, rule: str, reason: str) -> None:
        self._finding("warning", column, rule, reason)

    def findings(self) -> list[Finding]:
        return self.rejections or self.warnings

    def text(self, column: str) -> str:
        """A value the row is only stored with (required ones, once checked)."""
        return self.values[column] or ""

    def whole_numbers(self) -> None:
        for column in sorted(WHOLE_NUMBER_COLUMNS & self.values.keys()):
            written = self.values[column]
            number = whole_number(written) if written else None
            if number is not None:
                self.values[column] = number
                reason = f"{column} '{written}' is read as {number}: a whole number the spreadsheet wrote as a decimal"
                self.warn(column, "whole-number", reason)

    def required(self, columns: tuple[str, ...]) -> None:
        for column in columns:
            if not self.values.get(column):
                self.reject(column, "missing", f"{column} is blank: the SSDA903 return requires it in every row")

    def day(self, column: str) -> date | None:
        written = self.values.get(column)
        if not written:
            return None
        parsed = parse_date(written)
        if parsed is None:
            self.reject(column, "date", f"{column} '{written}' is not a date (dd/mm/yyyy, or yyyy-mm-dd)")
        return parsed

    def codes(self, problems: list[tuple[str, str]]) -> None:
        for column, message in problems:
            self.reject(column, "code-list", message)


def check_header(row: RawRow, year: int, uasc: bool) -> tuple[ChildRecord | None, list[Finding]]:
    check = _RowCheck(row)
    check.whole_numbers()
    check.required(HEADER_VALUES)
    born = check.day("DOB")
    check.codes(invalid_codes({"SEX": check.values.get("SEX"), "ETHNIC": check.values.get("ETHNIC")}, year))
    if check.rejections or born is None:
        return None, check.findings()
    child = ChildRecord(check.text("CHILD"), born, stored_sex(check.text("SEX")), check.text("ETHNIC"), uasc, row.ref)
    return child, check.findings()


def _ending(check: _RowCheck, start: date | None, end: date | None) -> None:
    """DfE rule 148: DEC and REC both or neither. An open episode keeps being open and loses its reasons, which
    only an ending can have; a closed one without REC is stored without a reason."""
    if end is None and check.values.get("DEC") is None:
        for column in ENDING_CODES:
            written = check.values.get(column)
            if written:
                check.values[column] = None
                reason = (
                    f"an open episode (no DEC) carries {column} '{written}': DfE rule 148 says both or neither; "
                    f"the episode is kept open and {column} dropped"
                )
                check.warn(column, "dfe-148", reason)
    elif end is not None and not check.values.get("REC"):
        reason = "a closed episode (with DEC) has no REC: DfE rule 148 says both or neither; stored without a reason"
        check.warn("REC", "dfe-148", reason)
    if start is not None and end is not None and end <= start:
        check.reject("DEC", "dates", f"DEC '{check.values['DEC']}' is not after DECOM '{check.values['DECOM']}'")


def _sector(check: _RowCheck) -> str | None:
    written = check.values.get("PL_POST")
    sector = postcode_sector(written) if written else None
    if written and sector is None:
        check.warn(
            "PL_POST",
            "postcode",
            "PL_POST is not a UK postcode or postcode sector: it is dropped (and not repeated here)",
        )
    return sector


def check_episode(row: RawRow) -> tuple[EpisodeRecord | None, list[Finding]]:
    check = _RowCheck(row)
    check.whole_numbers()
    check.required(EPISODE_VALUES)
    start, end = check.day("DECOM"), check.day("DEC")
    _ending(check, start, end)
    check.codes(invalid_episode_codes(check.values, start, end))
    sector = _sector(check)
    if check.rejections or start is None:
        return None, check.findings()
    values = check.values
    episode = EpisodeRecord(
        child_id=check.text("CHILD"),
        start_date=start,
        end_date=end,
        rne=check.text("RNE"),
        legal_status=check.text("LS"),
        cin=check.text("CIN"),
        place=check.text("PLACE"),
        place_provider=values.get("PLACE_PROVIDER"),
        reason_ended=values.get("REC"),
        reason_place_change=values.get("REASON_PLACE_CHANGE"),
        postcode_sector=sector,
        urn=values.get("URN"),
        ref=row.ref,
    )
    return episode, check.findings()
