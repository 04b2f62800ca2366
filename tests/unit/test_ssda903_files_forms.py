"""The SSDA903 reader's file forms: encodings, CSV header rows, truncated rows, and XML (the same records as the
CSV form of the same return, and no DTD)."""

import io
from dataclasses import astuple
from pathlib import Path

import pytest

from shared.ssda903_files import FileRejected, ParsedReturn, read_return
from tests.unit.ssda903_files_builders import EPISODE_COLUMNS, HEADER_COLUMNS, file

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ssda903"
EPISODE = "A1,01/06/2023,S,C2,N1,U4,PR1,,,,,,"


def from_fixtures(*names: str) -> ParsedReturn:
    return read_return([(name, io.BytesIO((FIXTURES / name).read_bytes())) for name in names])


def refusal(name: str, data: bytes) -> str:
    with pytest.raises(FileRejected) as refused:
        read_return([(name, io.BytesIO(data)), file("episodes.csv", f"{EPISODE_COLUMNS}\n{EPISODE}\n")])
    assert refused.value.file == name
    return refused.value.reason


def header(text: str, encoding: str = "utf-8") -> ParsedReturn:
    return read_return([file("h.csv", text, encoding), file("e.csv", f"{EPISODE_COLUMNS}\n{EPISODE}\n")])


def test_the_xml_and_csv_forms_of_one_return_give_the_same_records() -> None:
    csv_form = from_fixtures("header.csv", "episodes.csv", "uasc.csv")
    xml_form = from_fixtures("return.xml")
    assert (len(csv_form.children), len(csv_form.episodes), len(csv_form.findings)) == (3, 4, 4)
    for field in ("children", "episodes"):
        assert [astuple(r)[:-1] for r in getattr(csv_form, field)] == [
            astuple(r)[:-1] for r in getattr(xml_form, field)
        ]
    assert sorted(astuple(f)[1:] for f in csv_form.findings) == sorted(astuple(f)[1:] for f in xml_form.findings)
    assert [child.uasc for child in xml_form.children] == [False, False, True]


def test_xml_rows_point_at_the_line_of_their_element() -> None:
    lines = (FIXTURES / "return.xml").read_text().splitlines()
    parsed = from_fixtures("return.xml")
    assert [lines[e.ref.row - 1].strip() for e in parsed.episodes] == ["<EPISODE>"] * 4
    assert [lines[c.ref.row - 1].strip() for c in parsed.children] == ["<HEADER>"] * 3


@pytest.mark.parametrize(
    "prologue",
    [
        '<!DOCTYPE EXPSSDA903 [<!ENTITY a "aaaa">]>',
        '<!DOCTYPE EXPSSDA903 SYSTEM "http://example.org/x.dtd">',
    ],
)
def test_xml_declaring_a_dtd_or_entities_is_refused(prologue: str) -> None:
    data = f'<?xml version="1.0"?>\n{prologue}\n<EXPSSDA903></EXPSSDA903>'.encode()
    assert refusal("r.xml", data) == "the file declares a DTD or entities, which the service never reads"


def test_a_bom_and_windows_1252_are_read() -> None:
    with_bom = header(f"\ufeff{HEADER_COLUMNS}\nA1,1,01/01/2010,WBRI,,,\n")
    assert [child.child_id for child in with_bom.children] == ["A1"]
    excel = header(f"{HEADER_COLUMNS},NOTE\nA1,1,01/01/2010,WBRI,,,,café\n", "cp1252")
    assert [child.child_id for child in excel.children] == ["A1"]


def test_bytes_that_are_no_text_refuse_the_file_naming_where() -> None:
    data = f"{HEADER_COLUMNS}\nA1,1,01/01/2010,WBRI,,,\x81\n".encode("latin-1")
    assert refusal("h.csv", data).startswith(f"byte {len(data) - 2} (line 2) is neither UTF-8 nor Windows-1252")


def test_header_rows_missing_columns_unknown_or_empty_refuse_the_file() -> None:
    assert refusal("h.csv", b"CHILD,SEX,DOB,UPN\nA1,1,01/01/2010,\n").endswith("lacks ETHNIC")
    assert "not that of an SSDA903 table" in refusal("h.csv", b"NAME,ADDRESS\nx,y\n")
    assert refusal("h.csv", b"\n") == "the file is empty"


def test_extra_columns_are_ignored_and_other_tables_only_counted() -> None:
    parsed = read_return(
        [
            file("h.csv", f"{HEADER_COLUMNS},FORENAME\nA1,1,01/01/2010,WBRI,,,,Sam\n"),
            file("e.csv", f"{EPISODE_COLUMNS}\n{EPISODE}\n"),
            file("r.csv", "CHILD,DOB,REVIEW,REVIEW_CODE\nA1,01/01/2010,01/05/2022,PN1\nB2,01/01/2009,01/06/2022,PN0\n"),
        ]
    )
    assert parsed.findings == [] and parsed.measures == []
    assert parsed.rows_read == {"h.csv": 1, "e.csv": 1, "r.csv": 2}


def test_an_outcome_tables_row_of_a_child_not_in_the_header_is_rejected() -> None:
    parsed = read_return(
        [
            file("h.csv", f"{HEADER_COLUMNS}\nA1,1,01/01/2010,WBRI,,,\n"),
            file("e.csv", f"{EPISODE_COLUMNS}\n{EPISODE}\n"),
            file("o.csv", "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\nA1,01/01/2010,YES,F1,S\nB2,01/01/2009,NO,G5,T\n"),
        ]
    )
    assert [(f.ref.file, f.ref.row, f.rule) for f in parsed.findings] == [("o.csv", 3, "missing-child")]
    assert [(m.child_id, m.code, m.value) for m in parsed.measures] == [("A1", "neet", 0)]


def test_a_truncated_row_is_rejected_alone() -> None:
    parsed = header(f"{HEADER_COLUMNS}\nB2,1,01/01/2010\nA1,1,01/01/2010,WBRI,,,\n")
    assert [(f.ref.row, f.rule, f.severity) for f in parsed.findings] == [(2, "truncated", "rejected")]
    assert [child.child_id for child in parsed.children] == ["A1"]
