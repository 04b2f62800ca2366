"""The OpenAPI document is the contract: every v1 operation names its scope and documents its problems
as problem+json; a route that declares no scope stops the app from starting."""

from typing import Annotated

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
