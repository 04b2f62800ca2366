"""Reading one value of a row: dates as the return writes them, and whole numbers a spreadsheet wrote as decimals."""

import functools
import re
from datetime import date

# dd/mm/yyyy is the return's form; some exports write ISO dates instead.
_DAY_FIRST = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_WHOLE_AS_DECIMAL = re.compile(r"(\d+)\.0+")

# Columns that hold whole numbers or codes written as them, which a spreadsheet may have turned into "1.0".
WHOLE_NUMBER_COLUMNS = frozenset({"SEX", "MOTHER", "URN"})


# A national return holds over a million dates, a few thousand distinct: each is read once (strptime, as
# this was, took half the time of reading the whole return).
@functools.cache
def parse_date(text: str) -> date | None:
    """The date written, or None if it is not a date in either form or does not exist (31/02/2020)."""
    if match := _DAY_FIRST.fullmatch(text):
        day, month, year = match.groups()
    elif match := _ISO.fullmatch(text):
        year, month, day = match.groups()
    else:
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def whole_number(text: str) -> str | None:
    """'1' for '1.0', None if the text is not a whole number written as a decimal."""
    match = _WHOLE_AS_DECIMAL.fullmatch(text)
    return match[1] if match else None
