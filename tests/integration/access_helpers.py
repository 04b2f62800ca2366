"""What the access tests share: the routes they call, the checks a caller would make of a refusal, and
clients registered and keyed through the admin API."""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import httpx
from fastapi import FastAPI

from services.api.main import create_app
from shared.settings import Settings
from tests.conftest import Council

SUMMARY = "/v1/scores/needs-summary"
CLIENTS = "/v1/admin/clients"
AUDIT = "/v1/admin/audit"
PROBLEM_JSON = "application/problem+json"
ISSUER = "https://login.example/council-tenant/v2.0"
AUDIENCE = "api://needs-led-care"
PORTAL = "https://portal.example"


def bearer(credential: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {credential}"}


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def fields_of(response: httpx.Response) -> set[str]:
    assert response.headers["content-type"] == PROBLEM_JSON, response.text
    return {error["field"] for error in response.json().get("errors", [])}


def assert_secured(response: httpx.Response) -> None:
    """The headers every response carries, and for errors a problem document with no trace in it."""
    assert response.headers["x-content-type-options"] == "nosniff", response.status_code
    assert response.headers["cache-control"] == "no-store", response.status_code
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, response.status_code
    assert response.headers["x-frame-options"] == "DENY", response.status_code
    if response.status_code >= 400:
        assert_problem(response)


def assert_problem(response: httpx.Response) -> None:
    assert response.headers["content-type"] == PROBLEM_JSON, response.status_code
    body = response.json()
    assert body["status"] == response.status_code and body["detail"], body
    assert "Traceback" not in response.text and 'File "' not in response.text, response.text


def retry_after(response: httpx.Response, most: int) -> int:
    seconds = int(response.headers["retry-after"])  # whole seconds, as RFC 9110 has it
    assert 1 <= seconds <= most, seconds
    return seconds


async def fresh_window(window_seconds: int, needed: float) -> None:
    """Waits, if need be, until at least `needed` seconds of the throttle's fixed window remain, so a
    test's few requests all land in one window."""
    remaining = window_seconds - time.time() % window_seconds
    if remaining < needed:
        await asyncio.sleep(remaining + 0.02)


@asynccontextmanager
async def dedicated_app(settings: Settings, **changes: Any) -> AsyncIterator[FastAPI]:
    """An app of its own, started as uvicorn would start it; its own queue name keeps its throttle counts apart."""
    update = {"queue_name": f"test:{uuid.uuid4().hex[:8]}", **changes}
    application = create_app(settings.model_copy(update=update))
    async with application.router.lifespan_context(application):
        yield application


@asynccontextmanager
async def client_of(application: FastAPI, address: str = "127.0.0.1") -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=application, client=(address, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def register(api: httpx.AsyncClient, council: Council, **body: Any) -> dict[str, Any]:
    response = await api.post(CLIENTS, json={"name": "dashboard", "kind": "bi"} | body, headers=council.admin)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def issue(api: httpx.AsyncClient, council: Council, client_id: str, **body: Any) -> dict[str, Any]:
    response = await api.post(f"{CLIENTS}/{client_id}/keys", json=body, headers=council.admin)
    assert response.status_code == 201, response.text
    issued: dict[str, Any] = response.json()
    assert issued["api_key"].startswith("nlc_")
    return issued


async def read_client(api: httpx.AsyncClient, council: Council, client_id: str) -> httpx.Response:
    response = await api.get(f"{CLIENTS}/{client_id}", headers=council.admin)
    assert response.status_code == 200, response.text
    return response


async def keys_of(api: httpx.AsyncClient, council: Council, client_id: str) -> dict[str, dict[str, Any]]:
    response = await read_client(api, council, client_id)
    return {key["key_id"]: key for key in response.json()["keys"]}


async def status_with(api: httpx.AsyncClient, credential: str) -> int:
    return (await api.get(SUMMARY, headers=bearer(credential))).status_code


async def own_client_id(api: httpx.AsyncClient, council: Council) -> str:
    listed = (await api.get(CLIENTS, headers=council.admin)).json()
    (admin,) = [c for c in listed if c["kind"] == "admin" and c["name"] == "admin"]
    client_id: str = admin["client_id"]
    return client_id
