"""Instrument documents: the shipped needs-v1 round-trips; every flaw is refused with its exact field named."""

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.instruments import InstrumentScale, shipped_instrument
from shared.instruments.document import (
    InstrumentDocument,
    InstrumentInvalid,
    compatibility_errors,
    parse_instrument,
)

NEEDS_V1: dict[str, Any] = json.loads(
    (Path(__file__).parents[2] / "shared" / "instruments" / "needs-v1.json").read_text()
)
Mutation = Callable[[dict[str, Any]], None]


def needs_v1(mutate: Mutation | None = None) -> dict[str, Any]:
    document = copy.deepcopy(NEEDS_V1)
    if mutate is not None:
        mutate(document)
    return document


def refusal(document: dict[str, Any]) -> list[dict[str, Any]]:
    with pytest.raises(InstrumentInvalid) as caught:
        parse_instrument(json.dumps(document))
    assert caught.value.status == 422
    return caught.value.errors


def test_the_shipped_instrument_parses_and_round_trips() -> None:
    document = parse_instrument(json.dumps(NEEDS_V1), content_type="application/json")
    assert document.definition() == NEEDS_V1
    assert parse_instrument(json.dumps(document.definition())).definition() == NEEDS_V1
    assert InstrumentScale.from_definition(document.definition()) == shipped_instrument()
    assert document.scale() == shipped_instrument()


@pytest.mark.parametrize("content_type", ["application/yaml", "text/yaml; charset=utf-8", None])
def test_the_yaml_form_gives_the_same_definition(content_type: str | None) -> None:
    text = yaml.safe_dump(NEEDS_V1, sort_keys=False, allow_unicode=True)
    assert parse_instrument(text, content_type=content_type).definition() == NEEDS_V1


def test_defaults_are_filled_in_the_definition() -> None:
    def strip(d: dict[str, Any]) -> None:
        del d["reliability"], d["compatible_with"], d["levels"][0]["meaning"]

    definition = parse_instrument(json.dumps(needs_v1(strip))).definition()
    assert definition["reliability"] == 0.80
    assert definition["compatible_with"] == []
    assert definition["levels"][0] == {"level": 0, "label": "None", "meaning": ""}
    assert "sd" not in definition


def test_a_fixed_sd_is_kept() -> None:
    definition = parse_instrument(json.dumps(needs_v1(lambda d: d.update(sd=4.5)))).definition()
    assert definition["sd"] == 4.5


def _drop_level_3(d: dict[str, Any]) -> None:
    del d["levels"][3]


def _add_area(d: dict[str, Any]) -> None:
    d["outcome_areas"].append({"code": "be_wise", "label": "Be wise"})


REFUSED: list[tuple[str, Mutation, str, str]] = [
    ("duplicate domain code", lambda d: d["domains"][5].update(code="family"), "domains.5.code", "duplicate"),
    (
        "domain in no area",
        lambda d: d["domains"][3].update(outcome_area="be_wise"),
        "domains.3.outcome_area",
        "'be_wise' is no declared outcome area",
    ),
    ("area with no domain", _add_area, "outcome_areas.6.code", "has no domain"),
    (
        "duplicate area code",
        lambda d: d["outcome_areas"][2].update(code="be_safe"),
        "outcome_areas.2.code",
        "duplicate of outcome_areas.1.code",
    ),
    ("level gap", _drop_level_3, "levels", "gap at 3"),
    ("duplicate level", lambda d: d["levels"][3].update(level=2), "levels.3.level", "duplicate of levels.2.level"),
    ("duplicate level label", lambda d: d["levels"][3].update(label="low"), "levels.3.label", "duplicate"),
    ("blank level label", lambda d: d["levels"][1].update(label="  "), "levels.1.label", "must not be empty"),
    ("scale not from 0", lambda d: d["levels"][0].update(level=5), "levels", "gap at 0"),
    ("no levels", lambda d: d.update(levels=[]), "levels", "at least 1"),
    ("strengths gap", lambda d: d["strengths"].pop(0), "strengths", "gap at 0"),
    ("actionable_from off scale", lambda d: d.update(actionable_from=5), "actionable_from", "not a level"),
    ("intensive off scale", lambda d: d.update(intensive_level=9), "intensive_level", "not a level"),
    (
        "intensive below actionable",
        lambda d: d.update(intensive_level=1),
        "intensive_level",
        "below actionable_from (2)",
    ),
    ("reliability 1.0", lambda d: d.update(reliability=1.0), "reliability", "less than 1"),
    ("reliability 0", lambda d: d.update(reliability=0), "reliability", "greater than 0"),
    ("reliability as a string", lambda d: d.update(reliability="0.8"), "reliability", "must be a number"),
    ("sd zero", lambda d: d.update(sd=0), "sd", "greater than 0"),
    ("unknown key", lambda d: d.update(colour="blue"), "colour", "not a known field"),
    ("unknown nested key", lambda d: d["domains"][0].update(weight=2), "domains.0.weight", "not a known field"),
    ("missing key", lambda d: d.pop("domains"), "domains", "is required"),
    ("version 0", lambda d: d.update(version=0), "version", "greater than or equal to 1"),
    ("version as a string", lambda d: d.update(version="1"), "version", "must be a whole number"),
    ("version as true", lambda d: d.update(version=True), "version", "must be a whole number"),
    ("level as true", lambda d: d["levels"][1].update(level=True), "levels.1.level", "must be a whole number"),
    ("code not a slug", lambda d: d.update(code="Needs V1"), "code", "lower-case"),
    ("domain code not a slug", lambda d: d["domains"][0].update(code="Physical"), "domains.0.code", "lower-case"),
    ("empty title", lambda d: d.update(title=""), "title", "must not be empty"),
    ("long title", lambda d: d.update(title="x" * 201), "title", "at most 200"),
    ("compatible with itself", lambda d: d.update(compatible_with=[1]), "compatible_with.0", "itself"),
    (
        "compatible with a later version",
        lambda d: d.update(compatible_with=[2]),
        "compatible_with.0",
        "later than this version (1)",
    ),
    (
        "compatible with a version twice",
        lambda d: d.update(version=3, compatible_with=[1, 1]),
        "compatible_with.1",
        "already named",
    ),
]


@pytest.mark.parametrize(("mutate", "field", "message"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_a_flawed_document_is_refused_naming_the_field(mutate: Mutation, field: str, message: str) -> None:
    errors = refusal(needs_v1(mutate))
    assert [e for e in errors if e["field"] == field and message in e["message"]], errors
    assert all(set(error) == {"field", "message"} for error in errors)


def test_the_cross_field_rules_also_hold_for_direct_validation() -> None:
    with pytest.raises(ValueError, match=r"domains\.3\.outcome_area"):
        InstrumentDocument.model_validate(needs_v1(lambda d: d["domains"][3].update(outcome_area="be_wise")))


def test_every_error_is_reported_at_once() -> None:
    def break_everything(d: dict[str, Any]) -> None:
        d.update(version="2", colour="blue", intensive_level=1)
        d["domains"][3]["outcome_area"] = "be_wise"
        d["domains"][5]["code"] = "family"
        del d["levels"][3]
        d["strengths"].pop(0)

    fields = {error["field"] for error in refusal(needs_v1(break_everything))}
    assert fields >= {
        "version",
        "colour",
        "intensive_level",
        "domains.3.outcome_area",
        "domains.5.code",
        "levels",
        "strengths",
    }


def test_cross_field_rules_run_beside_type_errors_without_false_alarms() -> None:
    # a level of the wrong type is reported once, and no gap is invented where it sits
    errors = refusal(needs_v1(lambda d: d["levels"][3].update(level="3")))
    assert errors == [{"field": "levels.3.level", "message": "must be a whole number"}]


def _v2(**changes: Any) -> InstrumentDocument:
    return parse_instrument(json.dumps(needs_v1(lambda d: d.update(version=2, compatible_with=[1], **changes))))


def test_compatible_with_identical_earlier_version() -> None:
    assert compatibility_errors(_v2(), {1: NEEDS_V1}) == []


def test_compatible_with_changed_domains() -> None:
    earlier = needs_v1(lambda d: d["domains"][4].update(code="kin"))
    [error] = compatibility_errors(_v2(), {1: earlier})
    assert error["field"] == "compatible_with.0"
    assert "other domains" in error["message"]
    assert "missing here: kin" in error["message"] and "new here: family" in error["message"]


def test_compatible_with_changed_scale() -> None:
    earlier = needs_v1(lambda d: d["levels"].append({"level": 5, "label": "Extreme", "meaning": ""}))
    [error] = compatibility_errors(_v2(), {1: earlier})
    assert error["field"] == "compatible_with.0"
    assert "levels [0, 1, 2, 3, 4, 5]" in error["message"]


def test_compatible_with_changed_thresholds() -> None:
    [error] = compatibility_errors(_v2(), {1: needs_v1(lambda d: d.update(actionable_from=3))})
    assert error["field"] == "compatible_with.0" and "actionable_from 3" in error["message"]


def test_compatible_with_an_earlier_version_not_loaded() -> None:
    assert compatibility_errors(_v2(), {}) == [
        {"field": "compatible_with.0", "message": "version 1 of 'needs-v1' is not loaded"}
    ]


def test_compatible_with_a_definition_of_another_instrument() -> None:
    other = needs_v1(lambda d: d.update(code="other"))
    [error] = compatibility_errors(_v2(), {1: other})
    assert error["field"] == "compatible_with.0" and "'other'" in error["message"]


@pytest.mark.parametrize(
    ("text", "content_type"),
    [
        ('{"code": "needs-v1",', "application/json"),
        ('{"code": "needs-v1",', None),
        ("levels: [1, 2", "application/yaml"),
        ("levels: [1, 2", None),
        ("code: x\ncode: y\n", "text/yaml"),
        ('{"code": "x", "code": "y"}', None),
        ("a: &anchor [1]\nb: *anchor\n", "application/yaml"),
        ("- just\n- a list\n", None),
        ("", None),
    ],
    ids=[
        "bad json",
        "bad json sniffed",
        "bad yaml",
        "bad yaml sniffed",
        "yaml repeated key",
        "json repeated key",
        "yaml alias",
        "not a mapping",
        "empty",
    ],
)
def test_unreadable_text_gives_one_document_error(text: str, content_type: str | None) -> None:
    with pytest.raises(InstrumentInvalid) as caught:
        parse_instrument(text, content_type=content_type)
    [error] = caught.value.errors
    assert error["field"] == "document" and error["message"]


def test_a_level_far_beyond_any_scale_is_refused_at_once() -> None:
    """A huge level once made the gap check build a set of that size: one request could exhaust memory."""

    def huge(document: dict[str, Any]) -> None:
        document["levels"][-1]["level"] = 485852670352654208

    errors = refusal(needs_v1(huge))
    assert [e["field"] for e in errors] == ["levels.4.level"]


def yaml_with_compatible_with(written: str) -> str:
    document = needs_v1(lambda d: d.update(version=2, compatible_with=["WRITTEN"]))
    return yaml.safe_dump(document).replace("WRITTEN", written)


@pytest.mark.parametrize(
    "written", ["0x" + "f" * 5000, "1:" * 3000 + "1", str(2**63)], ids=["base 16", "base 60", "past a bigint"]
)
def test_an_integer_beyond_any_field_is_refused_naming_its_field_in_any_yaml_form(written: str) -> None:
    """YAML writes integers in bases 16 and 60 too: converted, these were too long for Python to print in the
    message about compatible_with, and the load failed."""
    with pytest.raises(InstrumentInvalid) as caught:
        parse_instrument(yaml_with_compatible_with(written), content_type="application/yaml")
    assert caught.value.errors == [{"field": "compatible_with.0", "message": "is too large a number"}]


def test_an_integer_within_a_bigint_meets_the_fields_own_rules() -> None:
    with pytest.raises(InstrumentInvalid) as caught:
        parse_instrument(yaml_with_compatible_with(str(2**63 - 1)), content_type="application/yaml")
    [error] = caught.value.errors
    assert error["field"] == "compatible_with.0" and "is later than this version (2)" in error["message"]
