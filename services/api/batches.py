"""Refusing writes: a single item with every field at fault, a batch with every bad item by index."""

import uuid
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from services.api.problems import validation_errors
from services.api.schemas import BatchItemResult, BatchResult
from shared.errors import Conflict, InvalidInput, ProblemError, field_error

M = TypeVar("M", bound=BaseModel)


def refusal(errors: list[dict[str, Any]], noun: str) -> ProblemError:
    """A reused external_id is a conflict with what is stored; anything else is invalid input."""
    conflict = [e for e in errors if e["field"] == "external_id"]
    if conflict:
        return Conflict(conflict[0]["message"], errors=conflict)
    return InvalidInput(f"The {noun} is invalid; nothing was written.", errors=errors)


def indexed(index: int, errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"index": index, **error} for error in errors]


def validate_items(model: type[M], raw: list[dict[str, Any]]) -> tuple[dict[int, M], list[dict[str, Any]]]:
    items: dict[int, M] = {}
    errors: list[dict[str, Any]] = []
    for index, item in enumerate(raw):
        try:
            items[index] = model.model_validate(item)
        except ValidationError as error:
            errors.extend(indexed(index, validation_errors(list(error.errors()))))
    return items, errors


def reject_if_invalid(errors: list[dict[str, Any]], total: int) -> None:
    if errors:
        raise InvalidInput(
            f"{len({e['index'] for e in errors})} of {total} items are invalid; nothing was written.",
            errors=sorted(errors, key=lambda e: (e["index"], e["field"])),
        )


def batch_outcome(written: list[tuple[int, uuid.UUID, bool]]) -> tuple[int, dict[str, Any], dict[str, str]]:
    items = [
        BatchItemResult(index=i, id=row_id, outcome="created" if created else "existing")
        for i, row_id, created in written
    ]
    created_count = sum(created for _, _, created in written)
    result = BatchResult(created=created_count, existing=len(written) - created_count, items=items)
    return 200, result.model_dump(mode="json"), {}


def repeats(items: dict[int, M]) -> tuple[dict[int, int], list[dict[str, Any]]]:
    """Items sent twice in one batch: an identical repeat stands for its first (index -> first index);
    the same external_id with anything else different, another child included, is an error."""
    first: dict[str, tuple[int, M]] = {}
    same: dict[int, int] = {}
    errors: list[dict[str, Any]] = []
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


def written_with_repeats(
    written: list[tuple[int, uuid.UUID, bool]], same: dict[int, int]
) -> list[tuple[int, uuid.UUID, bool]]:
    ids = {index: row_id for index, row_id, _ in written}
    return sorted(written + [(index, ids[first], False) for index, first in same.items()])
