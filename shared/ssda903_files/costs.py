"""read_costs: a council's placement costs file, what the SSDA903 return lacks (domain.md §6), to a cost for each
stored placement it names and a finding for every row not accepted as written.

One CSV row per placement: CHILD, then DECOM (an episode loaded from a return) or PLACEMENT_ID (the external id
of a placement sent through the API); WEEKLY_COST in pounds; FUNDING_SOCIAL_CARE, FUNDING_HEALTH and
FUNDING_EDUCATION; and PROVIDER, the provider's external id. Whether the child, the placement and the provider
exist only the stored data can tell (shared/domain/costs_merge.py)."""

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import BinaryIO

from shared.funding import SHARE_PLACES, sum_fault
from shared.ssda903 import episode_id
from shared.ssda903_files.progress import Tick, no_tick
from shared.ssda903_files.records import CostRecord, FileRejected, Finding, ParsedCosts, RawRow
from shared.ssda903_files.row_files import read_rows
from shared.ssda903_files.tables import refuse_repeated_columns
from shared.ssda903_files.values import parse_date

COSTS = "costs"
FUNDING_COLUMNS = ("FUNDING_SOCIAL_CARE", "FUNDING_HEALTH", "FUNDING_EDUCATION")
COLUMNS = ("CHILD", "DECOM", "PLACEMENT_ID", "WEEKLY_COST", *FUNDING_COLUMNS, "PROVIDER")
REQUIRED_COLUMNS = ("CHILD", "WEEKLY_COST", "PROVIDER")

_AMOUNT = re.compile(r"\d+(\.\d+)?")
# As a spreadsheet formats money: a pound sign, thousands separated by commas.
_FORMATTED_AMOUNT = re.compile(r"£? *(\d{1,3}(,\d{3})+|\d+)(\.\d+)?")
_SHARE = re.compile(r"(\d+(\.\d+)?) *(%?)")
_MOST_POUNDS = Decimal(10) ** 8  # placements.weekly_cost is numeric(10, 2)
# Funding left blank in all three columns, as the API defaults it: social care pays the whole cost.
_ALL_SOCIAL_CARE = (Decimal(1), Decimal(0), Decimal(0))


def recognise(file: str, columns: Sequence[str]) -> str:
    refuse_repeated_columns(file, columns)
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if "DECOM" not in columns and "PLACEMENT_ID" not in columns:
        missing.append("DECOM or PLACEMENT_ID")
    if missing:
        expected = ", ".join(COLUMNS)
        raise FileRejected(file, f"its header row lacks {', '.join(missing)}: a placement costs file has {expected}")
    return COSTS


def places(number: Decimal) -> int:
    exponent = number.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


class _CostRow:
    """One row's checks; a row with any rejection is not stored, and its warnings are left out as moot."""

    def __init__(self, row: RawRow) -> None:
        self.row = row
        self.rejections: list[Finding] = []
        self.warnings: list[Finding] = []

    def reject(self, column: str, rule: str, reason: str, value: str | None = None) -> None:
        value = value if value is not None else self.row.get(column)
        self.rejections.append(Finding(self.row.ref, "rejected", column, value, rule, reason))

    def required(self, column: str) -> str:
        written = self.row.get(column)
        if not written:
            self.reject(column, "missing", f"{column} is blank: a placement costs file requires it in every row")
        return written or ""

    def weekly_cost(self) -> Decimal | None:
        written = self.required("WEEKLY_COST")
        if not written:
            return None
        plain = written
        if not _AMOUNT.fullmatch(written) and _FORMATTED_AMOUNT.fullmatch(written):
            plain = written.lstrip("£ ").replace(",", "")
            reason = f"WEEKLY_COST '{written}' is read as {plain}: pounds, without the currency's formatting"
            self.warnings.append(Finding(self.row.ref, "warning", "WEEKLY_COST", written, "amount-format", reason))
        if not _AMOUNT.fullmatch(plain):
            negative = written.lstrip("£ ").startswith("-")
            why = "a weekly cost is 0 or more" if negative else "it is not an amount in pounds, such as 1250.50"
            self.reject("WEEKLY_COST", "amount", f"WEEKLY_COST '{written}' is not read: {why}")
            return None
        amount = Decimal(plain)
        if places(amount) > 2 or amount >= _MOST_POUNDS:
            why = "more than two decimal places (pence)" if places(amount) > 2 else "too large for a weekly cost"
            self.reject("WEEKLY_COST", "amount", f"WEEKLY_COST '{written}' is not read: {why}")
            return None
        return amount

    def funding(self) -> tuple[Decimal, Decimal, Decimal] | None:
        """The three shares of 1. A row's figures are percentages when any is written with % or when they sum
        to 100, shares of 1 otherwise: figures summing to 1 cannot sum to 100, so the two never meet. A blank
        is 0; all three blank, social care pays the whole cost, as the API's default."""
        written = [self.row.get(column) for column in FUNDING_COLUMNS]
        if not any(written):
            return _ALL_SOCIAL_CARE
        matched = [_SHARE.fullmatch(text) if text else None for text in written]
        unread = [
            (column, text)
            for column, text, match in zip(FUNDING_COLUMNS, written, matched, strict=True)
            if text and match is None
        ]
        for column, text in unread:
            reason = f"{column} '{text}' is not a share such as 0.25 or a percentage such as 25%"
            self.reject(column, "share", reason)
        if unread:
            return None
        figures = [Decimal(match[1]) if match else Decimal(0) for match in matched]
        as_percentages = any(match and match[3] for match in matched) or sum(figures) == 100
        social_care, health, education = (figure / 100 if as_percentages else figure for figure in figures)
        fault = sum_fault(social_care, health, education)
        # One finding for the three columns (a column name of its own would not fit the report's column).
        columns, values = "FUNDING_*", "+".join(text or "0" for text in written)
        if fault:
            form = "percentages" if as_percentages else "shares"
            reason = f"{fault} (or 100 as percentages): read as {form} these sum to {sum(figures)}"
            self.reject(columns, "shares-sum", reason, values)
            return None
        if any(places(share.normalize()) > SHARE_PLACES for share in (social_care, health, education)):
            reason = "funding is kept to a thousandth (0.001, or 0.1%): give the shares no more precisely"
            self.reject(columns, "share", reason, values)
            return None
        return social_care, health, education

    def findings(self) -> list[Finding]:
        return self.rejections or self.warnings


def check_cost(row: RawRow) -> tuple[CostRecord | None, list[Finding]]:
    check = _CostRow(row)
    child = check.required("CHILD")
    placement, start = row.get("PLACEMENT_ID"), None
    decom = row.get("DECOM")
    if decom:
        start = parse_date(decom)
        if start is None:
            check.reject("DECOM", "date", f"DECOM '{decom}' is not a date as dd/mm/yyyy or yyyy-mm-dd")
    elif not placement:
        reason = "DECOM and PLACEMENT_ID are both blank: one of them names the placement"
        check.reject("DECOM", "missing", reason)
    cost = check.weekly_cost()
    funding = check.funding()
    provider = check.required("PROVIDER")
    named = placement or (episode_id(child, start) if start else None)
    if check.rejections or cost is None or funding is None or named is None:
        return None, check.findings()
    return CostRecord(child, named, start, cost, *funding, provider, row.ref), check.findings()


def read_costs(files: Sequence[tuple[str, BinaryIO]], tick: Tick = no_tick) -> ParsedCosts:
    """Read a council's placement costs files (CSV, UTF-8 or Windows-1252). FileRejected refuses a whole file;
    everything else is a finding. A placement named twice keeps its first row."""
    records, findings, rows_read = read_rows(
        files, recognise, check_cost, lambda each: (each.child_id, each.placement_id), "the placement", tick
    )
    return ParsedCosts(records, findings, rows_read)
