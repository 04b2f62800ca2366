"""Pydantic's validation errors in the service's own words: each message follows the field it is filed
under ("ratings.safety.need: must be a whole number") and says what is allowed, without pydantic's
phrasing ("Input should be a valid integer, unable to parse string as an integer", "Value error, ...")."""

from collections.abc import Callable
from typing import Any

from pydantic_core import ErrorDetails

Context = dict[str, Any]


def _reason(ctx: Context) -> str:
    # A validator's own ValueError (or PydanticCustomError) already says what is wrong, in our words.
    return str(ctx["error"])


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


_BY_TYPE: dict[str, Callable[[Context], str]] = {
    "missing": lambda _: "is required",
    "extra_forbidden": lambda _: "is not a known field",
    "value_error": _reason,
    "assertion_error": _reason,
    "json_invalid": lambda ctx: f"is not valid JSON ({ctx['error']})",
    "int_type": lambda _: "must be a whole number",
    "int_parsing": lambda _: "must be a whole number",
    "int_from_float": lambda _: "must be a whole number",
    "float_type": lambda _: "must be a number",
    "float_parsing": lambda _: "must be a number",
    "bool_type": lambda _: "must be true or false",
    "bool_parsing": lambda _: "must be true or false",
    "string_type": lambda _: "must be a string",
    "dict_type": lambda _: "must be a JSON object",
    "model_type": lambda _: "must be a JSON object",
    "model_attributes_type": lambda _: "must be a JSON object",
    "list_type": lambda _: "must be a JSON array",
    "uuid_type": lambda _: "must be a UUID, e.g. 0b9e3b7c-5d0a-4f4e-9d1e-3c2a1b0f6e5d",
    "uuid_parsing": lambda _: "must be a UUID, e.g. 0b9e3b7c-5d0a-4f4e-9d1e-3c2a1b0f6e5d",
    "literal_error": lambda ctx: f"must be one of {ctx['expected']}",
    "enum": lambda ctx: f"must be one of {ctx['expected']}",
    "string_too_short": lambda ctx: (
        "must not be empty"
        if ctx["min_length"] == 1
        else f"must have at least {_count(ctx['min_length'], 'character')}"
    ),
    "string_too_long": lambda ctx: f"must have at most {_count(ctx['max_length'], 'character')}",
    "too_short": lambda ctx: f"must have at least {_count(ctx['min_length'], 'item')}",
    "too_long": lambda ctx: f"must have at most {_count(ctx['max_length'], 'item')}",
    "date_type": lambda _: "must be a date, e.g. 2025-04-01",
    "date_parsing": lambda ctx: f"must be a date, e.g. 2025-04-01 ({ctx['error']})",
    "date_from_datetime_parsing": lambda ctx: f"must be a date, e.g. 2025-04-01 ({ctx['error']})",
    "date_from_datetime_inexact": lambda _: "must be a date without a time of day, e.g. 2025-04-01",
    "datetime_type": lambda _: "must be a date and time, e.g. 2025-04-01T09:00:00Z",
    "datetime_parsing": lambda ctx: f"must be a date and time, e.g. 2025-04-01T09:00:00Z ({ctx['error']})",
    "datetime_from_date_parsing": lambda ctx: f"must be a date and time, e.g. 2025-04-01T09:00:00Z ({ctx['error']})",
}
# What pydantic starts its other messages with ("Input should be a valid decimal"), said as a rule.
_SUBJECTS = ("Input should ", "String should ", "List should ", "Dictionary should ", "Decimal input should ")


def plain_message(error: ErrorDetails) -> str:
    """The message a caller reads for one pydantic error, after the field's name."""
    ctx: Context = dict(error.get("ctx") or {})
    if (phrase := _BY_TYPE.get(error["type"])) is not None:
        return phrase(ctx)
    message = error["msg"]
    for subject in _SUBJECTS:
        if message.startswith(subject):
            return "must " + message.removeprefix(subject)
    return message
