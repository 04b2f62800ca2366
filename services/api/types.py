"""Input types stricter than pydantic's defaults, where a lax coercion would hide a caller's bug or a
value would reach PostgreSQL only to be refused there."""

import inspect
import re
import unicodedata
from collections.abc import Callable, Coroutine
from datetime import UTC, date, datetime
from typing import Annotated, Any, TypeVar

from fastapi import Header, Query
from pydantic import AfterValidator, BeforeValidator

# The shapes pydantic then parses in full: ASCII digits only, and an instant has its time of day.
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
ISO_DATE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}.*", re.DOTALL)


def iso_date_only(value: Any) -> Any:
    # Lax mode would read 1700000000, or "0", as a date from a Unix timestamp; case-management dates are ISO strings.
    if isinstance(value, date) or (isinstance(value, str) and ISO_DATE.fullmatch(value)):
        return value
    raise ValueError("must be a date as an ISO 8601 string, e.g. 2025-04-01")


def iso_date_time_only(value: Any) -> Any:
    # Lax mode would read "0.5" as an instant from a Unix timestamp, and a bare date as its midnight.
    if isinstance(value, datetime) or (isinstance(value, str) and ISO_DATE_TIME.fullmatch(value)):
        return value
    raise ValueError("must be an ISO 8601 date and time, e.g. 2025-04-01T09:00:00Z")


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


def in_utc(value: datetime) -> datetime:
    """A time without a zone is read as UTC; one that cannot be expressed in UTC is refused."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError as error:
        raise ValueError("is outside the range of dates this service keeps") from error


IsoDate = Annotated[date, BeforeValidator(iso_date_only)]
Text = Annotated[str, AfterValidator(no_nul)]
# Every id a client sends or names: a length given beside it is checked on the normalised form.
Id = Annotated[str, AfterValidator(plain_id)]
UtcDateTime = Annotated[datetime, BeforeValidator(iso_date_time_only), AfterValidator(in_utc)]

IdempotencyKey = Annotated[
    Text | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Sent again with the same body, the first reply is replayed",
    ),
]
ChildIdQuery = Annotated[Id, Query(min_length=1, max_length=64, description="The council's own child id")]


Built = TypeVar("Built")


def built_in_loop(cls: Callable[..., Built]) -> Callable[..., Coroutine[Any, Any, Built]]:
    """A dependency that builds `cls` (a dataclass of query parameters) from the parameters its __init__ takes,
    declared the same way in the OpenAPI document. `Depends(cls)` would do the same in a worker thread, since
    FastAPI runs any plain callable there: a thread hand-off on every request for a few assignments."""

    async def build(**values: Any) -> Built:
        return cls(**values)

    build.__signature__ = inspect.signature(cls).replace(return_annotation=cls)  # type: ignore[attr-defined]
    build.__name__ = build.__qualname__ = getattr(cls, "__name__", "built")
    return build
