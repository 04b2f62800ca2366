"""The OpenAPI document is the contract: every v1 operation names its scope and documents its problems
as problem+json; a route that declares no scope stops the app from starting."""

from typing import Annotated, Any

import pytest
from fastapi import APIRouter, FastAPI

from services.api.access import PUBLIC, enforce_declared_access, requires
from services.api.auth import Caller
from shared.access import Scope


def test_every_v1_operation_names_its_scope_and_documents_its_problems(app: FastAPI) -> None:
    document = app.openapi()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if not path.startswith("/v1/"):
                assert "x-required-scope" not in operation, f"{method} {path}"
                continue
            assert operation["x-required-scope"] in {scope.value for scope in Scope}, f"{method} {path}"
            assert operation["security"] == [{"HTTPBearer": []}], f"{method} {path}"
            responses = operation["responses"]
            assert {"401", "403", "404", "413", "422", "429"} <= responses.keys(), f"{method} {path}"
            assert "application/problem+json" in responses["422"]["content"], f"{method} {path}"
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_a_route_without_a_declared_scope_does_not_start() -> None:
    router = APIRouter()

    @router.get("/v1/forgotten")
    async def forgotten() -> None:
        return None

    with pytest.raises(RuntimeError, match="GET /v1/forgotten declares 0 access rules"):
        enforce_declared_access([router])


def test_a_route_with_two_access_rules_does_not_start() -> None:
    router = APIRouter(dependencies=[PUBLIC])

    @router.get("/v1/confused")
    async def confused(caller: Annotated[Caller, requires(Scope.SCORES_READ)]) -> None:
        return None

    with pytest.raises(RuntimeError, match="declares 2 access rules"):
        enforce_declared_access([router])


def untyped_or_undescribed(schema: Any, where: str) -> list[str]:
    """Every place under `schema` a client generator or a BI model would have to guess: an object with no
    declared properties (free-form), an array of anything, a value of no type, a property with no description."""
    if not isinstance(schema, dict) or "$ref" in schema:
        return []
    faults: list[str] = []
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties")
    if schema.get("type") == "object" and not properties and extra in (None, True, {}):
        faults.append(f"{where}: an object of no declared properties")
    if schema.get("type") == "array" and schema.get("items") in (None, {}):
        faults.append(f"{where}: an array of untyped items")
    if not schema.keys() & {"type", "anyOf", "oneOf", "allOf", "const", "enum"}:
        faults.append(f"{where}: a value of no type")
    for name, child in properties.items():
        if "description" not in child:
            faults.append(f"{where}.{name}: no description")
        faults += untyped_or_undescribed(child, f"{where}.{name}")
    nested = [("{}", extra), ("[]", schema.get("items"))]
    nested += [(f"|{n}", option) for key in ("anyOf", "oneOf", "allOf") for n, option in enumerate(schema.get(key, []))]
    for suffix, child in nested:
        faults += untyped_or_undescribed(child, where + suffix)
    return faults


def test_every_schema_is_typed_and_every_field_and_parameter_described(app: FastAPI) -> None:
    document = app.openapi()
    faults = [
        fault
        for name, schema in document["components"]["schemas"].items()
        for fault in untyped_or_undescribed(schema, name)
    ]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            bodies = [("body", operation.get("requestBody", {})), *operation["responses"].items()]
            for status, body in bodies:
                for media, content in body.get("content", {}).items():
                    faults += untyped_or_undescribed(content.get("schema", {}), f"{where} {status} {media}")
            faults += [
                f"{where} parameter {p['name']}: no description"
                for p in operation.get("parameters", [])
                if "description" not in p
            ]
    assert faults == []


def test_the_walk_finds_what_it_is_for() -> None:
    loose = {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"type": "object", "additionalProperties": True}},
            "named": {"description": "a value of any type"},
        },
    }
    assert untyped_or_undescribed(loose, "Page") == [
        "Page.items: no description",
        "Page.items[]: an object of no declared properties",
        "Page.named: a value of no type",
    ]
