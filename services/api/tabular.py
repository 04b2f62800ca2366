"""How every table the API serves as JSON or CSV is negotiated and written: one choice of format (the
`format` query, else the Accept header's preference), one timestamp form in both, and CSV an Excel user
can open as is (a file name, an optional byte-order mark, no formula in a text cell)."""

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import Depends, Header, Query, Response

from services.api.types import built_in_loop

CSV_TYPE, JSON_TYPE = "text/csv", "application/json"
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {CSV_TYPE: {"schema": {"type": "string", "description": "The rows as CSV, header first"}}},
        "headers": {
            "Content-Disposition": {"description": "CSV only: attachment; filename=…", "schema": {"type": "string"}}
        },
    }
}


def instant(value: datetime) -> str:
    """Every timestamp, in JSON and CSV alike: UTC with microseconds, e.g. 2026-01-02T09:30:00.000000Z, so a BI
    tool parses one form whatever the feed or the format."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def plain(value: Any) -> Any:
    """A cell as JSON and CSV carry it: a timestamp as `instant`, anything else as it is."""
    return instant(value) if isinstance(value, datetime) else value


def preference(accept: str, media_type: str) -> tuple[float, int, int]:
    """How much an Accept header wants the type: the q of the most specific range matching it (exact, then
    type/*, then */*), that range's specificity, and its place (earlier is preferred on a tie)."""
    kind = media_type.split("/")[0]
    best = (0.0, -1, 0)
    for place, part in enumerate(accept.split(",")):
        media_range, *parameters = (piece.strip() for piece in part.split(";"))
        specificity = {media_type: 2, f"{kind}/*": 1, "*/*": 0}.get(media_range.lower())
        if specificity is None or specificity < best[1]:
            continue
        q = 1.0
        for parameter in parameters:
            name, _, number = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(number), 0.0), 1.0)
                except ValueError:
                    q = 0.0  # a range with an unreadable weight is not a preference
        if specificity > best[1]:
            best = (q, specificity, -place)
    return best


def wants_csv(format_: str | None, accept: str | None) -> bool:
    """`format` decides when given; else CSV only when the Accept header prefers it to JSON: a higher q, or the
    same q named more specifically or earlier. No header, or `*/*`, is JSON."""
    if format_ is not None:
        return format_ == "csv"
    if not accept:
        return False
    csv_wanted = preference(accept, CSV_TYPE)
    return csv_wanted[0] > 0 and csv_wanted > preference(accept, JSON_TYPE)


@dataclass
class TableFormat:
    """The query and header a CSV-capable endpoint takes to choose and shape its format."""

    format: Annotated[
        Literal["json", "csv"] | None,
        Query(description="json or csv; wins over Accept (which may weigh text/csv against application/json by q)"),
    ] = None
    bom: Annotated[
        bool, Query(description="CSV only: start with a UTF-8 byte-order mark, so Excel reads accents right")
    ] = False
    accept: Annotated[str | None, Header(include_in_schema=False)] = None

    @property
    def csv(self) -> bool:
        return wants_csv(self.format, self.accept)

    def csv_response(
        self, columns: Sequence[str], rows: Sequence[Mapping[str, Any]], filename: str, headers: Mapping[str, str] = {}
    ) -> Response:
        text = ("\ufeff" if self.bom else "") + to_csv(columns, rows)
        disposition = {"Content-Disposition": f'attachment; filename="{safe_filename(filename)}.csv"'}
        return Response(text, media_type="text/csv; charset=utf-8", headers={**headers, **disposition})


TableFormatAsked = Annotated[TableFormat, Depends(built_in_loop(TableFormat))]


def safe_filename(name: str) -> str:
    # Ids in a name may hold anything a council typed; a header keeps to plain characters.
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    if isinstance(value, list):
        value = ";".join(str(v) for v in value)
    value = plain(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        # A council id like =HYPERLINK(...) would run as a formula in Excel; numbers are left as numbers.
        return "'" + value
    return "" if value is None else value


def to_csv(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([csv_cell(row[name]) for name in columns] for row in rows)
    return out.getvalue()
