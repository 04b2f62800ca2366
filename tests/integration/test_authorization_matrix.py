"""The authorisation matrix: every operation of the OpenAPI document (generated from the app, so a new
route fails here until it has a case) against every kind of caller. Only the permitted succeed; a
caller without the scope gets 403 before any id is read; another council's or another provider's id is
a 404 (or the same 422 an unknown id gets), never a 403 that tells it exists; lists hold no foreign rows;
every 403 and 404 is kept in the audit log of the refused client's council.
"""

import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any, Literal

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy import update

from services.api.clients import service as clients
from services.api.clients.schemas import ClientIn, KeyIn
from services.api.main import create_app
from shared.access import KIND_SCOPES, Kind
from shared.db import transaction
from shared.models import ApiKey
from shared.settings import Settings
from tests.conftest import METRICS_TOKEN, Council, new_council, state_of
from tests.integration.authorization_cases import CASES, CONTRACT, Caller, Case, World, contract_body
from tests.integration.helpers import add_child, assessment, placement, run_worker, years_ago
from tests.jwt_keys import SigningKey, jwks_document, make_token

ISSUER = "https://login.example.test/council-tenant/v2.0"
AUDIENCE = "api://needs-led-care"
PUBLIC = {"healthz", "readyz", "metrics"}


def jwt_headers(key: SigningKey, subject: str, **changes: Any) -> dict[str, str]:
    claims = {"issuer": ISSUER, "audience": AUDIENCE, "subject": subject} | changes
    return {"Authorization": f"Bearer {make_token(key, **claims)}"}


async def client_headers(app: FastAPI, council: Council, body: ClientIn) -> tuple[dict[str, str], str]:
    async with transaction(state_of(app).sessions) as db:
        client = await clients.create_client(db, council.la_id, body)
        key = await clients.issue_key(db, client, KeyIn())
    return {"Authorization": f"Bearer {key.api_key}"}, key.prefix


async def spoiled_key(app: FastAPI, council: Council, how: Literal["expired", "revoked"]) -> dict[str, str]:
    headers, prefix = await client_headers(app, council, ClientIn(name=how, kind=Kind.CASE_MANAGEMENT))
    column = {"expired": ApiKey.expires_at, "revoked": ApiKey.revoked_at}[how]
    async with transaction(state_of(app).sessions) as db:
        await db.execute(update(ApiKey).where(ApiKey.prefix == prefix).values({column: date(2020, 1, 1)}))
    return headers


@pytest_asyncio.fixture(scope="module")
async def matrix_app(settings: Settings) -> AsyncIterator[tuple[FastAPI, SigningKey]]:
    key = SigningKey.generate()
    configured = settings.model_copy(
        update={"oauth_issuer": ISSUER, "oauth_audience": AUDIENCE, "oauth_jwks": jwks_document(key)}
    )
    application = create_app(configured)
    async with application.router.lifespan_context(application):
        yield application, key


@pytest_asyncio.fixture(scope="module")
async def world(matrix_app: tuple[FastAPI, SigningKey], settings: Settings) -> AsyncIterator[World]:
    app, signing_key = matrix_app
    a, b = await new_council(app), await new_council(app)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as api:
        for council, providers in ((a, ("P1", "P2")), (b, ("PB",))):
            for provider in providers:
                response = await api.put(f"/v1/providers/{provider}", json={"name": provider}, headers=council.admin)
                assert response.status_code == 201, response.text
        jwt_subject = f"entra-app-{uuid.uuid4().hex}"
        async with transaction(state_of(app).sessions) as db:
            jwt_admin = ClientIn(name="admin by token", kind=Kind.ADMIN)
            await clients.create_client(db, a.la_id, jwt_admin, oauth_subject=jwt_subject)
        callers = [
            Caller("case management A", a.headers, "A", Kind.CASE_MANAGEMENT),
            Caller("bi A", a.bi, "A", Kind.BI),
            Caller("admin A", a.admin, "A", Kind.ADMIN),
            Caller("admin A by token", jwt_headers(signing_key, jwt_subject), "A", Kind.ADMIN),
            Caller("provider P1", await headers_of(app, a, Kind.PROVIDER, "P1"), "A", Kind.PROVIDER, "P1"),
            Caller("provider P2", await headers_of(app, a, Kind.PROVIDER, "P2"), "A", Kind.PROVIDER, "P2"),
            Caller("case management B", b.headers, "B", Kind.CASE_MANAGEMENT),
            Caller("bi B", b.bi, "B", Kind.BI),
            Caller("admin B", b.admin, "B", Kind.ADMIN),
            Caller("provider B", await headers_of(app, b, Kind.PROVIDER, "PB"), "B", Kind.PROVIDER, "PB"),
            Caller("expired key", await spoiled_key(app, a, "expired")),
            Caller("revoked key", await spoiled_key(app, a, "revoked")),
            Caller("token of another issuer", jwt_headers(signing_key, jwt_subject, issuer="https://evil.test/")),
            Caller("token for another audience", jwt_headers(signing_key, jwt_subject, audience="api://other")),
            Caller("token signed by another key", jwt_headers(SigningKey.generate(signing_key.kid), jwt_subject)),
            Caller("expired token", jwt_headers(signing_key, jwt_subject, expires_in=-600)),
            Caller("token of no client", jwt_headers(signing_key, "unknown-subject")),
            Caller("anonymous", {}),
        ]
        world = World(app, api, a, b, callers, c1_pseudonym=a.pseudonym("C1"))
        await add_child(api, a.headers, "C1")
        await add_child(api, a.headers, "C-put")
        body = placement("C1", "PL-C1", years_ago(1), provider_id="P1")
        placed = await api.post("/v1/placements", json=body, headers=a.headers)
        assert placed.status_code == 201, placed.text
        world.placement_id = placed.json()["id"]
        world.assessment_id = await world.fresh_assessment()
        world.measure_id = await world.fresh_measure()
        # A second child with a baseline, so the council has a reliable-change SD to calibrate.
        second = assessment("C-put", "AS-second", years_ago(0.5))
        assert (await api.post("/v1/assessments", json=second, headers=a.headers)).status_code == 201
        spare = await api.post("/v1/admin/clients", json={"name": "spare", "kind": "bi"}, headers=a.admin)
        world.spare_client_id = spare.json()["client_id"]
        contract = await api.post("/v1/admin/contracts", json=contract_body(CONTRACT), headers=a.admin)
        assert contract.status_code == 201, contract.text
        await add_child(api, a.headers, "C-erased")
        erased = await api.post("/v1/admin/erasures", json={"child_id": "C-erased"}, headers=a.admin)
        await run_worker(settings, app)
        world.markers = {
            "figures": [a.pseudonym("C1")],
            "erased": [erased.json()["child_pseudonym"]],
            "cohort": ["children_counted"],
            "cohort-children": ["children_in_slice"],
            "clients": [world.spare_client_id],
            "calibrations": [],
            "removals": [],
            "contracts": [CONTRACT],
        }
        yield world


async def headers_of(app: FastAPI, council: Council, kind: Kind, provider: str) -> dict[str, str]:
    headers, _ = await client_headers(app, council, ClientIn(name=provider, kind=kind, provider_id=provider))
    return headers


def operations() -> list[tuple[str, str, str, str | None]]:
    document = create_app().openapi()
    return [
        (op["operationId"], method.upper(), path, op.get("x-required-scope"))
        for path, ops in document["paths"].items()
        for method, op in ops.items()
    ]


OPERATIONS = operations()


def expected(case: Case, scope: str, caller: Caller) -> str:
    if caller.council is None:
        return "401"
    assert caller.kind is not None
    if scope not in KIND_SCOPES[caller.kind]:
        return "403"
    foreign = caller.council == "B" or caller.provider not in (None, "P1")
    return case.foreign if foreign else "ok"


COHORT_COLUMNS = {"children_counted", "children_in_slice"}


def mismatch(outcome: str, response: httpx.Response, markers: list[str]) -> str | None:
    status, text = response.status_code, response.text
    if outcome in ("401", "403"):
        return None if status == int(outcome) else f"expected {outcome}"
    if outcome == "not_found":
        return None if status == 404 else "expected 404"
    if outcome == "invalid":
        return None if status == 422 else "expected 422"
    if outcome == "own":
        return None if status in (200, 201, 202) else "expected its own write to succeed"
    if outcome == "list":
        # A cohort's column names are in any council's reply: its rows are what must be empty.
        leaked = [m for m in markers if m in text and m not in COHORT_COLUMNS]
        if status != 200 or leaked:
            return f"expected 200 without the owner's rows, leaked {leaked}"
        if markers and set(markers) <= COHORT_COLUMNS and response.json()["items"]:
            return "another council's cohort figures shown"
        return None
    if not 200 <= status < 300:
        return "expected success"
    return None if all(m in text for m in markers) else f"the owner's list lacks {markers}"


REFUSED = {403: "forbidden", 404: "not-found"}


async def refusals(world: World, council: Literal["A", "B"]) -> list[tuple[str, str, str]]:
    """The refusals the council's audit log gained since last asked, as (route, client kind, result)."""
    admin = (world.a if council == "A" else world.b).admin
    found = []
    while True:
        cursor = world.audit_cursors.get(council)
        params = {"limit": 1000} | ({"cursor": cursor} if cursor is not None else {})
        page = (await world.api.get("/v1/admin/audit", params=params, headers=admin)).json()
        found += [
            (row["route"], row["client_kind"], row["result"])
            for row in page["items"]
            if row["result"] in REFUSED.values()
        ]
        world.audit_cursors[council] = page["next_cursor"]
        if not page["has_more"]:
            return found


@pytest.mark.parametrize(("operation", "method", "path", "scope"), OPERATIONS, ids=[op[0] for op in OPERATIONS])
async def test_only_the_permitted_reach_an_operation(
    world: World, operation: str, method: str, path: str, scope: str | None
) -> None:
    if operation in PUBLIC:
        for caller in world.callers:
            response = await world.api.request(method, path, headers=caller.headers)
            assert response.status_code == (401 if operation == "metrics" else 200), (caller.name, response.text)
        metrics = await world.api.get(path, headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert operation != "metrics" or metrics.status_code == 200
        return
    assert operation in CASES, f"{method} {path} has no case in the authorisation matrix: add one"
    assert scope is not None, f"{method} {path} declares no scope"
    case = CASES[operation]
    wrong = []
    for council in ("A", "B"):
        await refusals(world, council)
    refused: dict[str, list[tuple[str, str, str]]] = {"A": [], "B": []}
    for caller in world.callers:
        request = await case.build(world)
        response = await world.api.request(
            request.method,
            request.path,
            json=request.json,
            files=request.files,
            params=request.params,
            headers=caller.headers | request.headers,
        )
        outcome = expected(case, scope, caller)
        markers = world.markers.get(case.markers or "", [])
        problem = mismatch(outcome, response, markers)
        if problem:
            wrong.append(f"{caller.name}: {problem}, got {response.status_code} {response.text[:200]}")
        if response.status_code >= 400:
            assert response.headers["content-type"] == "application/problem+json", caller.name
        if response.status_code in REFUSED and caller.council is not None and caller.kind is not None:
            refused[caller.council].append((f"{method} {path}", caller.kind.value, REFUSED[response.status_code]))
    assert not wrong, "\n".join(wrong)
    # Every refusal is in the audit log of the refused client's council, and nothing else is.
    for council in ("A", "B"):
        assert sorted(await refusals(world, council)) == sorted(refused[council]), council


def test_every_operation_has_a_case() -> None:
    """A case left behind for a removed route would test nothing."""
    names = {op[0] for op in OPERATIONS}
    assert set(CASES) <= names
    assert names - set(CASES) <= PUBLIC
