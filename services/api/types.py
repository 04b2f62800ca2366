"""Input types stricter than pydantic's defaults, where a lax coercion would hide a caller's bug."""

from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator


def iso_date_only(value: Any) -> Any:
    # Lax mode would read 1700000000 as a date from a Unix timestamp; case-management dates are ISO strings.
    if not isinstance(value, str | date):
        raise ValueError("give a date as an ISO 8601 string, e.g. 2025-04-01")
    return value


IsoDate = Annotated[date, BeforeValidator(iso_date_only)]
