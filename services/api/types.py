"""Input types stricter than pydantic's defaults, where a lax coercion would hide a caller's bug or a
value would reach PostgreSQL only to be refused there."""

import inspect
import re
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import Header, Path, Query
from pydantic import AfterValidator, BeforeValidator

from shared.input_types import Id as Id
from shared.input_types import IsoDate as IsoDate
from shared.input_types import Text as Text
from shared.input_types import normal_form as normal_form
from shared.input_types import plain_id as plain_id

# The shape pydantic then parses in full: an instant has its time of day.
ISO_DATE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}.*", re.DOTALL)


def iso_date_time_only(value: Any) -> Any:
    # Lax mode would read "0.5" as an instant from a Unix timestamp, and a bare date as its midnight.
    if isinstance(value, datetime) or (isinstance(value, str) and ISO_DATE_TIME.fullmatch(value)):
        return value
    raise ValueError("must be an ISO 8601 date and time, e.g. 2025-04-01T09:00:00Z")


def in_utc(value: datetime) -> datetime:
    """A time without a zone is read as UTC; one that cannot be expressed in UTC is refused."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError as error:
        raise ValueError("is outside the range of dates this service keeps") from error


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
ChildIdPath = Annotated[Id, Path(min_length=1, max_length=64, description="The council's own child id")]
ProviderIdPath = Annotated[Id, Path(min_length=1, max_length=128, description="The council's id for the provider")]


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
