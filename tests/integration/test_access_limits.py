"""The limits at the edge, as a caller would notice them: failed authentications, bursts, body size,
security headers and CORS."""

import uuid
from typing import Any

import httpx
from fastapi import FastAPI

from services.api.access import BATCH_ROUTES
from shared.access import Kind
from shared.settings import Settings
from tests.conftest import METRICS_TOKEN, Council, headers_for, state_of
from tests.integration.access_helpers import (
    CLIENTS,
    PORTAL,
    SUMMARY,
    assert_secured,
    bearer,
    client_of,
    dedicated_app,
    fresh_window,
    retry_after,
)


async def test_failed_authentications_past_the_limit_are_refused_but_a_valid_key_never_is(
    settings: Settings, council: Council
) -> None:
    # A long window, so the few requests all but never straddle two; the window's end is test_throttle's.
    window = 3600
    async with (
        dedicated_app(settings, auth_failure_limit=3, auth_failure_window_seconds=window) as application,
        client_of(application) as client,
        client_of(application, "198.51.100.7") as elsewhere,
    ):
        await fresh_window(window, needed=5)
        failures = [await client.get(SUMMARY, headers=bearer(f"nlc_guess{n}_wrong")) for n in range(3)]
        assert [response.status_code for response in failures] == [401, 401, 401]

        blocked = await client.get(SUMMARY, headers=bearer("nlc_guess4_wrong"))
        assert blocked.status_code == 429
        limits = state_of(application).settings
        assert f"More than {limits.auth_failure_limit} failed authentications" in blocked.json()["detail"]
        assert f"in {limits.auth_failure_window_seconds} s" in blocked.json()["detail"]
        assert "AUTH_FAILURE_LIMIT" in blocked.json()["detail"]
        retry_after(blocked, most=window)
        assert_secured(blocked)
        # The council's own system behind the same proxy or NAT is served all the while, and serving it
        # does not wipe the guesser's count.
        assert (await client.get(SUMMARY, headers=council.bi)).status_code == 200
        assert (await client.get(SUMMARY, headers=bearer("nlc_guess5_wrong"))).status_code == 429
        # Another address is counted apart: its first wrong key is a plain 401.
        assert (await elsewhere.get(SUMMARY, headers=bearer("nlc_guess6_wrong"))).status_code == 401


async def test_wrong_metrics_tokens_count_as_failed_authentications(settings: Settings, council: Council) -> None:
    window = 3600
    async with (
        dedicated_app(settings, auth_failure_limit=3, auth_failure_window_seconds=window) as application,
        client_of(application) as client,
    ):
        await fresh_window(window, needed=5)
        failures = [
            await client.get("/metrics", headers=bearer("wrong-metrics-token-1")),
            await client.get(SUMMARY, headers=bearer("nlc_guess1_wrong")),
            await client.get("/metrics", headers=bearer("wrong-metrics-token-2")),
        ]
        assert [response.status_code for response in failures] == [401, 401, 401]

        refused = await client.get("/metrics", headers=bearer("wrong-metrics-token-3"))
        assert refused.status_code == 429
        retry_after(refused, most=window)
        assert_secured(refused)
        # The scraper's own token, and a council's key, from the same address are still served.
        assert (await client.get("/metrics", headers=bearer(METRICS_TOKEN))).status_code == 200
        assert (await client.get(SUMMARY, headers=council.bi)).status_code == 200


async def test_a_burst_over_the_client_limit_is_refused_while_another_client_carries_on(
    app: FastAPI, settings: Settings, council: Council
) -> None:
    other_bi = await headers_for(app, council, Kind.BI)
    window = 3600  # long, so the burst all but never straddles two windows
    async with (
        dedicated_app(settings, client_request_limit=5, client_request_window_seconds=window) as application,
        client_of(application) as client,
    ):
        await fresh_window(window, needed=5)
        statuses = [(await client.get(SUMMARY, headers=council.bi)).status_code for _ in range(5)]
        assert statuses == [200] * 5
        refused = await client.get(SUMMARY, headers=council.bi)
        assert refused.status_code == 429
        limits = state_of(application).settings
        detail = refused.json()["detail"]
        assert f"More than {limits.client_request_limit} requests in {limits.client_request_window_seconds} s" in detail
        assert "CLIENT_REQUEST_LIMIT" in detail
        # Every batch route it names is one the API serves.
        served = {path for path, operations in application.openapi()["paths"].items() if "post" in operations}
        assert all(f"POST {route}" in detail for route in BATCH_ROUTES) and set(BATCH_ROUTES) <= served
        retry_after(refused, most=window)
        assert_secured(refused)

        # Another client, even on the same route, is counted apart.
        assert (await client.get(SUMMARY, headers=other_bi)).status_code == 200
        assert (await client.get(CLIENTS, headers=council.admin)).status_code == 200


async def test_a_body_over_the_limit_is_refused_with_413_and_nothing_written(
    settings: Settings, council: Council
) -> None:
    limit = 1024
    async with dedicated_app(settings, max_body_bytes=limit) as application, client_of(application) as client:
        name = f"big {uuid.uuid4().hex[:6]} " + "x" * 180
        body = {"name": name, "kind": "bi", "padding": "y" * 2000}
        too_large = await client.post(CLIENTS, json=body, headers=council.admin)
        assert too_large.status_code == 413
        assert str(limit) in too_large.json()["detail"]
        assert_secured(too_large)

        listed = await client.get(CLIENTS, headers=council.admin)
        assert name not in {c["name"] for c in listed.json()}
        # Under the limit, the same route works as usual.
        created = await client.post(CLIENTS, json={"name": name, "kind": "bi"}, headers=council.admin)
        assert created.status_code == 201, created.text


async def test_every_response_carries_the_security_headers_and_no_trace(settings: Settings, council: Council) -> None:
    changes: dict[str, Any] = {"max_body_bytes": 1024, "auth_failure_limit": 1, "auth_failure_window_seconds": 3600}
    async with (
        dedicated_app(settings, **changes) as application,
        client_of(application) as client,
        client_of(application, "192.0.2.44") as guesser,
    ):
        await fresh_window(3600, needed=5)
        responses = {
            200: await client.get(SUMMARY, headers=council.bi),
            201: await client.post(CLIENTS, json={"name": "headers", "kind": "bi"}, headers=council.admin),
            403: await client.get(CLIENTS, headers=council.bi),
            404: await client.get(f"{CLIENTS}/{uuid.uuid4()}", headers=council.admin),
            405: await client.delete(SUMMARY, headers=council.bi),
            413: await client.post(CLIENTS, content=b"{" + b" " * 2048 + b"}", headers=council.admin),
            422: await client.post(CLIENTS, json={"name": "x", "kind": "bi", "scopes": ["a"]}, headers=council.admin),
            401: await guesser.get(SUMMARY, headers=bearer("nlc_guess_wrong")),
            429: await guesser.get(SUMMARY, headers=bearer("nlc_guess_again")),
        }
        unrouted = await client.get("/v1/no-such-thing", headers=council.bi)
        broken_json = await client.post(
            CLIENTS, content=b'{"name": ', headers=council.admin | {"Content-Type": "application/json"}
        )
    for status, response in responses.items():
        assert response.status_code == status, (status, response.text)
        assert_secured(response)
    assert unrouted.status_code == 404
    assert broken_json.status_code == 422
    assert_secured(unrouted)
    assert_secured(broken_json)


def preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "Authorization",
    }


async def test_cors_is_closed_by_default(api: httpx.AsyncClient, council: Council) -> None:
    asked = await api.options(SUMMARY, headers=preflight(PORTAL))
    simple = await api.get(SUMMARY, headers=council.bi | {"Origin": PORTAL})
    assert simple.status_code == 200
    for response in (asked, simple):
        assert "access-control-allow-origin" not in response.headers
        assert_secured(response)


async def test_cors_opens_for_the_configured_origin_only(settings: Settings, council: Council) -> None:
    async with dedicated_app(settings, cors_origins=[PORTAL]) as application, client_of(application) as client:
        allowed = await client.options(SUMMARY, headers=preflight(PORTAL))
        simple = await client.get(SUMMARY, headers=council.bi | {"Origin": PORTAL})
        other = await client.options(SUMMARY, headers=preflight("https://elsewhere.example"))
        other_simple = await client.get(SUMMARY, headers=council.bi | {"Origin": "https://elsewhere.example"})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == PORTAL
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in allowed.headers
    assert simple.status_code == 200 and simple.headers["access-control-allow-origin"] == PORTAL
    assert "retry-after" in simple.headers["access-control-expose-headers"].lower()
    assert other.status_code >= 400
    assert "access-control-allow-origin" not in other.headers
    assert "access-control-allow-origin" not in other_simple.headers
    for response in (allowed, simple, other, other_simple):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "Traceback" not in response.text
