"""CSV exports open in Excel: a text cell that starts like a formula must stay text."""

from datetime import UTC, datetime

from services.api.tabular import to_csv


def test_formula_like_text_is_quoted_and_numbers_stay_numbers() -> None:
    rows = [{"code": "=HYPERLINK(1)", "n": -3, "when": datetime(2026, 1, 2, tzinfo=UTC), "list": ["a", "b"], "x": None}]
    text = to_csv(("code", "n", "when", "list", "x"), rows)
    assert text.splitlines() == ["code,n,when,list,x", "'=HYPERLINK(1),-3,2026-01-02T00:00:00.000000Z,a;b,"]


def test_every_formula_prefix_is_neutralised() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        cell = to_csv(("c",), [{"c": f"{start}cmd"}]).split("\r\n")[1]
        assert cell.startswith("'") or cell.startswith("\"'"), repr(start)
