"""Refusing writes: a single item with every field at fault, a batch with every bad item by index.
Batches are all or nothing: every item is checked before any is written."""

import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any, Literal, Protocol, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.children.service import lock_children
from services.api.problems import validation_errors
from services.api.schemas import BatchItemResult, BatchResult
from shared.errors import Conflict, InvalidInput, ProblemError, field_error

Errors = list[dict[str, Any]]
WriteResult = Literal["created", "updated", "existing"]


class Written(Protocol):
    @property
    def id(self) -> uuid.UUID: ...


M = TypeVar("M", bound=BaseModel)
C = TypeVar("C")
W = TypeVar("W")


async def write_one(
    db: AsyncSession, noun: str, checking: Awaitable[C | Errors], apply: Callable[[C], Awaitable[tuple[W, WriteResult]]]
) -> tuple[W, WriteResult]:
    """A single write: refused whole with every field at fault, or applied and flushed."""
    checked = await checking
    if isinstance(checked, list):
        raise refusal(checked, noun)
    written = await apply(checked)
    await db.flush()
    return written


def refusal(errors: Errors, noun: str) -> ProblemError:
    """A reused external_id is a conflict with what is stored; anything else is invalid input."""
    conflict = [e for e in errors if e["field"] == "external_id"]
    if conflict:
        return Conflict(conflict[0]["message"], errors=conflict)
    return InvalidInput(f"The {noun} is invalid; nothing was written.", errors=errors)


def indexed(index: int, errors: Errors) -> Errors:
    return [{"index": index, **error} for error in errors]


def validate_items(model: type[M], raw: list[dict[str, Any]]) -> tuple[dict[int, M], Errors]:
    items: dict[int, M] = {}
    errors: Errors = []
    for index, item in enumerate(raw):
        try:
            items[index] = model.model_validate(item)
        except ValidationError as error:
            errors.extend(indexed(index, validation_errors(list(error.errors()))))
    return items, errors


def repeats(items: dict[int, M]) -> tuple[dict[int, int], Errors]:
    """Items sent twice in one batch: an identical repeat stands for its first (index -> first index);
    the same external_id with anything else different, another child included, is an error."""
    first: dict[str, tuple[int, M]] = {}
    same: dict[int, int] = {}
    errors: Errors = []
    for index, item in items.items():
        external_id = getattr(item, "external_id")  # noqa: B009 - every batch item model has one
        earlier = first.setdefault(external_id, (index, item))
        if earlier[0] == index:
            continue
        if earlier[1] == item:
            same[index] = earlier[0]
        else:
            errors.append(field_error("external_id", f"repeats item {earlier[0]} with other content", index=index))
    return same, errors


async def write_batch(
    db: AsyncSession,
    la_id: uuid.UUID,
    model: type[M],
    raw: list[dict[str, Any]],
    check: Callable[[M], Awaitable[C | Errors]],
    apply: Callable[[C], Awaitable[tuple[Written, WriteResult]]],
) -> tuple[int, dict[str, Any], dict[str, str]]:
    items, errors = validate_items(model, raw)
    same, repeat_errors = repeats(items)
    errors += repeat_errors
    # The batch's children are locked in one order up front, so two batches naming them cannot deadlock.
    await lock_children(db, la_id, {getattr(item, "child_id") for item in items.values()})  # noqa: B009
    refused = {error["index"] for error in repeat_errors}
    checked: dict[int, C] = {}
    for index, item in items.items():
        if index in same or index in refused:
            continue
        result = await check(item)
        if isinstance(result, list):
            errors.extend(indexed(index, result))
        else:
            checked[index] = result
    if errors:
        raise InvalidInput(
            f"{len({e['index'] for e in errors})} of {len(raw)} items are invalid; nothing was written.",
            errors=sorted(errors, key=lambda e: (e["index"], e["field"])),
        )
    written: dict[int, tuple[uuid.UUID, WriteResult]] = {}
    for index, ready in checked.items():
        row, outcome = await apply(ready)
        written[index] = (row.id, outcome)
    # One flush for the whole batch: the unit of work then inserts each table's rows together.
    await db.flush()
    written |= {index: (written[first][0], "existing") for index, first in same.items()}
    results = [BatchItemResult(index=i, id=row_id, outcome=outcome) for i, (row_id, outcome) in sorted(written.items())]
    counts = Counter(outcome for _, outcome in written.values())
    summary = BatchResult(
        created=counts["created"], updated=counts["updated"], existing=counts["existing"], items=results
    )
    return 200, summary.model_dump(mode="json"), {}
