"""Files of one record a row beside the return (a placement costs file, an assessments file): each row checked on
its own, then repeats of one record's key weighed against each other."""

from collections.abc import Callable, Hashable, Sequence
from typing import BinaryIO

from shared.ssda903_files.cross_row_checks import Record, without_repeats
from shared.ssda903_files.csv_form import read_csv
from shared.ssda903_files.progress import Tick, no_tick, ticking
from shared.ssda903_files.records import Finding, RawRow


def read_rows(
    files: Sequence[tuple[str, BinaryIO]],
    recognise: Callable[[str, Sequence[str]], str],
    check: Callable[[RawRow], tuple[Record | None, list[Finding]]],
    key: Callable[[Record], Hashable],
    what: str,
    tick: Tick = no_tick,
) -> tuple[list[Record], list[Finding], dict[str, int]]:
    """(records, findings in file then row order, data rows read per file). FileRejected refuses a whole file;
    a record whose key repeats keeps its first row. `tick` is told how far it has got."""
    findings: list[Finding] = []
    read: list[RawRow] = []
    rows_read: dict[str, int] = {}
    for done, (file, stream) in enumerate(files):
        tick("reading", done, len(files))
        _table, rows, refused = read_csv(file, stream.read(), recognise)
        findings += refused
        rows_read[file] = len(rows) + len(refused)
        read += rows
    tick("reading", len(files), len(files))
    accepted: list[Record] = []
    for row in ticking(read, tick, 0, len(read)):
        record, found = check(row)
        findings += found
        if record is not None:
            accepted.append(record)
    records, repeats = without_repeats(accepted, key, what)
    findings += repeats
    order = {file: index for index, (file, _stream) in enumerate(files)}
    findings.sort(key=lambda finding: (order[finding.ref.file], finding.ref.row))
    return records, findings, rows_read
