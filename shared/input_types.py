"""Input types stricter than pydantic's defaults, shared by the API's bodies and what the worker checks as the API
does (an imported file's assessments): a lax coercion would hide a caller's bug, or a value reach PostgreSQL
only to be refused there."""

import re
import unicodedata
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

# The shape pydantic then parses in full: ASCII digits only.
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_date_only(value: Any) -> Any:
    # Lax mode would read 1700000000, or "0", as a date from a Unix timestamp; case-management dates are ISO strings.
    if isinstance(value, date) or (isinstance(value, str) and ISO_DATE.fullmatch(value)):
        return value
    raise ValueError("must be a date as an ISO 8601 string, e.g. 2025-04-01")


def no_nul(value: str) -> str:
    # PostgreSQL text cannot hold U+0000: refused here, with the field named, not as a database error.
    if "\x00" in value:
        raise ValueError("must not contain the NUL character (U+0000)")
    return value


def plain_id(value: str) -> str:
    """An id as it is stored and compared: in NFKC, so a full-width look-alike of an ASCII id names the same
    record, and free of control and format characters (Unicode Cc and Cf: escapes, NUL,
    bidirectional overrides), which a terminal or a log viewer would act on or hide."""
    if any(unicodedata.category(character) in ("Cc", "Cf") for character in value):
        raise ValueError("must not contain control or format characters (Unicode categories Cc and Cf)")
    return normal_form(value)


def normal_form(value: str) -> str:
    """The form ids are stored and compared in, also for naming an id a refused request asked for."""
    return unicodedata.normalize("NFKC", value)


IsoDate = Annotated[date, BeforeValidator(iso_date_only)]
Text = Annotated[str, AfterValidator(no_nul)]
# Every id a client sends or names: a length given beside it is checked on the normalised form.
Id = Annotated[str, AfterValidator(plain_id)]
