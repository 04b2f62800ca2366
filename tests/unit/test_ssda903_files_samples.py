"""The SSDA903 reader on the synthetic returns in shared/data/ssda903, each quirk its README lists met by a
specific finding. Counts are derived with the csv module where a rule allows it."""

import csv
import io
import re
from dataclasses import fields
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from shared.ssda903 import collection_year_of
from shared.ssda903_files import EpisodeRecord, ParsedReturn, read_return
from tests.unit.ssda903_files_builders import file, rules

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "data" / "ssda903"
VALIDATOR = [f"csc-validator-be-903__{name}.csv" for name in ("header", "episodes", "uasc", "oc2")]
DEMAND = ["cs-demand-model__2021-header.csv", "cs-demand-model__2021-episodes.csv"]
LIIA = "liiatools__SSDA903_2020_episodes.csv"


def read(*names: str) -> ParsedReturn:
    return read_return([(name, io.BytesIO((REFERENCE / name).read_bytes())) for name in names])


def rows(name: str) -> list[dict[str, str]]:
    with (REFERENCE / name).open(newline="") as text:
        return list(csv.DictReader(text))


def counted(parsed: ParsedReturn, severity: str, rule: str, column: str | None) -> int:
    return sum(1 for f in parsed.findings if (f.severity, f.rule, f.column) == (severity, rule, column))


def ended(row: dict[str, str]) -> int:
    return collection_year_of(datetime.strptime(row["DEC"], "%d/%m/%Y").date())


def open_with(name: str, column: str) -> int:
    return sum(1 for row in rows(name) if not row["DEC"] and row[column])


def test_csc_validator_csvs() -> None:
    parsed = read(*VALIDATOR)
    episodes = VALIDATOR[1]
    assert parsed.year == 2018
    assert parsed.rows_read == {name: len(rows(name)) for name in VALIDATOR}
    assert len(parsed.children) == len(rows(VALIDATOR[0])) == 2675
    assert sum(child.uasc for child in parsed.children) == len(rows(VALIDATOR[2])) == 132
    # DfE rule 148: open episodes carrying REC (1,413) or REASON_PLACE_CHANGE (777), kept open without them.
    assert counted(parsed, "warning", "dfe-148", "REC") == open_with(episodes, "REC") == 1413
    assert counted(parsed, "warning", "dfe-148", "REASON_PLACE_CHANGE") == open_with(episodes, "REASON_PLACE_CHANGE")
    # Episodes that ended before 2018-19 with the codes it brought (CUSTOD, E45-E48).
    too_early = {"REC": {"E45", "E46", "E47", "E48"}, "REASON_PLACE_CHANGE": {"CUSTOD"}}
    for column, codes in too_early.items():
        early = sum(1 for row in rows(episodes) if row[column] in codes and row["DEC"] and ended(row) < 2018)
        assert counted(parsed, "rejected", "code-list", column) == early
    assert counted(parsed, "rejected", "code-list", "REC") == 157
    assert counted(parsed, "rejected", "code-list", "REASON_PLACE_CHANGE") == 162
    # The file's episodes are random draws per child, so some overlap: 59 later-starting ones are rejected.
    assert counted(parsed, "rejected", "overlap", "DECOM") == 59
    assert len(parsed.findings) == 1 + 1413 + 777 + 157 + 162 + 59
    # Rows with a code error can also overlap; 4,672 of the 5,050 episodes are stored.
    assert len(parsed.episodes) == 4672
    mother = next(number for number, row in enumerate(rows(VALIDATOR[0]), start=2) if row["MOTHER"] == "1.0")
    assert rules(parsed)[0] == (VALIDATOR[0], mother, "warning", "MOTHER", "whole-number")
    assert (episodes, 3, "warning", "REC", "dfe-148") in rules(parsed)


def test_sex_1_2_stored_as_m_f_and_every_old_place_code_accepted() -> None:
    parsed = read(*VALIDATOR)
    assert {child.sex for child in parsed.children} == {"M", "F"}
    assert not any(f.column == "PLACE" for f in parsed.findings)
    written = {row["PLACE"] for row in rows(VALIDATOR[1])}
    assert {"T0", "T1", "T2", "T3", "T4", "Z1"} <= written
    assert {episode.place for episode in parsed.episodes} == written
    # UPNs (some breaking the DfE pattern) and names are never read into a record or a finding.
    assert "upn" not in {field.name for field in fields(EpisodeRecord)}
    assert not any(f.column == "UPN" for f in parsed.findings)


def test_cs_demand_model_csvs() -> None:
    parsed = read(*DEMAND)
    assert parsed.year == 2021
    assert (len(parsed.children), len(parsed.episodes)) == (144, 253 - 2)
    assert counted(parsed, "warning", "dfe-148", "REC") == open_with(DEMAND[1], "REC") == 62
    assert counted(parsed, "warning", "dfe-148", "REASON_PLACE_CHANGE") == open_with(DEMAND[1], "REASON_PLACE_CHANGE")
    assert counted(parsed, "rejected", "overlap", "DECOM") == 2
    assert len(parsed.findings) == 62 + 25 + 2


def test_liiatools_episodes_out_of_date_order() -> None:
    # The sample has no header table: these two rows stand for it.
    children = file("header.csv", "CHILD,SEX,DOB,ETHNIC\n689661,1,01/01/2005,WBRI\n249901,2,01/01/2006,WBRI\n")
    episodes = (LIIA, io.BytesIO((REFERENCE / LIIA).read_bytes()))
    parsed = read_return([children, episodes])
    # 689661's row 2 (11/12/2018) comes before row 3 (02/12/2018) and overlaps it: row 2 starts later.
    assert rules(parsed) == [(LIIA, 2, "rejected", "DECOM", "overlap")]
    assert [ref.row for ref in parsed.findings[0].conflicts_with] == [3]
    assert [episode.ref.row for episode in parsed.episodes] == [3, 4, 5, 6]
    alone = read(LIIA)
    assert [f.rule for f in alone.findings] == ["missing-child"] * 5


def test_csc_validator_xml() -> None:
    parsed = read("csc-validator-be-903__fake_903.xml")
    text = (REFERENCE / "csc-validator-be-903__fake_903.xml").read_text()
    assert parsed.year == 2018
    assert len(parsed.children) == text.count("<CHILD>") == 253
    assert parsed.rows_read == {"csc-validator-be-903__fake_903.xml": text.count("<HEADER>") + text.count("<EPISODE>")}
    assert sum(child.uasc for child in parsed.children) == text.count("<UASC>1</UASC>") == 12
    assert len(parsed.episodes) == 428
    assert (
        counted(parsed, "warning", "dfe-148", "REC"),
        counted(parsed, "warning", "dfe-148", "REASON_PLACE_CHANGE"),
    ) == (133, 79)
    assert (
        counted(parsed, "rejected", "code-list", "REC"),
        counted(parsed, "rejected", "code-list", "REASON_PLACE_CHANGE"),
    ) == (13, 12)
    assert counted(parsed, "rejected", "overlap", "DECOM") == 6
    # One care leaver's OC3 ACTIV is P3, not a code of the list (F1, P1, F2, P2, F4, P4, F5, P5, G4, G5, G6, 0).
    assert counted(parsed, "rejected", "outcome-measure", "ACTIV") == text.count("<ACTIV>P3</ACTIV>") == 1
    assert len(parsed.findings) == 133 + 79 + 13 + 12 + 6 + 1
    # The file is written on one line after its declaration: each row is its record's place among the HEADER and
    # EPISODE elements instead of its line, so no two records share a row.
    places = [match.group() for match in re.finditer(r"<HEADER>|<EPISODE>", text)]
    rows = [child.ref.row for child in parsed.children] + [episode.ref.row for episode in parsed.episodes]
    assert len(set(rows)) == len(rows) and max(rows) <= len(places)
    assert all(places[child.ref.row - 1] == "<HEADER>" for child in parsed.children)
    assert all(places[episode.ref.row - 1] == "<EPISODE>" for episode in parsed.episodes)


def values_of(parsed: ParsedReturn, code: str) -> dict[str, Decimal]:
    return {m.child_id: m.value for m in parsed.measures if m.code == code}


def test_the_oc2_table_gives_sdq_scores_and_convictions() -> None:
    parsed = read(*VALIDATOR)
    assert VALIDATOR[3] == "csc-validator-be-903__oc2.csv"
    oc2 = rows(VALIDATOR[3])
    scored = {row["CHILD"]: Decimal(row["SDQ_SCORE"]) for row in oc2 if row["SDQ_SCORE"].strip()}
    assert values_of(parsed, "sdq_total") == scored and len(scored) == 1321
    assert values_of(parsed, "offences") == {row["CHILD"]: Decimal(row["CONVICTED"]) for row in oc2}
    assert sum(values_of(parsed, "offences").values()) == 1306
    assert not any(f.rule == "outcome-measure" for f in parsed.findings)
    # Without the OC2 table, no measure of it.
    assert not read(*VALIDATOR[:3]).measures


def test_the_xml_gives_sdq_convictions_missing_episodes_and_neet() -> None:
    parsed = read("csc-validator-be-903__fake_903.xml")
    text = (REFERENCE / "csc-validator-be-903__fake_903.xml").read_text()
    assert len(values_of(parsed, "sdq_total")) == text.count("<SDQ_SCORE>") == 122
    assert sum(values_of(parsed, "offences").values()) == text.count("<CONVICTED>1</CONVICTED>")
    missing = values_of(parsed, "missing_episodes")
    # Four MISSING M and two A (away without authorisation, not counted); every other child had none.
    assert len(missing) == 253 and sum(missing.values()) == text.count("<MISSING>M</MISSING>") == 4
    neet = values_of(parsed, "neet")
    # ACTIV F1, F2, F2 and P2 are in education, employment or training; G6 is not; P3 is no code.
    assert sorted(neet.values()) == [0, 0, 0, 0, 1]
