"""An instrument document as a council loads it: read from JSON or YAML, checked strictly, stored canonical.

The needs framework is data (domain.md §3): a council may load its own instrument, and that document decides how
every assessment is rated and how trends and reliable change are computed (§4). A flawed scale (a gap in the
levels, a domain in no outcome area, a threshold off the scale) would skew figures silently for years, so a
document is refused whole, with every fault named by its dotted field path (``domains.3.outcome_area``) in one
pass, so an admin can fix it in one go. Types are strict: ``"2"`` is not 2 and ``true`` is not 1.

``parse_instrument`` reads and checks a document; ``InstrumentDocument.definition()`` is the canonical dict the
database stores (what ``InstrumentScale.from_definition`` reads); ``compatibility_errors`` checks the versions a
document declares compatible against their stored definitions, since trends span compatible versions.
"""

import json
import re
from collections.abc import Callable, Hashable, Mapping
from typing import Annotated, Any, Self

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.events import AliasEvent, Event
from yaml.nodes import MappingNode, Node, ScalarNode

from shared.errors import InvalidInput, field_error
from shared.instruments import InstrumentScale
from shared.messages import plain_message

DEFAULT_RELIABILITY = 0.80
_JSON_TYPES = frozenset({"application/json"})
_YAML_TYPES = frozenset({"application/yaml", "text/yaml", "application/x-yaml", "text/x-yaml"})

Error = dict[str, Any]


class InstrumentInvalid(InvalidInput):
    """The document is refused; ``errors`` holds every fault as ``{"field": ..., "message": ...}``."""

    def __init__(self, errors: list[Error]) -> None:
        first = f" ({errors[0]['field']}: {errors[0]['message']})" if errors else ""
        super().__init__(f"The instrument document has {len(errors)} error(s){first}", errors=errors)


# -- field rules ------------------------------------------------------------------------------------------------


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "must not be empty")
    return value


def _slug(pattern: str, rule: str) -> AfterValidator:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise PydanticCustomError("slug", rule)
        return value

    return AfterValidator(check)


Text = Annotated[str, Field(max_length=200), AfterValidator(_not_blank)]
# Ratings are stored as smallint, and no real scale has more than a handful of levels.
MAX_LEVEL = 100
Level = Annotated[int, Field(ge=0, le=MAX_LEVEL)]
InstrumentCode = Annotated[
    str, _slug(r"[a-z0-9][a-z0-9-]{1,63}", "must be 2 to 64 lower-case letters, digits or hyphens, not starting '-'")
]
ItemCode = Annotated[
    str, _slug(r"[a-z][a-z0-9_]{0,63}", "must be 1 to 64 lower-case letters, digits or '_', starting with a letter")
]
_STRICT = ConfigDict(strict=True, extra="forbid", frozen=True)


class NeedLevel(BaseModel):
    model_config = _STRICT
    level: Level = Field(description="The level, from 0")
    label: Text = Field(description="Its name")
    meaning: Annotated[str, Field(max_length=2000)] = Field(default="", description="What it means in practice")


class StrengthLevel(BaseModel):
    model_config = _STRICT
    level: Level = Field(description="The level, from 0")
    label: Text = Field(description="Its name")


class OutcomeArea(BaseModel):
    model_config = _STRICT
    code: ItemCode = Field(description="The area's code")
    label: Text = Field(description="Its name")


class Domain(BaseModel):
    model_config = _STRICT
    code: ItemCode = Field(description="The domain's code")
    label: Text = Field(description="Its name")
    # Must name a declared outcome area: checked across fields.
    outcome_area: str = Field(description="The code of the outcome area it serves")


class _CrossFieldInvalid(ValueError):
    """Carries the cross-field errors out of pydantic so they keep their own field paths."""

    def __init__(self, errors: list[Error]) -> None:
        super().__init__("; ".join(f"{error['field']}: {error['message']}" for error in errors))
        self.errors = errors


class InstrumentDocument(BaseModel):
    model_config = _STRICT
    code: InstrumentCode = Field(description="The instrument's code (a council's own: not a shipped code)")
    version: Annotated[int, Field(ge=1)] = Field(description="Its version, above any loaded")
    title: Text = Field(description="Its title")
    levels: Annotated[list[NeedLevel], Field(min_length=1, max_length=MAX_LEVEL + 1)] = Field(
        description="The need scale, every level from 0"
    )
    actionable_from: Level = Field(description="The first actionable need level")
    intensive_level: Level = Field(description="The intensive need level")
    strengths: Annotated[list[StrengthLevel], Field(min_length=1, max_length=MAX_LEVEL + 1)] = Field(
        description="The strength scale, every level from 0"
    )
    reliability: Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)] = Field(
        default=DEFAULT_RELIABILITY, description="Test-retest reliability r for reliable change"
    )
    sd: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = Field(
        default=None,
        description="A fixed reference SD for reliable change (§4); none: calibrated from the council's children",
    )
    compatible_with: list[Annotated[int, Field(ge=1)]] = Field(
        description="Earlier versions whose assessments trends run across", default_factory=list
    )
    outcome_areas: Annotated[list[OutcomeArea], Field(min_length=1)] = Field(
        description="The outcome areas domains serve"
    )
    domains: Annotated[list[Domain], Field(min_length=1)] = Field(
        description="The domains an assessment rates, in order"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        errors = cross_field_errors(self.model_dump())
        if errors:
            raise _CrossFieldInvalid(errors)
        return self

    def definition(self) -> dict[str, Any]:
        """The canonical JSON-able dict the database stores: needs-v1.json's keys, defaults filled, no null sd."""
        return self.model_dump(mode="json", exclude_none=True)

    def scale(self) -> InstrumentScale:
        return InstrumentScale.from_definition(self.definition())


# -- cross-field rules (on raw data too, so they are reported alongside type errors) -----------------------------


def _column(data: Mapping[str, Any], key: str, field: str, kind: type) -> tuple[list[tuple[int, Any]], bool]:
    """(index, value) of each item of ``data[key]`` whose ``field`` is exactly of ``kind``; and whether all were."""
    items = data.get(key)
    if not isinstance(items, list):
        return [], False
    found = [
        (i, item[field]) for i, item in enumerate(items) if isinstance(item, dict) and type(item.get(field)) is kind
    ]
    return found, len(found) == len(items)


def _duplicates(
    key: str, field: str, values: list[tuple[int, Any]], normalise: Callable[[Any], Hashable] = lambda v: v
) -> list[Error]:
    first: dict[Hashable, int] = {}
    errors = []
    for index, value in values:
        seen = first.setdefault(normalise(value), index)
        if seen != index:
            errors.append(field_error(f"{key}.{index}.{field}", f"{value!r} is a duplicate of {key}.{seen}.{field}"))
    return errors


def _scale_errors(data: Mapping[str, Any], key: str) -> tuple[list[Error], set[int] | None]:
    levels, complete = _column(data, key, "level", int)
    labels, _ = _column(data, key, "label", str)
    errors = _duplicates(key, "level", levels) + _duplicates(key, "label", labels, lambda v: v.strip().casefold())
    values = {value for _, value in levels}
    if not complete or not values or min(values) < 0 or max(values) > MAX_LEVEL:
        return errors, None
    gaps = sorted(set(range(max(values) + 1)) - values)
    if gaps:
        where = f"a gap at {gaps[0]}" if len(gaps) == 1 else f"gaps at {', '.join(map(str, gaps))}"
        errors.append(field_error(key, f"the scale has {where}; levels run from 0 with no gaps"))
    return errors, values


def _threshold_errors(data: Mapping[str, Any], scale: set[int] | None) -> list[Error]:
    errors = []
    actionable, intensive = data.get("actionable_from"), data.get("intensive_level")
    for name, value in (("actionable_from", actionable), ("intensive_level", intensive)):
        if scale is not None and type(value) is int and value not in scale:
            on_scale = ", ".join(map(str, sorted(scale)))
            errors.append(field_error(name, f"{value} is not a level of the scale ({on_scale})"))
    if type(actionable) is int and type(intensive) is int and intensive < actionable:
        errors.append(field_error("intensive_level", f"{intensive} is below actionable_from ({actionable})"))
    return errors


def _area_errors(data: Mapping[str, Any]) -> list[Error]:
    areas, areas_complete = _column(data, "outcome_areas", "code", str)
    domains, _ = _column(data, "domains", "code", str)
    links, links_complete = _column(data, "domains", "outcome_area", str)
    errors = _duplicates("outcome_areas", "code", areas) + _duplicates("domains", "code", domains)
    declared = {code for _, code in areas}
    if areas_complete:
        errors += [
            field_error(f"domains.{i}.outcome_area", f"{area!r} is no declared outcome area")
            for i, area in links
            if area not in declared
        ]
    if links_complete:
        used = {area for _, area in links}
        errors += [
            field_error(f"outcome_areas.{i}.code", f"outcome area {code!r} has no domain")
            for i, code in areas
            if code not in used
        ]
    return errors


def _compatible_with_errors(data: Mapping[str, Any]) -> list[Error]:
    version, named = data.get("version"), data.get("compatible_with")
    if not isinstance(named, list):
        return []
    errors = []
    first: dict[int, int] = {}
    for i, earlier in enumerate(named):
        if type(earlier) is not int:
            continue
        field = f"compatible_with.{i}"
        if type(version) is int and earlier == version:
            errors.append(
                field_error(field, f"names this version ({version}) itself; only earlier versions can be compatible")
            )
        elif type(version) is int and earlier > version:
            errors.append(field_error(field, f"version {earlier} is later than this version ({version})"))
        elif first.setdefault(earlier, i) != i:
            errors.append(field_error(field, f"version {earlier} is already named at compatible_with.{first[earlier]}"))
    return errors


def cross_field_errors(data: Mapping[str, Any]) -> list[Error]:
    """The rules that span fields; ill-typed parts are skipped (their type errors are reported on their own)."""
    errors, scale = _scale_errors(data, "levels")
    errors += _threshold_errors(data, scale)
    errors += _scale_errors(data, "strengths")[0]
    errors += _area_errors(data)
    errors += _compatible_with_errors(data)
    return errors


def compatibility_errors(document: InstrumentDocument, earlier: Mapping[int, Mapping[str, Any]]) -> list[Error]:
    """Check each version ``document`` declares compatible against its stored definition (``earlier[version]``):
    trends span compatible versions, so they must rate the same domains on the same scale with the same thresholds.
    """
    errors = []
    own = document.scale()
    for i, version in enumerate(document.compatible_with):
        field, name = f"compatible_with.{i}", f"version {version} of {document.code!r}"
        stored = earlier.get(version)
        if stored is None:
            errors.append(field_error(field, f"{name} is not loaded"))
            continue
        theirs = InstrumentScale.from_definition(dict(stored))
        if (theirs.code, theirs.version) != (own.code, version):
            errors.append(field_error(field, f"the definition given for {name} is {theirs.code!r} v{theirs.version}"))
            continue
        missing, added = sorted(set(theirs.domains) - set(own.domains)), sorted(set(own.domains) - set(theirs.domains))
        if missing or added:
            parts = [
                f"{label}: {', '.join(codes)}"
                for label, codes in (("missing here", missing), ("new here", added))
                if codes
            ]
            errors.append(field_error(field, f"{name} has other domains ({'; '.join(parts)})"))
        if theirs.levels != own.levels:
            errors.append(
                field_error(field, f"{name} rates on levels {list(theirs.levels)}, this one on {list(own.levels)}")
            )
        if (theirs.actionable_from, theirs.intensive_level) != (own.actionable_from, own.intensive_level):
            errors.append(
                field_error(
                    field,
                    f"{name} has actionable_from {theirs.actionable_from} and intensive_level {theirs.intensive_level}"
                    f", this one {own.actionable_from} and {own.intensive_level}",
                )
            )
    return errors


# -- reading the text -----------------------------------------------------------------------------------------------


# No field takes an integer beyond a bigint. Nor is one written in more characters than a bigint needs (in binary,
# signed, with YAML's digit separators) converted at all: Python refuses past 4,300 digits, a ValueError no field
# would name, and YAML's base-60 form costs time quadratic in its length.
MAX_INTEGER = 2**63 - 1
MAX_INTEGER_TEXT = 80


class TooLargeNumber:
    """What the readers give for an integer beyond MAX_INTEGER: no field accepts it, so validation names its field."""


_TOO_LARGE = TooLargeNumber()


def _bounded(text: str, convert: Callable[[], int]) -> int | TooLargeNumber:
    if len(text) > MAX_INTEGER_TEXT:
        return _TOO_LARGE
    value = convert()
    return value if abs(value) <= MAX_INTEGER else _TOO_LARGE


class _Unreadable(Exception):
    """The text is neither JSON nor YAML this loader accepts."""


class _RepeatedKey(_Unreadable):
    """Well-formed JSON that would lose data: reported as such, not retried as YAML."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _RepeatedKey(f"key {key!r} appears twice in one object")
        result[key] = value
    return result


class _StrictYamlLoader(yaml.SafeLoader):
    """safe_load, refusing repeated keys (PyYAML keeps the last silently) and aliases (no use here; a size bomb), and
    reading an integer beyond MAX_INTEGER as TooLargeNumber."""

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        if self.check_event(AliasEvent):
            event: Event = self.peek_event()  # type: ignore[no-untyped-call]
            raise ComposerError(None, None, "aliases (*name) are not accepted", event.start_mark)  # type: ignore[arg-type]
        return super().compose_node(parent, index)

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, Hashable) and key in seen:
                raise ConstructorError(None, None, f"key {key!r} appears twice in one mapping", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)

    def construct_bounded_int(self, node: ScalarNode) -> int | TooLargeNumber:
        return _bounded(node.value, lambda: yaml.SafeLoader.construct_yaml_int(self, node))


_StrictYamlLoader.add_constructor("tag:yaml.org,2002:int", _StrictYamlLoader.construct_bounded_int)


def _read_json(text: str) -> Any:
    try:
        return json.loads(
            text, object_pairs_hook=_unique_keys, parse_int=lambda digits: _bounded(digits, lambda: int(digits))
        )
    except json.JSONDecodeError as exc:
        raise _Unreadable(f"{exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except RecursionError:
        raise _Unreadable("is nested too deeply") from None


def _read_yaml(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_StrictYamlLoader)  # a SafeLoader subclass: safe
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise _Unreadable(f"{exc.problem or exc.context}{where}") from None
    except yaml.YAMLError as exc:
        raise _Unreadable(str(exc)) from None
    except RecursionError:
        raise _Unreadable("is nested too deeply") from None


def _read(text: str, content_type: str | None) -> Any:
    media = (content_type or "").split(";")[0].strip().lower()
    try:
        if media in _JSON_TYPES or media.endswith("+json"):
            return _read_json(text)
        if media in _YAML_TYPES or media.endswith("+yaml"):
            return _read_yaml(text)
    except _Unreadable as exc:
        kind = "JSON" if media in _JSON_TYPES or media.endswith("+json") else "YAML"
        raise InstrumentInvalid([field_error("document", f"is not valid {kind}: {exc}")]) from None
    try:
        return _read_json(text)
    except _RepeatedKey as exc:
        raise InstrumentInvalid([field_error("document", f"is not valid JSON: {exc}")]) from None
    except _Unreadable as json_error:
        try:
            return _read_yaml(text)
        except _Unreadable as yaml_error:
            message = f"is neither valid JSON ({json_error}) nor valid YAML ({yaml_error})"
            raise InstrumentInvalid([field_error("document", message)]) from None


def _pydantic_errors(exc: ValidationError) -> tuple[list[Error], bool]:
    """The errors as field paths, and whether the cross-field rules ran (they run once every field is valid)."""
    errors: list[Error] = []
    crossed = False
    for error in exc.errors(include_url=False):
        reason = error.get("ctx", {}).get("error")
        if isinstance(reason, _CrossFieldInvalid):
            errors += reason.errors
            crossed = True
            continue
        field = ".".join(str(part) for part in error["loc"]) or "document"
        message = plain_message(error)
        if isinstance(error.get("input"), TooLargeNumber) and error["type"] != "extra_forbidden":
            message = "is too large a number"
        errors.append(field_error(field, message))
    return errors, crossed


def parse_instrument(text: str, *, content_type: str | None = None) -> InstrumentDocument:
    """Read an instrument document (JSON or YAML, by ``content_type``, else JSON then YAML) and check it.

    Raises ``InstrumentInvalid`` with every fault found: type and range errors and the cross-field rules together.
    """
    data = _read(text, content_type)
    if not isinstance(data, dict):
        kind = "nothing" if data is None else f"a {type(data).__name__}"
        raise InstrumentInvalid([field_error("document", f"must be a mapping of instrument fields, not {kind}")])
    try:
        return InstrumentDocument.model_validate(data)
    except ValidationError as exc:
        errors, crossed = _pydantic_errors(exc)
        if not crossed:
            errors += cross_field_errors(data)
        raise InstrumentInvalid(errors) from None
