"""Oversized bodies are refused, every response carries the security headers, CORS stays closed unless
an origin is named. A small app with the middlewares in the service's order; no database."""

import base64
import hashlib
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from pydantic import BaseModel

from services.api import problems
from services.api.docs import app_with_docs
from services.api.http_limits import BodyLimit, SecurityHeaders, install_cors

LIMIT = 1000
PORTAL = "https://portal.example.gov.uk"
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "strict-transport-security": "max-age=31536000; includeSubDomains",
    "cross-origin-opener-policy": "same-origin",
}
STRICT_CSP = "default-src 'none'; frame-ancestors 'none'"


class Item(BaseModel):
    note: str


def make_app(origins: list[str] | None = None) -> tuple[FastAPI, list[int]]:
    """The app, and the sizes of the bodies its handlers were given."""
    app = app_with_docs()
    seen: list[int] = []

    @app.post("/echo")
    async def echo(request: Request) -> Response:
        body = await request.body()
        seen.append(len(body))
        return Response(body, media_type="application/octet-stream")

    @app.post("/items")
    async def items(item: Item) -> dict[str, int]:
        seen.append(len(item.note))
        return {"length": len(item.note)}

    @app.get("/ok")
    async def ok() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/cached")
    async def cached() -> Response:
        return Response("{}", media_type="application/json", headers={"Cache-Control": "public, max-age=60"})

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    problems.install(app)
    app.add_middleware(BodyLimit, max_bytes=LIMIT)
    install_cors(app, origins or [])
    app.add_middleware(SecurityHeaders)
    return app, seen


def client_for(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def chunks(total: int, size: int = 100) -> AsyncIterator[bytes]:
    for start in range(0, total, size):
        yield bytes((start + i) % 251 for i in range(min(size, total - start)))


def assert_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413
    assert response.headers["content-type"] == problems.PROBLEM_JSON
    body = response.json()
    assert body["type"] == "/problems/body-too-large"
    assert f"{LIMIT} bytes" in body["detail"]


async def test_a_declared_body_over_the_limit_is_refused_before_the_app_sees_it() -> None:
    app, seen = make_app()
    async with client_for(app) as client:
        response = await client.post("/echo", content=b"x" * (LIMIT + 1))
    assert_too_large(response)
    assert seen == []


@pytest.mark.parametrize("path", ["/echo", "/items"])
async def test_a_streamed_body_over_the_limit_is_refused(path: str) -> None:
    app, seen = make_app()
    async with client_for(app) as client:
        response = await client.post(path, content=chunks(5 * LIMIT), headers={"Content-Type": "application/json"})
    assert_too_large(response)
    assert seen == []


@pytest.mark.parametrize("streamed", [False, True])
async def test_a_body_at_the_limit_reaches_the_handler_intact(streamed: bool) -> None:
    app, seen = make_app()
    payload = b"".join([chunk async for chunk in chunks(LIMIT)])
    async with client_for(app) as client:
        response = await client.post("/echo", content=chunks(LIMIT) if streamed else payload)
    assert response.status_code == 200
    assert response.content == payload
    assert seen == [LIMIT]


async def test_a_json_body_under_the_limit_is_parsed_as_usual() -> None:
    app, _ = make_app()
    async with client_for(app) as client:
        response = await client.post("/items", json={"note": "needs a new school place"})
    assert response.status_code == 200
    assert response.json() == {"length": 24}


@pytest.mark.parametrize("length", ["ten", "-1", "+5", "5, 5", ""])
async def test_an_invalid_content_length_is_a_bad_request(length: str) -> None:
    app, seen = make_app()
    async with client_for(app) as client:
        response = await client.post("/echo", content=b"hello", headers={"Content-Length": length})
    assert response.status_code == 400
    assert response.headers["content-type"] == problems.PROBLEM_JSON
    assert response.json()["type"] == "/problems/invalid-content-length"
    assert seen == []


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/ok", 200), ("GET", "/missing", 404), ("GET", "/boom", 500), ("POST", "/echo", 413)],
)
async def test_every_response_carries_the_security_headers(method: str, path: str, status: int) -> None:
    app, _ = make_app()
    async with client_for(app) as client:
        response = await client.request(method, path, content=b"x" * (LIMIT + 1) if method == "POST" else None)
    assert response.status_code == status
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    assert "camera=()" in response.headers["permissions-policy"]
    assert response.headers["content-security-policy"] == STRICT_CSP
    assert response.headers["cache-control"] == "no-store"


async def test_a_route_that_sets_its_own_cache_control_keeps_it() -> None:
    app, _ = make_app()
    async with client_for(app) as client:
        response = await client.get("/cached")
    assert response.headers["cache-control"] == "public, max-age=60"
    assert response.headers["x-frame-options"] == "DENY"


def inline_script_hash(html: str) -> str:
    scripts = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    assert len(scripts) == 1
    return "'sha256-" + base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode() + "'"


@pytest.mark.parametrize("path", ["/docs", "/docs/oauth2-redirect"])
async def test_swagger_ui_may_load_only_from_the_service_and_run_its_own_inline_script(path: str) -> None:
    app, _ = make_app()
    async with client_for(app) as client:
        response = await client.get(path)
    assert response.status_code == 200
    csp = dict(part.strip().split(" ", 1) for part in response.headers["content-security-policy"].split(";"))
    assert csp == {
        "default-src": "'none'",
        "script-src": f"'self' {inline_script_hash(response.text)}",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "connect-src": "'self'",
        "frame-ancestors": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
    }
    assert response.headers["x-frame-options"] == "DENY"


async def test_redoc_is_not_served_and_the_api_keeps_the_strict_policy() -> None:
    app, _ = make_app()
    async with client_for(app) as client:
        redoc = await client.get("/redoc")
        schema = await client.get("/openapi.json")
    assert redoc.status_code == 404
    assert schema.headers["content-security-policy"] == STRICT_CSP


def preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Authorization, Idempotency-Key",
    }


async def test_cors_is_closed_when_no_origin_is_configured() -> None:
    app, _ = make_app()
    async with client_for(app) as client:
        response = await client.options("/ok", headers=preflight(PORTAL))
        simple = await client.get("/ok", headers={"Origin": PORTAL})
    assert "access-control-allow-origin" not in response.headers
    assert "access-control-allow-origin" not in simple.headers


async def test_cors_opens_for_a_configured_origin_only() -> None:
    app, _ = make_app([PORTAL])
    async with client_for(app) as client:
        allowed = await client.options("/ok", headers=preflight(PORTAL))
        simple = await client.get("/ok", headers={"Origin": PORTAL})
        other = await client.options("/ok", headers=preflight("https://elsewhere.example"))
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == PORTAL
    assert {"Authorization", "Idempotency-Key", "If-Match"} <= set(
        allowed.headers["access-control-allow-headers"].split(", ")
    )
    assert allowed.headers["access-control-max-age"] == "600"
    assert "access-control-allow-credentials" not in allowed.headers
    assert simple.headers["access-control-allow-origin"] == PORTAL
    assert "ETag" in simple.headers["access-control-expose-headers"]
    assert "access-control-allow-origin" not in other.headers


def test_a_wildcard_cors_origin_is_refused_at_startup() -> None:
    with pytest.raises(ValueError, match="named"):
        install_cors(FastAPI(), ["*"])
