"""Small returns for the SSDA903 reader's tests, written as CSV text."""

import io
from datetime import date

from shared.ssda903_files import ParsedReturn, read_return

HEADER_COLUMNS = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"
EPISODE_COLUMNS = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"


def file(name: str, text: str, encoding: str = "utf-8") -> tuple[str, io.BytesIO]:
    return name, io.BytesIO(text.encode(encoding))


def read(headers: list[str], episodes: list[str], year: int | None = None, today: date | None = None) -> ParsedReturn:
    """The return of these header and episode rows (CSV lines without the column names)."""
    return read_return(
        [
            file("header.csv", "\n".join([HEADER_COLUMNS, *headers]) + "\n"),
            file("episodes.csv", "\n".join([EPISODE_COLUMNS, *episodes]) + "\n"),
        ],
        year,
        today,
    )


def rules(parsed: ParsedReturn) -> list[tuple[str, int, str, str | None, str]]:
    """(file, row, severity, column, rule) of each finding."""
    return [(f.ref.file, f.ref.row, f.severity, f.column, f.rule) for f in parsed.findings]
