"""Format negotiation and the CSV an Excel user opens: one rule for every CSV-capable endpoint."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.api.tabular import TableFormat, instant, wants_csv


@pytest.mark.parametrize(
    ("accept", "csv"),
    [
        (None, False),
        ("", False),
        ("*/*", False),
        ("application/json", False),
        ("text/csv", True),
        ("text/csv;q=0.9, application/json", False),  # the case: JSON weighs more
        ("text/csv, application/json;q=0.5", True),
        ("application/json;q=0.5, text/csv", True),
        ("text/csv, application/json", True),  # equal weights: the one named first
        ("application/json, text/csv", False),
        ("text/csv, */*;q=0.1", True),
        ("application/json, */*", False),
        ("text/*, application/json;q=0.2", True),
        ("text/csv;q=0", False),  # refused outright
        ("text/csv;q=0, */*", False),  # the exact range wins over the wildcard that would allow it
        ("TEXT/CSV ; Q=0.8 , application/json;q=0.7", True),
        ("text/csv;q=oops, application/json;q=0.1", False),  # an unreadable weight is no preference
        ("text/html, application/xhtml+xml", False),
    ],
)
def test_accept_is_weighed_by_q(accept: str | None, csv: bool) -> None:
    assert wants_csv(None, accept) is csv


def test_the_format_query_wins_over_accept() -> None:
    assert wants_csv("csv", "application/json") is True
    assert wants_csv("json", "text/csv") is False


def test_one_timestamp_form_in_utc_with_microseconds() -> None:
    london_summer = timezone(timedelta(hours=1))
    assert instant(datetime(2026, 7, 1, 10, 30, tzinfo=london_summer)) == "2026-07-01T09:30:00.000000Z"
    assert instant(datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)) == "2026-01-02T03:04:05.000006Z"


def test_csv_is_an_attachment_named_for_its_table_with_an_optional_bom() -> None:
    plain = TableFormat(format="csv").csv_response(("a",), [{"a": "é"}], "needs-trends")
    assert plain.headers["content-disposition"] == 'attachment; filename="needs-trends.csv"'
    assert plain.body == "a\r\né\r\n".encode()
    with_bom = TableFormat(format="csv", bom=True).csv_response(("a",), [{"a": "é"}], 'statement-"X/Y"')
    assert with_bom.body.startswith(b"\xef\xbb\xbfa\r\n")
    assert with_bom.headers["content-disposition"] == 'attachment; filename="statement-_X_Y_.csv"'
