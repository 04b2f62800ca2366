"""All-or-nothing batches: every bad item is listed with its index, field and reason."""

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from services.api.problems import validation_errors

M = TypeVar("M", bound=BaseModel)


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
