"""The outcome measures an SSDA903 return holds (issue 16), each the value of one shipped measure code for the
return's collection year: OC2's SDQ_SCORE (sdq_total) and CONVICTED (offences: 1 if convicted in the year), the
missing table's episodes of going missing (missing_episodes: its rows with MISSING 'M'; 'A', away from placement
without authorisation, is not going missing), and OC3's ACTIV for care leavers (neet: 1 for the G codes, 0 for
the F and P codes, nothing for 0, no information).

A child the missing table is given for but that has no row in it had no episode: 0, so that a fall to none is
seen; without the table, nothing is said of missing episodes."""

from collections import Counter
from collections.abc import Sequence
from decimal import Decimal

from shared.ssda903_files.cross_row_checks import without_repeats
from shared.ssda903_files.records import ChildRecord, Finding, MeasureRecord, RawRow
from shared.ssda903_files.tables import MISSING, OC2, OC3
from shared.ssda903_files.values import whole_number

SDQ_RANGE = range(0, 41)
# The column each measure code is read from, which a finding about its value names.
COLUMN_OF = {"sdq_total": "SDQ_SCORE", "offences": "CONVICTED", "missing_episodes": "MISSING", "neet": "ACTIV"}
IN_EDUCATION_EMPLOYMENT_OR_TRAINING = frozenset({"F1", "P1", "F2", "P2", "F4", "P4", "F5", "P5"})
NOT_IN_EDUCATION_EMPLOYMENT_OR_TRAINING = frozenset({"G4", "G5", "G6"})
NO_INFORMATION = "0"
MISSING_CODES = {"M": True, "A": False}  # counted as going missing


def number(written: str | None) -> int | None:
    """A whole number as written ('21', or '21.0' as a spreadsheet saves it); None for anything else."""
    if written is None:
        return None
    text = whole_number(written) or written
    return int(text) if text.isdigit() else None


def rejected(row: RawRow, column: str, reason: str) -> Finding:
    return Finding(row.ref, "rejected", column, row.get(column), "outcome-measure", reason)


def oc2_measures(row: RawRow) -> tuple[list[MeasureRecord], list[Finding]]:
    child, measures, findings = row.get("CHILD") or "", [], []
    if (written := row.get("SDQ_SCORE")) is not None:
        score = number(written)
        if score is None or score not in SDQ_RANGE:
            findings.append(
                rejected(row, "SDQ_SCORE", f"SDQ_SCORE '{written}' is not a score from 0 to 40; not stored")
            )
        else:
            measures.append(MeasureRecord(child, "sdq_total", Decimal(score), row.ref))
    if (written := row.get("CONVICTED")) is not None:
        convicted = number(written)
        if convicted not in (0, 1):
            findings.append(rejected(row, "CONVICTED", f"CONVICTED '{written}' is not 0 or 1; not stored"))
        else:
            measures.append(MeasureRecord(child, "offences", Decimal(convicted), row.ref))
    return measures, findings


def oc3_measures(row: RawRow) -> tuple[list[MeasureRecord], list[Finding]]:
    child, activity = row.get("CHILD") or "", row.get("ACTIV")
    if activity in (None, NO_INFORMATION):
        return [], []
    if activity in NOT_IN_EDUCATION_EMPLOYMENT_OR_TRAINING:
        return [MeasureRecord(child, "neet", Decimal(1), row.ref)], []
    if activity in IN_EDUCATION_EMPLOYMENT_OR_TRAINING:
        return [MeasureRecord(child, "neet", Decimal(0), row.ref)], []
    return [], [rejected(row, "ACTIV", f"ACTIV '{activity}' is not an OC3 activity code; not stored")]


def missing_measures(
    rows: Sequence[RawRow], children: Sequence[ChildRecord]
) -> tuple[list[MeasureRecord], list[Finding]]:
    """Each stored child's episodes of going missing in the year: one row each, 0 without a row."""
    findings = [
        rejected(row, "MISSING", f"MISSING '{row.get('MISSING')}' is not M (missing) or A (away); not counted")
        for row in rows
        if row.get("MISSING") not in MISSING_CODES
    ]
    episodes = Counter(row.get("CHILD") for row in rows if MISSING_CODES.get(row.get("MISSING") or ""))
    return [
        MeasureRecord(c.child_id, "missing_episodes", Decimal(episodes[c.child_id]), c.ref) for c in children
    ], findings


def return_measures(
    outcomes: dict[str, list[RawRow]], children: Sequence[ChildRecord], stored: set[str]
) -> tuple[list[MeasureRecord], list[Finding]]:
    """The measures of the stored children, and a finding for each value not stored; rows of children not
    stored are the caller's to report."""
    measures, findings = [], []
    for read in (oc2_measures, oc3_measures):
        for row in outcomes.get(OC2 if read is oc2_measures else OC3, []):
            found, faults = read(row)
            measures += [m for m in found if m.child_id in stored]
            findings += faults
    if MISSING in outcomes:
        rows = outcomes[MISSING]
        found, faults = missing_measures([row for row in rows if row.get("CHILD") in stored], children)
        measures += found
        findings += faults
    unique, repeats = without_repeats(measures, lambda m: (m.child_id, m.code), "the child's measure")
    return unique, findings + repeats
