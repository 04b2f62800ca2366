"""The placement costs file's reader (shared/ssda903_files/costs.py): every rule a row can break on its own,
funding as shares or as percentages, repeats, the header row, and the encodings a council's export comes in."""

from datetime import date
from decimal import Decimal

import pytest

from shared.ssda903_files import FileRejected, Finding
from shared.ssda903_files.costs import read_costs
from shared.ssda903_files.records import CostRecord, ParsedCosts
from tests.unit.ssda903_files_builders import file

COLUMNS = "CHILD,DECOM,PLACEMENT_ID,WEEKLY_COST,FUNDING_SOCIAL_CARE,FUNDING_HEALTH,FUNDING_EDUCATION,PROVIDER"


def costs(*rows: str, encoding: str = "utf-8", columns: str = COLUMNS) -> ParsedCosts:
    return read_costs([file("costs.csv", "\n".join([columns, *rows]) + "\n", encoding)])


def one(row: str) -> CostRecord:
    parsed = costs(row)
    assert parsed.findings == [] and len(parsed.costs) == 1
    return parsed.costs[0]


def rejection(row: str) -> Finding:
    parsed = costs(row)
    assert parsed.costs == []
    (finding,) = [finding for finding in parsed.findings if finding.severity == "rejected"]
    return finding


def test_a_row_names_a_returns_episode_by_decom_or_a_placement_by_its_id() -> None:
    by_decom = one("A1,01/05/2022,,650,1,0,0,P1")
    assert (by_decom.placement_id, by_decom.start_date, by_decom.weekly_cost) == (
        "903:A1:2022-05-01",
        date(2022, 5, 1),
        Decimal(650),
    )
    assert one("A1,2022-05-01,,650,1,0,0,P1").placement_id == "903:A1:2022-05-01"
    by_id = one("A1,,LCS-77,820.5,1,0,0,P1")
    assert (by_id.placement_id, by_id.start_date, by_id.provider_id) == ("LCS-77", None, "P1")
    # Both given: the id names it, and the placement must start on DECOM (checked against what is stored).
    both = one("A1,01/05/2022,LCS-77,820.5,1,0,0,P1")
    assert (both.placement_id, both.start_date) == ("LCS-77", date(2022, 5, 1))


def test_funding_is_read_as_shares_or_as_percentages_by_what_the_row_sums_to() -> None:
    shares = one("A1,01/05/2022,,650,0.5,0.25,0.25,P1")
    assert (shares.social_care, shares.health, shares.education) == (Decimal("0.5"), Decimal("0.25"), Decimal("0.25"))
    percentages = one("A1,01/05/2022,,650,33.3,33.3,33.4,P1")
    assert (percentages.social_care, percentages.health, percentages.education) == (
        Decimal("0.333"),
        Decimal("0.333"),
        Decimal("0.334"),
    )
    signed = one("A1,01/05/2022,,650,50%,50%,0%,P1")
    assert (signed.social_care, signed.health) == (Decimal("0.5"), Decimal("0.5"))
    # 1 is a whole share, never 1%: figures summing to 1 cannot sum to 100.
    assert one("A1,01/05/2022,,650,0,0,1,P1").education == 1
    assert one("A1,01/05/2022,,650,,100,,P1").health == 1  # a blank share is 0
    defaulted = one("A1,01/05/2022,,650,,,,P1")  # all blank: social care pays, as the API's default
    assert (defaulted.social_care, defaulted.health, defaulted.education) == (1, 0, 0)


@pytest.mark.parametrize(
    ("row", "column", "rule"),
    [
        ("A1,01/05/2022,,650,0.5,0.3,0.1,P1", "FUNDING_*", "shares-sum"),
        ("A1,01/05/2022,,650,60,30,,P1", "FUNDING_*", "shares-sum"),
        ("A1,01/05/2022,,650,50%,0.5,,P1", "FUNDING_*", "shares-sum"),  # one % makes the row percentages
        ("A1,01/05/2022,,650,0.3333,0.3333,0.3334,P1", "FUNDING_*", "share"),  # finer than a thousandth
        ("A1,01/05/2022,,650,half,0.5,,P1", "FUNDING_SOCIAL_CARE", "share"),
        ("A1,01/05/2022,,650,-0.5,1.5,,P1", "FUNDING_SOCIAL_CARE", "share"),
        ("A1,01/05/2022,,about 650,1,0,0,P1", "WEEKLY_COST", "amount"),
        ("A1,01/05/2022,,-650,1,0,0,P1", "WEEKLY_COST", "amount"),
        ("A1,01/05/2022,,650.125,1,0,0,P1", "WEEKLY_COST", "amount"),
        ("A1,01/05/2022,,100000000,1,0,0,P1", "WEEKLY_COST", "amount"),
        ("A1,01/05/2022,,,1,0,0,P1", "WEEKLY_COST", "missing"),
        (",01/05/2022,,650,1,0,0,P1", "CHILD", "missing"),
        ("A1,01/05/2022,,650,1,0,0,", "PROVIDER", "missing"),
        ("A1,,,650,1,0,0,P1", "DECOM", "missing"),
        ("A1,31/02/2022,,650,1,0,0,P1", "DECOM", "date"),
    ],
)
def test_a_row_breaking_a_rule_is_rejected_naming_its_column_and_value(row: str, column: str, rule: str) -> None:
    finding = rejection(row)
    assert (finding.ref.row, finding.column, finding.rule) == (2, column, rule)
    assert finding.reason
    if column == "FUNDING_*":
        assert finding.value == "+".join(value or "0" for value in row.split(",")[4:7])
    else:
        assert finding.value == (dict(zip(COLUMNS.split(","), row.split(","), strict=True))[column] or None)


def test_shares_not_summing_say_the_rule_the_api_applies() -> None:
    assert rejection("A1,01/05/2022,,650,0.5,0.3,0.1,P1").reason.startswith(
        "social_care + health + education must be exactly 1"
    )


def test_a_cost_formatted_as_money_is_accepted_with_a_warning() -> None:
    parsed = costs('A1,01/05/2022,,"£1,250.50",1,0,0,P1', "A2,01/05/2022,,£800,1,0,0,P1")
    assert [cost.weekly_cost for cost in parsed.costs] == [Decimal("1250.50"), Decimal(800)]
    assert [(f.ref.row, f.severity, f.column, f.value, f.rule) for f in parsed.findings] == [
        (2, "warning", "WEEKLY_COST", "£1,250.50", "amount-format"),
        (3, "warning", "WEEKLY_COST", "£800", "amount-format"),
    ]


def test_a_placement_named_twice_keeps_the_first_row_and_rejects_the_second_naming_it() -> None:
    parsed = costs(
        "A1,01/05/2022,,650,1,0,0,P1",
        "A1,2022-05-01,,700,1,0,0,P1",  # the same episode, written another way, saying another cost
        "A1,01/05/2022,,650,1,0,0,P1",  # word for word: kept once, with a warning
    )
    assert [cost.weekly_cost for cost in parsed.costs] == [650]
    assert [(f.ref.row, f.severity, f.rule, f.conflicts_with) for f in parsed.findings] == [
        (3, "rejected", "duplicate", (parsed.costs[0].ref,)),
        (4, "warning", "duplicate", ()),
    ]


def test_valid_rows_are_kept_beside_rejected_ones_and_every_row_is_counted() -> None:
    parsed = costs("A1,01/05/2022,,650,1,0,0,P1", "A2,01/05/2022,,x,1,0,0,P1", "", "A3,01/05/2022,,700,,,,P2")
    assert [cost.child_id for cost in parsed.costs] == ["A1", "A3"]
    assert parsed.rows_read == {"costs.csv": 3}


def test_a_bom_windows_1252_and_extra_columns_are_read() -> None:
    with_bom = costs("A1,01/05/2022,,650,1,0,0,P1", columns=f"\ufeff{COLUMNS}")
    assert [cost.child_id for cost in with_bom.costs] == ["A1"]
    excel = costs("A1,01/05/2022,,£650,1,0,0,P1,café", columns=f"{COLUMNS},NOTE", encoding="cp1252")
    assert [cost.weekly_cost for cost in excel.costs] == [650]
    assert [finding.value for finding in excel.findings] == ["£650"]


@pytest.mark.parametrize(
    ("columns", "said"),
    [
        ("CHILD,DECOM,WEEKLY_COST", "lacks PROVIDER"),
        ("CHILD,WEEKLY_COST,PROVIDER", "lacks DECOM or PLACEMENT_ID"),
        ("CHILD,DECOM,DECOM,WEEKLY_COST,PROVIDER", "names DECOM more than once"),
    ],
)
def test_a_file_without_the_columns_it_needs_is_refused_whole(columns: str, said: str) -> None:
    with pytest.raises(FileRejected) as refused:
        costs("A1,01/05/2022,650,P1", columns=columns)
    assert refused.value.file == "costs.csv" and said in refused.value.reason


def test_an_empty_file_is_refused_whole() -> None:
    with pytest.raises(FileRejected, match="empty"):
        read_costs([file("costs.csv", "")])
