"""Every route of the OpenAPI document, generated from the app so a new one cannot slip past: authenticated, and its
errors documented as problem+json."""

import re
import uuid

import httpx
import pytest
from fastapi import FastAPI

from services.api.main import create_app

PUBLIC = {"/healthz", "/readyz"}
ROUTES = [
    (path, method.upper()) for path, operations in create_app().openapi()["paths"].items() for method in operations
]


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)


@pytest.mark.parametrize(("path", "method"), ROUTES, ids=[f"{m} {p}" for p, m in ROUTES])
async def test_every_route_but_health_refuses_a_caller_without_a_key(
    api: httpx.AsyncClient, path: str, method: str
) -> None:
    response = await api.request(method, concrete(path), json={})
    if path in PUBLIC:
        assert response.status_code in (200, 503)
    else:
        assert response.status_code == 401
        assert response.json()["type"] == "/problems/not-authenticated"


def test_every_v1_route_documents_its_problems(app: FastAPI) -> None:
    document = app.openapi()
    for path, operations in document["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"401", "404", "422"} <= responses.keys(), f"{method} {path}"
            assert "application/problem+json" in responses["422"]["content"], f"{method} {path}"
    assert "HTTPValidationError" not in document["components"]["schemas"]
