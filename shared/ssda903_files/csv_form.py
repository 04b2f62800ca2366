"""The CSV form of the return: one file per table, recognised by its header row (and of the files loaded beside
it, such as a council's placement costs, by a recogniser of their own)."""

import csv
import io
from collections.abc import Callable, Sequence

from shared.ssda903_files.decoding import decode
from shared.ssda903_files.records import Finding, RawRow, RowRef
from shared.ssda903_files.tables import recognise as recognise_table


def read_csv(
    file: str, data: bytes, recognise: Callable[[str, Sequence[str]], str] = recognise_table
) -> tuple[str, list[RawRow], list[Finding]]:
    """(table, rows, findings): the table `recognise` names by the header row (or FileRejected); rows keep the
    table's known columns, extra ones ignored; a row with fewer or more fields than the header is refused here,
    since its values cannot be told apart. Blank rows (a spreadsheet's
    trailing empty lines) are no data and are skipped."""
    reader = csv.reader(io.StringIO(decode(file, data), newline=""))
    columns = [name.strip() for name in next(reader, [])]
    table = recognise(file, columns)
    rows: list[RawRow] = []
    findings: list[Finding] = []
    # A spreadsheet numbers records, not physical lines, so a quoted line break stays one row.
    for number, fields in enumerate(reader, start=2):
        if not any(field.strip() for field in fields):
            continue
        ref = RowRef(file, number)
        if len(fields) != len(columns):
            rule, fewer_more = ("truncated", "fewer") if len(fields) < len(columns) else ("extra-fields", "more")
            reason = (
                f"the row has {len(fields)} fields, {fewer_more} than the {len(columns)} columns of the header row, "
                "so its values cannot be matched to their columns; the row is not stored"
            )
            findings.append(Finding(ref, "rejected", None, None, rule, reason))
            continue
        rows.append(RawRow(ref, {name: field.strip() or None for name, field in zip(columns, fields, strict=True)}))
    return table, rows, findings
