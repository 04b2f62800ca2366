"""Refusing writes: a single item with every field at fault, a batch with every bad item by index.
Batches are all or nothing: every item is checked before any is written."""

import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, Literal, Protocol, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api.problems import validation_errors
from shared.errors import Conflict, InvalidInput, ProblemError, field_error
from shared.models import Child

Errors = list[dict[str, Any]]
WriteResult = Literal["created", "updated", "existing"]


class Written(Protocol):
    @property
    def id(self) -> uuid.UUID: ...


M = TypeVar("M", bound=BaseModel)
C = TypeVar("C")
W = TypeVar("W")
R = TypeVar("R", bound=Written)
A = TypeVar("A")
B = TypeVar("B")


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


def earlier_items(items: dict[int, M], field: str) -> Iterator[tuple[int, int]]:
    """(index, index of the first item with the same value of field) for each item repeating one."""
    first: dict[Any, int] = {}
    for index, item in items.items():
        earlier = first.setdefault(getattr(item, field), index)
        if earlier != index:
            yield index, earlier


def repeats(items: dict[int, M]) -> tuple[dict[int, int], Errors]:
    """Items sent twice in one batch: an identical repeat stands for its first (index -> first index);
    the same external_id with anything else different, another child included, is an error."""
    same: dict[int, int] = {}
    errors: Errors = []
    for index, earlier in earlier_items(items, "external_id"):
        if items[earlier] == items[index]:
            same[index] = earlier
        else:
            errors.append(field_error("external_id", f"repeats item {earlier} with other content", index=index))
    return same, errors


def distinct_children(items: dict[int, M]) -> tuple[dict[int, int], Errors]:
    """A child named twice in one batch is refused at both items, each naming the other: which of the
    two the council meant is theirs to say."""
    errors: Errors = []
    for index, earlier in earlier_items(items, "child_id"):
        errors.append(field_error("child_id", f"is also item {index}'s", index=earlier))
        errors.append(field_error("child_id", f"repeats item {earlier}", index=index))
    return {}, errors


async def lock_children(db: AsyncSession, la_id: uuid.UUID, child_ids: set[str]) -> None:
    """Lock a batch's children in one order, so two batches naming the same children cannot deadlock."""
    await db.execute(
        select(Child.id)
        .where(Child.la_id == la_id, Child.child_id.in_(sorted(child_ids)))
        .order_by(Child.child_id)
        .with_for_update()
    )


def one_by_one(each: Callable[[A], Awaitable[B]]) -> Callable[[dict[int, A]], Awaitable[dict[int, B]]]:
    """A check or write of one item as one of many, made item after item in the order given."""

    async def every(items: dict[int, A]) -> dict[int, B]:
        return {index: await each(item) for index, item in items.items()}

    return every


def by_id(row: Written) -> dict[str, Any]:
    return {"id": str(row.id)}


async def write_batch(
    db: AsyncSession,
    la_id: uuid.UUID,
    model: type[M],
    raw: list[dict[str, Any]],
    check: Callable[[dict[int, M]], Awaitable[dict[int, C | Errors]]],
    apply: Callable[[dict[int, C]], Awaitable[dict[int, tuple[R, WriteResult]]]],
    *,
    repeated: Callable[[dict[int, M]], tuple[dict[int, int], Errors]] = repeats,
    named: Callable[[R], dict[str, Any]] = by_id,
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """`check` takes every item to check at once (by index) and `apply` every checked one, so that each may read
    and write for the whole batch in a few statements (`one_by_one` makes them of a check or write of one item);
    `repeated` finds the items sent twice (and which stand for their first); `named` is how a result names what
    it wrote."""
    items, errors = validate_items(model, raw)
    same, repeat_errors = repeated(items)
    errors += repeat_errors
    await lock_children(db, la_id, {getattr(item, "child_id") for item in items.values()})  # noqa: B009
    refused = {error["index"] for error in repeat_errors}
    checked: dict[int, C] = {}
    results = await check({index: item for index, item in items.items() if index not in same and index not in refused})
    for index, result in results.items():
        if isinstance(result, list):
            errors.extend(indexed(index, result))
        else:
            checked[index] = result
    if errors:
        raise InvalidInput(
            f"{len({e['index'] for e in errors})} of {len(raw)} items are invalid; nothing was written.",
            errors=sorted(errors, key=lambda e: (e["index"], e["field"])),
        )
    # Applied in the children's lock order (each child's items in the batch's order): a child the batch creates
    # is locked by its insert, so two batches creating the same children cannot deadlock either.
    in_lock_order = sorted(checked.items(), key=lambda pair: getattr(items[pair[0]], "child_id"))  # noqa: B009
    written = await apply(dict(in_lock_order))
    # One flush for the whole batch: the unit of work then inserts each table's rows together.
    await db.flush()
    written |= {index: (written[first][0], "existing") for index, first in same.items()}
    counts = Counter(outcome for _, outcome in written.values())
    items_written = [{"index": i, **named(row), "outcome": outcome} for i, (row, outcome) in sorted(written.items())]
    summary = {outcome: counts[outcome] for outcome in ("created", "updated", "existing")}
    return 200, summary | {"items": items_written}, {}
