"""The assessments file's reader (shared/ssda903_files/assessments.py): every rule a row can break on its own,
levels by domain column, repeats, the header row, and the encodings a council's export comes in. What only the
instrument or the stored data can tell (a domain's scale, the API's codes, the child) is the merge's."""

from datetime import date

import pytest

from shared.ssda903_files import FileRejected, Finding
from shared.ssda903_files.assessments import read_assessments
from shared.ssda903_files.records import AssessmentRecord, ParsedAssessments
from tests.unit.ssda903_files_builders import file

COLUMNS = "CHILD,ASSESSMENT_ID,ASSESSED_ON,INSTRUMENT,CONTEXT,ASSESSOR_ROLE,safety,safety_strength,family"


def assessments(*rows: str, encoding: str = "utf-8", columns: str = COLUMNS) -> ParsedAssessments:
    return read_assessments([file("assessments.csv", "\n".join([columns, *rows]) + "\n", encoding)])


def one(row: str, columns: str = COLUMNS) -> AssessmentRecord:
    parsed = assessments(row, columns=columns)
    assert parsed.findings == [] and len(parsed.assessments) == 1
    return parsed.assessments[0]


def rejection(row: str, columns: str = COLUMNS) -> Finding:
    parsed = assessments(row, columns=columns)
    assert parsed.assessments == []
    (finding,) = [finding for finding in parsed.findings if finding.severity == "rejected"]
    return finding


def test_a_row_is_an_assessment_with_its_levels_by_domain_and_a_blank_domain_not_rated() -> None:
    record = one("A1,AS-1,01/05/2022,needs-v1,review,social_worker,2,3,")
    assert (record.child_id, record.external_id, record.assessed_on) == ("A1", "AS-1", date(2022, 5, 1))
    assert (record.instrument_code, record.instrument_version, record.status) == ("needs-v1", None, "final")
    assert (record.context, record.assessor_role) == ("review", "social_worker")
    assert (record.needs, record.strengths) == ({"safety": 2}, {"safety": 3})


def test_version_status_and_iso_dates_are_read() -> None:
    columns = f"{COLUMNS},INSTRUMENT_VERSION,STATUS"
    record = one("A1,AS-1,2022-05-01,needs-v1,review,iro,1,,0,2,draft", columns)
    assert (record.assessed_on, record.instrument_version, record.status) == (date(2022, 5, 1), 2, "draft")
    assert record.needs == {"safety": 1, "family": 0}


def test_a_level_a_spreadsheet_wrote_as_a_decimal_is_read_with_a_warning() -> None:
    parsed = assessments("A1,AS-1,01/05/2022,needs-v1,review,iro,2.0,,")
    assert parsed.assessments[0].needs == {"safety": 2}
    (warning,) = parsed.findings
    assert (warning.severity, warning.column, warning.value, warning.rule) == (
        "warning",
        "safety",
        "2.0",
        "whole-number",
    )
    assert "read as 2" in warning.reason


@pytest.mark.parametrize(
    ("row", "column", "rule"),
    [
        (",AS-1,01/05/2022,needs-v1,review,iro,1,,", "CHILD", "missing"),
        ("A1,,01/05/2022,needs-v1,review,iro,1,,", "ASSESSMENT_ID", "missing"),
        ("A1,AS-1,,needs-v1,review,iro,1,,", "ASSESSED_ON", "missing"),
        ("A1,AS-1,31/02/2022,needs-v1,review,iro,1,,", "ASSESSED_ON", "date"),
        ("A1,AS-1,01/05/2022,,review,iro,1,,", "INSTRUMENT", "missing"),
        ("A1,AS-1,01/05/2022,needs-v1,review,iro,high,,", "safety", "number"),
        ("A1,AS-1,01/05/2022,needs-v1,review,iro,1,2.5,", "safety_strength", "number"),
    ],
)
def test_each_rule_a_row_breaks_on_its_own_rejects_it_naming_the_column(row: str, column: str, rule: str) -> None:
    finding = rejection(row)
    assert (finding.column, finding.rule, finding.ref.row) == (column, rule, 2)
    assert finding.reason.startswith(column)


def test_a_bad_instrument_version_is_rejected() -> None:
    finding = rejection("A1,AS-1,01/05/2022,needs-v1,review,iro,1,,,v2", f"{COLUMNS},INSTRUMENT_VERSION")
    assert (finding.column, finding.value, finding.rule) == ("INSTRUMENT_VERSION", "v2", "number")


def test_an_assessment_id_given_twice_keeps_its_first_row() -> None:
    same = "A1,AS-1,01/05/2022,needs-v1,review,iro,1,,"
    parsed = assessments(same, same, "A1,AS-1,01/05/2022,needs-v1,review,iro,3,,")
    assert len(parsed.assessments) == 1
    assert [(f.ref.row, f.severity, f.rule) for f in parsed.findings] == [
        (3, "warning", "duplicate"),
        (4, "rejected", "duplicate"),
    ]


def test_a_header_row_without_a_required_column_refuses_the_file() -> None:
    with pytest.raises(FileRejected, match="lacks CONTEXT, ASSESSOR_ROLE"):
        assessments("A1,AS-1,01/05/2022,needs-v1,1", columns="CHILD,ASSESSMENT_ID,ASSESSED_ON,INSTRUMENT,safety")
    with pytest.raises(FileRejected, match="safety more than once"):
        assessments("A1,AS-1,01/05/2022,needs-v1,review,iro,1,,,2", columns=f"{COLUMNS},safety")


def test_a_bom_windows_1252_and_a_short_row_are_read_as_the_other_files_are() -> None:
    with_bom = assessments("A1,AS-1,01/05/2022,needs-v1,review,iro,1,,", columns=f"\ufeff{COLUMNS}")
    assert [record.child_id for record in with_bom.assessments] == ["A1"]
    excel = assessments("Aé,AS-1,01/05/2022,needs-v1,review,iro,1,,", encoding="cp1252")
    assert [record.child_id for record in excel.assessments] == ["Aé"]
    short = assessments("A1,AS-1,01/05/2022")
    assert [(f.rule, f.ref.row) for f in short.findings] == [("truncated", 2)]
