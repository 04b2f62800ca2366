"""The outcome measures of an SSDA903 return (ssda903_files/outcome_rows.py) merged into the council's, in the
caller's transaction after its children: each the value of a measure code for the child over the collection
year (from the child's birth, for a child born in it), under the id 903:CODE:CHILD:YEAR, so that the same year
loaded again changes nothing, or amends a value that changed. A value outside the council's own definition of
its code (a council may narrow a shipped code's range) is rejected, as the API would refuse it."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from shared.domain.measure_codes import value_problem
from shared.models import MeasureCode
from shared.ssda903 import year_label
from shared.ssda903_files import Finding, ParsedReturn, RowRef
from shared.ssda903_files.outcome_rows import COLUMN_OF

STAGING = """
CREATE TEMPORARY TABLE stage_return_measures (
    child_id text, external_id text, code text, value numeric, period_start date, file text, row int
) ON COMMIT DROP
"""

# A child, code and period hold one value: where the API stored one under its own id, it stands and the return's
# is not stored (the case-management system's record is the live one).
REJECT_HELD = """
DELETE FROM stage_return_measures s
USING children c, outcome_measures m
WHERE c.la_id = $1 AND c.child_id = s.child_id AND m.child_pk = c.id AND m.code = s.code
  AND m.period_start = s.period_start AND m.period_end = $2 AND m.external_id <> s.external_id
RETURNING s.file, s.row, s.code, m.external_id
"""

MERGE = """
INSERT INTO outcome_measures (id, la_id, child_pk, external_id, code, value, period_start, period_end, source, version)
SELECT gen_random_uuid(), $1, c.id, s.external_id, s.code, s.value, s.period_start, $2, 'ssda903', 1
FROM stage_return_measures s
JOIN children c ON c.la_id = $1 AND c.child_id = s.child_id
ORDER BY s.external_id
ON CONFLICT (la_id, external_id) DO UPDATE
SET value = EXCLUDED.value, version = outcome_measures.version + 1, updated_at = now()
WHERE outcome_measures.value IS DISTINCT FROM EXCLUDED.value
RETURNING id, child_pk, version, value, xmax = 0 AS created
"""

SOURCE = "ssda903"


@dataclass(frozen=True, slots=True)
class MergedMeasures:
    created: int
    updated: int
    findings: list[Finding]  # measures not stored, as another is held for the child, code and year
    children: set[uuid.UUID]  # whose measures changed: their outcome figures follow


def year_of(year: int) -> tuple[date, date]:
    return date(year, 4, 1), date(year + 1, 3, 31)


def outside_codes(parsed: ParsedReturn, codes: Mapping[str, MeasureCode]) -> list[Finding]:
    """A rejection for each measure whose value the council's definition of its code does not allow."""
    findings = []
    for m in parsed.measures:
        problem = value_problem(codes[m.code], m.value)
        if problem is not None:
            column = COLUMN_OF[m.code]
            reason = f"{column} gives {m.code} {m.value.normalize():f}, which {problem} as the council defines it"
            written = f"{m.value.normalize():f}"
            findings.append(Finding(m.ref, "rejected", column, written, "measure-code", f"{reason}; not stored"))
    return findings


async def merge_measures(apg: Any, la_id: uuid.UUID, parsed: ParsedReturn, refused: list[Finding]) -> MergedMeasures:
    """The return's measures but those `outside_codes` refused (reported by the caller)."""
    rejected = {(f.ref.file, f.ref.row, f.column) for f in refused}
    measures = [m for m in parsed.measures if (m.ref.file, m.ref.row, COLUMN_OF[m.code]) not in rejected]
    if not measures:
        return MergedMeasures(0, 0, [], set())
    start, end = year_of(parsed.year)
    born = {child.child_id: child.date_of_birth for child in parsed.children}
    await apg.execute(STAGING)
    await apg.copy_records_to_table(
        "stage_return_measures",
        records=[
            (
                m.child_id,
                f"903:{m.code}:{m.child_id}:{parsed.year}",
                m.code,
                m.value,
                max(start, born.get(m.child_id, start)),
                m.ref.file,
                m.ref.row,
            )
            for m in measures
        ],
    )
    await apg.execute("ANALYZE stage_return_measures")
    held = sorted(await apg.fetch(REJECT_HELD, la_id, end), key=lambda row: (row["file"], row["row"]))
    findings = [
        Finding(
            RowRef(row["file"], row["row"]),
            "warning",
            None,
            None,
            "measure-held",
            f"the child's {row['code']} for {year_label(parsed.year)} is recorded already, through the API as "
            f"measure '{row['external_id']}', which stands; the return's value is not stored",
        )
        for row in held
    ]
    written = await apg.fetch(MERGE, la_id, end)
    await apg.copy_records_to_table(
        "outcome_measure_versions",
        records=[(row["id"], row["version"], row["value"], SOURCE) for row in written],
        columns=["measure_id", "version", "value", "source"],
    )
    created = sum(row["created"] for row in written)
    return MergedMeasures(created, len(written) - created, findings, {row["child_pk"] for row in written})
