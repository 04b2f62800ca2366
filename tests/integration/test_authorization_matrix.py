"""The authorisation matrix: every operation of the OpenAPI document (generated from the app, so a new
route fails here until it has a case) against every kind of caller. Only the permitted succeed; a
caller without the scope gets 403 before any id is read; another council's or another provider's id is
a 404 (or the same 422 an unknown id gets), never a 403 that tells it exists; lists hold no foreign rows;
every 403 and 404 is kept in the audit log of the refused client's council.
"""

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
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
from shared.domain import statements
from shared.domain.council_recompute import ACTIVE
from shared.domain.locks import figures_lock
from shared.models import ApiKey, CouncilRecompute
from shared.settings import Settings
from tests.conftest import METRICS_TOKEN, ROOT, Council, new_council, state_of
from tests.integration.helpers import add_child, assessment, placement, run_worker, years_ago
from tests.jwt_keys import SigningKey, jwks_document, make_token

ISSUER = "https://login.example.test/council-tenant/v2.0"
AUDIENCE = "api://needs-led-care"
PUBLIC = {"healthz", "readyz", "metrics"}

# What a caller with the scope, but of another council (or another provider), gets.
Foreign = Literal["not_found", "invalid", "own", "list"]


@dataclass
class Caller:
    name: str
    headers: dict[str, str]
    council: Literal["A", "B"] | None = None  # None: the credential itself is bad
    kind: Kind | None = None
    provider: str | None = None


@dataclass
class World:
    """Council A holds the data; council B and provider P2 must not reach it."""

    app: FastAPI
    api: httpx.AsyncClient
    a: Council
    b: Council
    callers: list[Caller]
    assessment_id: str = ""
    placement_id: str = ""
    spare_client_id: str = ""
    c1_pseudonym: str = ""
    markers: dict[str, list[str]] = field(default_factory=dict)
    audit_cursors: dict[str, str | None] = field(default_factory=dict)

    def caller(self, name: str) -> Caller:
        return next(c for c in self.callers if c.name == name)

    async def fresh_child(self) -> str:
        child_id = f"F-{uuid.uuid4().hex[:8]}"
        await add_child(self.api, self.a.headers, child_id)
        return child_id

    async def fresh_placement(self) -> str:
        child_id = await self.fresh_child()
        body = placement(child_id, f"PL-{uuid.uuid4().hex[:8]}", years_ago(1), provider_id="P1")
        response = await self.api.post("/v1/placements", json=body, headers=self.a.headers)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def fresh_assessment(self) -> str:
        body = assessment("C1", f"AS-{uuid.uuid4().hex[:8]}", years_ago(0.2))
        response = await self.api.post("/v1/assessments", json=body, headers=self.a.headers)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])


@dataclass
class Request:
    method: str
    path: str
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)


@dataclass
class Case:
    build: Callable[[World], Awaitable[Request]]
    foreign: Foreign
    markers: str | None = None  # World.markers key: what the owner's list shows and no one else's may


def child_body() -> dict[str, Any]:
    return {"date_of_birth": "2012-01-01", "sex": "F", "ethnicity": "WBRI", "uasc": False}


def fixed(method: str, path: str, json: Any = None, **params: str) -> Callable[[World], Awaitable[Request]]:
    async def build(world: World) -> Request:
        return Request(method, path.format(w=world), json, params=params)

    return build


async def amend(world: World) -> Request:
    assessment_id = await world.fresh_assessment()
    content = {k: v for k, v in assessment("C1", "x", years_ago(0.2)).items() if k not in ("external_id", "child_id")}
    return Request("PUT", f"/v1/assessments/{assessment_id}", content, {"If-Match": '"1"'})


async def new_assessment(world: World) -> Request:
    return Request("POST", "/v1/assessments", assessment("C1", f"N-{uuid.uuid4().hex[:8]}", years_ago(0.1)))


async def new_assessments(world: World) -> Request:
    item = assessment("C1", f"N-{uuid.uuid4().hex[:8]}", years_ago(0.1))
    return Request("POST", "/v1/assessments/batch", {"items": [item]})


async def new_placement(world: World) -> Request:
    child_id = await world.fresh_child()
    return Request("POST", "/v1/placements", placement(child_id, f"N-{uuid.uuid4().hex[:8]}", years_ago(0.5)))


async def new_placements(world: World) -> Request:
    child_id = await world.fresh_child()
    item = placement(child_id, f"N-{uuid.uuid4().hex[:8]}", years_ago(0.5))
    return Request("POST", "/v1/placements/batch", {"items": [item]})


async def end_placement(world: World) -> Request:
    placement_id = await world.fresh_placement()
    ending = {"end_date": date.today().isoformat(), "reason_ended": "E11"}
    return Request("POST", f"/v1/placements/{placement_id}/end", ending)


async def new_client(world: World) -> Request:
    return Request("POST", "/v1/admin/clients", {"name": "new BI", "kind": "bi"})


async def revoke(world: World) -> Request:
    async with transaction(state_of(world.app).sessions) as db:
        client = await clients.require_client(db, world.a.la_id, uuid.UUID(world.spare_client_id))
        key = await clients.issue_key(db, client, KeyIn())
    return Request("POST", f"/v1/admin/clients/{world.spare_client_id}/keys/{key.key_id}/revoke")


async def disable(world: World) -> Request:
    response = await world.api.post(
        "/v1/admin/clients", json={"name": "to disable", "kind": "bi"}, headers=world.caller("admin A").headers
    )
    return Request("POST", f"/v1/admin/clients/{response.json()['client_id']}/disable")


async def council_recompute(world: World) -> str:
    """Council A's recompute, its id a marker no other council's list may show; those asked for before are
    marked done, as the worker (not running here) would, since a council has one at a time."""
    await settle_recomputes(world)
    response = await world.api.post("/v1/admin/recompute", headers=world.a.admin)
    assert response.status_code == 202, response.text
    world.markers["recomputes"] = [response.json()["id"]]
    return str(response.json()["id"])


async def settle_recomputes(world: World) -> None:
    async with transaction(state_of(world.app).sessions) as db:
        councils = CouncilRecompute.la_id.in_([world.a.la_id, world.b.la_id])
        await db.execute(
            update(CouncilRecompute).where(councils, CouncilRecompute.state.in_(ACTIVE)).values(state="done")
        )


async def recompute(world: World) -> Request:
    await settle_recomputes(world)
    return Request("POST", "/v1/admin/recompute")


async def follow_recompute(world: World) -> Request:
    return Request("GET", f"/v1/admin/recomputes/{await council_recompute(world)}")


async def list_recomputes(world: World) -> Request:
    await council_recompute(world)
    return Request("GET", "/v1/admin/recomputes")


async def erase(world: World) -> Request:
    return Request("POST", "/v1/admin/erasures", {"child_id": await world.fresh_child()})


NEEDS_V1 = json.loads((ROOT / "shared" / "instruments" / "needs-v1.json").read_text())
COUNCIL_INSTRUMENT = "matrix-a-needs"


async def new_instrument(world: World) -> Request:
    return Request("POST", "/v1/admin/instruments", NEEDS_V1 | {"code": f"m-{uuid.uuid4().hex[:12]}"})


async def council_instrument(world: World) -> None:
    """Council A's own instrument, loaded once: its clients see it, no other council's may."""
    if "instruments" not in world.markers:
        body = NEEDS_V1 | {"code": COUNCIL_INSTRUMENT}
        response = await world.api.post("/v1/admin/instruments", json=body, headers=world.a.admin)
        assert response.status_code == 201, response.text
        world.markers["instruments"] = [COUNCIL_INSTRUMENT]


async def list_instruments(world: World) -> Request:
    await council_instrument(world)
    return Request("GET", "/v1/instruments")


async def list_domains(world: World) -> Request:
    await council_instrument(world)
    return Request("GET", "/v1/scores/domains")


async def get_instrument(world: World) -> Request:
    await council_instrument(world)
    return Request("GET", f"/v1/instruments/{COUNCIL_INSTRUMENT}/1")


CONTRACT, CONTRACT_START = "K-P1", years_ago(2)


def contract_body(code: str) -> dict[str, Any]:
    return {
        "code": code,
        "provider_id": "P1",
        "start_date": CONTRACT_START.isoformat(),
        "end_date": years_ago(-1).isoformat(),
        "period": "quarter",
    }


async def new_contract(world: World) -> Request:
    return Request("POST", "/v1/admin/contracts", contract_body(f"K-{uuid.uuid4().hex[:8]}"))


async def end_contract(world: World) -> Request:
    code = f"K-{uuid.uuid4().hex[:8]}"
    created = await world.api.post("/v1/admin/contracts", json=contract_body(code), headers=world.a.admin)
    assert created.status_code == 201, created.text
    return Request("POST", f"/v1/admin/contracts/{code}/end", {"end_date": date.today().isoformat()})


async def close_period(world: World) -> Request:
    """A fresh contract's first period, its statements computed as the worker would."""
    code = f"K-{uuid.uuid4().hex[:8]}"
    created = await world.api.post("/v1/admin/contracts", json=contract_body(code), headers=world.a.admin)
    assert created.status_code == 201, created.text
    async with transaction(state_of(world.app).sessions) as db:
        now = await figures_lock(db)
        await statements.refresh(db, uuid.UUID(created.json()["id"]), now.date(), now)
    return Request("POST", f"/v1/admin/contracts/{code}/statements/{CONTRACT_START.isoformat()}/close")


STATEMENT = f"/v1/contracts/{CONTRACT}/statements/{CONTRACT_START.isoformat()}"

CASES: dict[str, Case] = {
    "put_child": Case(fixed("PUT", "/v1/children/C-put", child_body()), "own"),
    "get_child": Case(fixed("GET", "/v1/children/C1"), "not_found"),
    "get_needs_trends": Case(fixed("GET", "/v1/children/C1/needs-trends"), "not_found"),
    "get_series": Case(fixed("GET", "/v1/children/C1/series"), "not_found"),
    "create_assessment": Case(new_assessment, "invalid"),
    "list_assessments": Case(fixed("GET", "/v1/assessments", child_id="C1"), "not_found"),
    "create_assessments": Case(new_assessments, "invalid"),
    "get_assessment": Case(fixed("GET", "/v1/assessments/{w.assessment_id}"), "not_found"),
    "amend_assessment": Case(amend, "not_found"),
    "get_versions": Case(fixed("GET", "/v1/assessments/{w.assessment_id}/versions"), "not_found"),
    "create_placement": Case(new_placement, "invalid"),
    "list_placements": Case(fixed("GET", "/v1/placements", child_id="C1"), "not_found"),
    "create_placements": Case(new_placements, "invalid"),
    "get_placement": Case(fixed("GET", "/v1/placements/{w.placement_id}"), "not_found"),
    "end_placement": Case(end_placement, "not_found"),
    "put_provider": Case(fixed("PUT", "/v1/providers/P-put", {"name": "Agency"}), "own"),
    "get_provider": Case(fixed("GET", "/v1/providers/P1"), "not_found"),
    "read_needs_trends": Case(fixed("GET", "/v1/scores/needs-trends"), "list", "figures"),
    "read_needs_summary": Case(fixed("GET", "/v1/scores/needs-summary"), "list", "figures"),
    "read_erasures": Case(fixed("GET", "/v1/scores/erasures"), "list", "erased"),
    "read_cohort_figures": Case(fixed("GET", "/v1/scores/cohort"), "list", "cohort"),
    "read_cohort_children": Case(fixed("GET", "/v1/scores/cohort-children"), "list", "cohort-children"),
    "read_children_dimensions": Case(fixed("GET", "/v1/scores/children"), "list", "figures"),
    "read_codes": Case(fixed("GET", "/v1/scores/codes"), "list"),
    "read_domains": Case(list_domains, "list", "instruments"),
    "list_placed_children": Case(fixed("GET", "/v1/provider/children"), "list", "figures"),
    "list_provider_stays": Case(fixed("GET", "/v1/provider/stays"), "list", "figures"),
    "get_placed_child_trends": Case(fixed("GET", "/v1/provider/children/{w.c1_pseudonym}/needs-trends"), "not_found"),
    "get_placed_child_series": Case(fixed("GET", "/v1/provider/children/{w.c1_pseudonym}/series"), "not_found"),
    "create_calibration": Case(fixed("POST", "/v1/admin/calibrations", {"instrument_code": "needs-v1"}), "invalid"),
    "list_calibrations": Case(fixed("GET", "/v1/admin/calibrations"), "list", "calibrations"),
    "recompute_council": Case(recompute, "own"),
    "list_recomputes": Case(list_recomputes, "list", "recomputes"),
    "get_recompute": Case(follow_recompute, "not_found"),
    "list_clients": Case(fixed("GET", "/v1/admin/clients"), "list", "clients"),
    "create_client": Case(new_client, "own"),
    "get_client": Case(fixed("GET", "/v1/admin/clients/{w.spare_client_id}"), "not_found"),
    "issue_key": Case(fixed("POST", "/v1/admin/clients/{w.spare_client_id}/keys", {}), "not_found"),
    "revoke_key": Case(revoke, "not_found"),
    "disable_client": Case(disable, "not_found"),
    "read_audit": Case(fixed("GET", "/v1/admin/audit"), "list", "clients"),
    "create_erasure": Case(erase, "not_found"),
    "create_instrument": Case(new_instrument, "own"),
    "list_instruments": Case(list_instruments, "list", "instruments"),
    "get_instrument": Case(get_instrument, "not_found"),
    "create_contract": Case(new_contract, "invalid"),
    "create_version": Case(
        fixed("POST", f"/v1/admin/contracts/{CONTRACT}/versions", {"effective_from": date.today().isoformat()}),
        "not_found",
    ),
    "end_contract": Case(end_contract, "not_found"),
    "close_period": Case(close_period, "not_found"),
    "list_contracts": Case(fixed("GET", "/v1/contracts"), "list", "contracts"),
    "get_contract": Case(fixed("GET", f"/v1/contracts/{CONTRACT}"), "not_found"),
    "list_statements": Case(fixed("GET", f"/v1/contracts/{CONTRACT}/statements"), "not_found"),
    "get_statement": Case(fixed("GET", STATEMENT), "not_found"),
    "list_statement_versions": Case(fixed("GET", f"{STATEMENT}/versions"), "not_found"),
}


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
