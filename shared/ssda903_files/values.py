"""Reading one value of a row: dates as the return writes them, and whole numbers a spreadsheet wrote as decimals."""

import re
from datetime import date, datetime

# dd/mm/yyyy is the return's form; some exports write ISO dates instead.
_DATE_FORMATS = {re.compile(r"\d{1,2}/\d{1,2}/\d{4}"): "%d/%m/%Y", re.compile(r"\d{4}-\d{2}-\d{2}"): "%Y-%m-%d"}
_WHOLE_AS_DECIMAL = re.compile(r"(\d+)\.0+")

# Columns that hold whole numbers or codes written as them, which a spreadsheet may have turned into "1.0".
WHOLE_NUMBER_COLUMNS = frozenset({"SEX", "MOTHER", "URN"})


def parse_date(text: str) -> date | None:
    """The date written, or None if it is not a date in either form or does not exist (31/02/2020)."""
    for pattern, form in _DATE_FORMATS.items():
        if pattern.fullmatch(text):
            try:
                return datetime.strptime(text, form).date()
            except ValueError:
                return None
    return None


def whole_number(text: str) -> str | None:
    """'1' for '1.0', None if the text is not a whole number written as a decimal."""
    match = _WHOLE_AS_DECIMAL.fullmatch(text)
    return match[1] if match else None
