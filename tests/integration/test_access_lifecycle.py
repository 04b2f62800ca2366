"""Access from end to end, through the real app on the real database and Redis: keys an admin issues,
rotates, revokes and lets expire; the operator's CLI; OAuth2 bearer tokens; and the limits at the edge
(failed authentications, bursts, body size, security headers, CORS), each as a caller would notice it."""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy import text

from services.api import councils
from services.api.clients import service as clients
from services.api.clients.schemas import ClientIn
from services.api.main import create_app
from shared import api_keys
from shared.access import KIND_SCOPES, Kind
from shared.db import transaction
from shared.settings import Settings
from tests.conftest import Council, headers_for, new_client, state_of
from tests.integration.cli_runner import Run, cli
from tests.jwt_keys import SigningKey, jwks_document, make_token

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


# 1. Keys through the admin API


async def test_an_issued_key_is_shown_once_works_and_is_refused_from_the_request_after_revocation(
    api: httpx.AsyncClient, council: Council
) -> None:
    client = await register(api, council)
    assert client["kind"] == "bi" and client["scopes"] == sorted(KIND_SCOPES[Kind.BI]) and client["keys"] == []
    issued = await issue(api, council, client["client_id"])
    plaintext = issued["api_key"]
    assert timedelta(days=364) < when(issued["expires_at"]) - when(issued["created_at"]) <= timedelta(days=365)

    shown = await read_client(api, council, client["client_id"])
    listed = await api.get(CLIENTS, headers=council.admin)
    audit = await api.get(AUDIT, headers=council.admin)
    for later in (shown, listed, audit):
        assert later.status_code == 200
        assert plaintext not in later.text and plaintext.rsplit("_", 1)[1] not in later.text
    (key,) = shown.json()["keys"]
    assert "api_key" not in key
    assert key["key_id"] == issued["key_id"] and key["prefix"] == issued["prefix"] and key["revoked_at"] is None

    assert await status_with(api, plaintext) == 200

    revoked = await api.post(f"{CLIENTS}/{client['client_id']}/keys/{issued['key_id']}/revoke", headers=council.admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    refused = await api.get(SUMMARY, headers=bearer(plaintext))
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    assert_problem(refused)
    # Revoking again changes nothing.
    again = await api.post(f"{CLIENTS}/{client['client_id']}/keys/{issued['key_id']}/revoke", headers=council.admin)
    assert again.status_code == 200 and again.json()["revoked_at"] == revoked.json()["revoked_at"]


async def test_rotation_with_an_overlap_keeps_the_old_key_working_for_that_long(
    api: httpx.AsyncClient, council: Council
) -> None:
    client_id = (await register(api, council))["client_id"]
    old = await issue(api, council, client_id)
    new = await issue(api, council, client_id, rotate_overlap_hours=1)

    assert await status_with(api, old["api_key"]) == 200
    assert await status_with(api, new["api_key"]) == 200
    keys = await keys_of(api, council, client_id)
    old_expiry = when(keys[old["key_id"]]["expires_at"])
    assert abs(old_expiry - (when(new["created_at"]) + timedelta(hours=1))) < timedelta(seconds=5)
    assert when(keys[new["key_id"]]["expires_at"]) - when(new["created_at"]) > timedelta(days=364)
    assert keys[old["key_id"]]["revoked_at"] is None


async def test_rotation_without_overlap_stops_the_old_keys_at_once(api: httpx.AsyncClient, council: Council) -> None:
    client_id = (await register(api, council))["client_id"]
    first = await issue(api, council, client_id)
    second = await issue(api, council, client_id, rotate_overlap_hours=1)
    third = await issue(api, council, client_id, rotate_overlap_hours=0)

    assert await status_with(api, first["api_key"]) == 401
    assert await status_with(api, second["api_key"]) == 401
    assert await status_with(api, third["api_key"]) == 200
    keys = await keys_of(api, council, client_id)
    for old in (first, second):
        assert when(keys[old["key_id"]]["expires_at"]) <= when(third["created_at"])


async def test_an_expired_key_is_refused(api: httpx.AsyncClient, app: FastAPI, council: Council) -> None:
    client_id = (await register(api, council))["client_id"]
    expiring = await issue(api, council, client_id, expires_in_days=1)
    other = await issue(api, council, client_id)
    assert await status_with(api, expiring["api_key"]) == 200

    async with transaction(state_of(app).sessions) as db:
        await db.execute(
            text("UPDATE api_keys SET expires_at = now() - interval '1 minute' WHERE id = :id"),
            {"id": uuid.UUID(expiring["key_id"])},
        )

    assert await status_with(api, expiring["api_key"]) == 401
    # The client's other key is not touched.
    assert await status_with(api, other["api_key"]) == 200
    keys = await keys_of(api, council, client_id)
    assert when(keys[expiring["key_id"]]["expires_at"]) < when(other["created_at"])


async def test_disabling_a_client_revokes_its_keys_and_an_admin_cannot_disable_itself(
    api: httpx.AsyncClient, council: Council
) -> None:
    client_id = (await register(api, council))["client_id"]
    keys = [await issue(api, council, client_id) for _ in range(2)]
    assert all([await status_with(api, key["api_key"]) == 200 for key in keys])

    disabled = await api.post(f"{CLIENTS}/{client_id}/disable", headers=council.admin)
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["disabled_at"] is not None
    assert all(key["revoked_at"] is not None for key in disabled.json()["keys"])
    assert [await status_with(api, key["api_key"]) for key in keys] == [401, 401]
    # A disabled client gets no new key either.
    refused = await api.post(f"{CLIENTS}/{client_id}/keys", json={}, headers=council.admin)
    assert refused.status_code == 409
    assert_problem(refused)

    own = await own_client_id(api, council)
    itself = await api.post(f"{CLIENTS}/{own}/disable", headers=council.admin)
    assert itself.status_code == 409
    assert_problem(itself)
    assert (await api.get(CLIENTS, headers=council.admin)).status_code == 200
    assert (await read_client(api, council, own)).json()["disabled_at"] is None


BAD_CLIENTS: list[tuple[str, dict[str, Any], str]] = [
    ("bi client with a case-management scope", {"kind": "bi", "scopes": ["children:read"]}, "scopes"),
    ("admin client with a bi scope", {"kind": "admin", "scopes": ["audit:read", "scores:read"]}, "scopes"),
    ("unknown scope", {"kind": "bi", "scopes": ["everything"]}, "scopes.0"),
    ("provider client without provider_id", {"kind": "provider"}, "provider_id"),
    ("provider client with an unknown provider", {"kind": "provider", "provider_id": "NO-SUCH"}, "provider_id"),
    ("bi client bound to a provider", {"kind": "bi", "provider_id": "PR1"}, "provider_id"),
]


@pytest.mark.parametrize(("case", "body", "field"), BAD_CLIENTS, ids=[case[0] for case in BAD_CLIENTS])
async def test_a_client_beyond_what_its_kind_allows_is_refused_naming_the_field(
    api: httpx.AsyncClient, council: Council, case: str, body: dict[str, Any], field: str
) -> None:
    name = f"refused {uuid.uuid4().hex[:6]}"
    response = await api.post(CLIENTS, json={"name": name} | body, headers=council.admin)
    assert response.status_code == 422, case
    assert field in fields_of(response), response.text
    assert_problem(response)
    listed = await api.get(CLIENTS, headers=council.admin)
    assert name not in {client["name"] for client in listed.json()}


async def test_a_client_with_fewer_scopes_than_its_kind_is_refused_what_it_lacks(
    api: httpx.AsyncClient, council: Council
) -> None:
    auditor = await register(api, council, name="auditor", kind="admin", scopes=["audit:read"])
    assert auditor["scopes"] == ["audit:read"]
    headers = bearer((await issue(api, council, auditor["client_id"]))["api_key"])

    assert (await api.get(AUDIT, headers=headers)).status_code == 200
    for refused in (
        await api.get(CLIENTS, headers=headers),
        await api.post(CLIENTS, json={"name": "sneaky", "kind": "admin"}, headers=headers),
        await api.get(f"{CLIENTS}/{uuid.uuid4()}", headers=headers),
    ):
        assert refused.status_code == 403, refused.text
        assert "clients:manage" in refused.json()["detail"]
        assert_problem(refused)


async def test_another_councils_admin_can_neither_see_nor_touch_the_client(
    api: httpx.AsyncClient, council: Council, other_council: Council
) -> None:
    client_id = (await register(api, council))["client_id"]
    key = await issue(api, council, client_id)
    path = f"{CLIENTS}/{client_id}"
    for response in (
        await api.get(path, headers=other_council.admin),
        await api.post(f"{path}/keys", json={}, headers=other_council.admin),
        await api.post(f"{path}/keys/{key['key_id']}/revoke", headers=other_council.admin),
        await api.post(f"{path}/disable", headers=other_council.admin),
    ):
        assert response.status_code == 404, response.text
    assert client_id not in (await api.get(CLIENTS, headers=other_council.admin)).text
    assert await status_with(api, key["api_key"]) == 200
    assert len(await keys_of(api, council, client_id)) == 1


# 2. The operator's CLI


def created_client(run: Run) -> tuple[str, str]:
    """create-client prints 'client <uuid>' and then the key, once."""
    assert run.code == 0, run.err
    first, key = run.out.strip().splitlines()
    label, client_id = first.split()
    assert label == "client"
    uuid.UUID(client_id)
    assert key.startswith("nlc_")
    return client_id, key


async def test_the_cli_creates_councils_clients_and_keys_rotates_and_revokes_and_is_audited(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings
) -> None:
    # Each run starts a Python process (about a second), so independent runs go two at a time.
    code = f"CLI{uuid.uuid4().hex[:8].upper()}"
    council = await cli(settings, "create-council", code, "Council made by the CLI")
    assert council.code == 0, council.err
    assert f"council {code} created" in council.out
    async with transaction(state_of(app).sessions) as db:
        found = await councils.find_council(db, code)
    assert found is not None
    admin = await new_client(app, found.id, ClientIn(name="operator console", kind=Kind.ADMIN))

    bi_run, overreach = await asyncio.gather(
        cli(settings, "create-client", code, "bi", "dashboard"),
        cli(settings, "create-client", code, "bi", "overreach", "--scope", "clients:manage"),
    )
    bi_id, first_key = created_client(bi_run)
    assert await status_with(api, first_key) == 200
    assert overreach.code != 0
    assert "scopes" in overreach.err and "clients:manage" in overreach.err, overreach.err
    listed = await api.get(CLIENTS, headers=admin)
    assert sorted(client["name"] for client in listed.json()) == ["dashboard", "operator console"]

    rotated, erase_unknown = await asyncio.gather(
        cli(settings, "create-key", bi_id, "--rotate-overlap-hours", "0"),
        cli(settings, "erase-child", code, "NO-SUCH-CHILD"),
    )
    assert rotated.code == 0, rotated.err
    second_key = rotated.out.strip()
    assert second_key.startswith("nlc_")
    assert await status_with(api, first_key) == 401
    assert await status_with(api, second_key) == 200
    assert erase_unknown.code != 0
    assert "No such child" in erase_unknown.err, erase_unknown.err
    for failed in (overreach, erase_unknown):
        assert "Traceback" not in failed.err and failed.out == "", failed.err

    keys = (await api.get(f"{CLIENTS}/{bi_id}", headers=admin)).json()["keys"]
    (second,) = [key for key in keys if key["prefix"] == api_keys.prefix_of(second_key)]
    revoked = await cli(settings, "revoke-key", bi_id, second["key_id"])
    assert revoked.code == 0, revoked.err
    assert "key revoked" in revoked.out
    assert await status_with(api, second_key) == 401

    audit = await api.get(AUDIT, headers=admin)
    assert audit.status_code == 200
    by_cli = [event for event in audit.json()["items"] if event["actor"] == "cli"]
    assert sorted(event["action"] for event in by_cli) == ["create_client", "issue_key", "revoke_key"]
    assert all(event["client_id"] is None and event["client_kind"] == "operator" for event in by_cli)
    assert {event["target"] for event in by_cli} == {f"client:{bi_id}"}
    assert first_key not in audit.text and second_key not in audit.text


# 3. OAuth2 bearer tokens


@dataclass(frozen=True)
class IdentityProvider:
    key: SigningKey
    stranger: SigningKey  # a key the API does not trust

    def token(self, subject: str, **changes: Any) -> str:
        options: dict[str, Any] = {"issuer": ISSUER, "audience": AUDIENCE, "subject": subject} | changes
        key = options.pop("key", self.key)
        return make_token(key, **options)


@pytest.fixture(scope="module")
def idp() -> IdentityProvider:
    return IdentityProvider(SigningKey.generate(), SigningKey.generate())


@pytest_asyncio.fixture(scope="module")
async def oauth_app(settings: Settings, idp: IdentityProvider) -> AsyncIterator[FastAPI]:
    async with dedicated_app(
        settings, oauth_issuer=ISSUER, oauth_audience=AUDIENCE, oauth_jwks=jwks_document(idp.key)
    ) as application:
        yield application


@pytest_asyncio.fixture
async def oauth_api(oauth_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of(oauth_app) as client:
        yield client


async def oauth_client(app: FastAPI, api: httpx.AsyncClient, council: Council) -> tuple[str, str]:
    """Registered by the operator: a council's admin cannot name a token subject (it could be another's)."""
    subject = f"app-{uuid.uuid4()}"
    async with transaction(state_of(app).sessions) as db:
        body = ClientIn(name="BI via Entra ID", kind=Kind.BI)
        client = await clients.create_client(db, council.la_id, body, oauth_subject=subject)
    created = (await api.get(f"{CLIENTS}/{client.id}", headers=council.admin)).json()
    assert created["oauth_subject"] == subject and created["keys"] == []
    return created["client_id"], subject


async def test_a_token_naming_a_registered_client_is_accepted_and_audited(
    oauth_app: FastAPI, oauth_api: httpx.AsyncClient, council: Council, idp: IdentityProvider
) -> None:
    client_id, subject = await oauth_client(oauth_app, oauth_api, council)
    response = await oauth_api.get(SUMMARY, headers=bearer(idp.token(subject)))
    assert response.status_code == 200, response.text
    # API keys keep working beside tokens.
    assert (await oauth_api.get(SUMMARY, headers=council.bi)).status_code == 200
    audit = await oauth_api.get(AUDIT, params={"client_id": client_id}, headers=council.admin)
    (event,) = audit.json()["items"]
    assert event["actor"] == f"token:{subject}" and event["client_kind"] == "bi"
    # A council's admin cannot name a subject at all, so cannot claim this one for its own client.
    claimed = await oauth_api.post(
        CLIENTS, json={"name": "twin", "kind": "bi", "oauth_subject": subject}, headers=council.admin
    )
    assert claimed.status_code == 422 and claimed.json()["errors"][0]["field"] == "oauth_subject"


BAD_TOKENS: list[tuple[str, Callable[[IdentityProvider, str], str]]] = [
    ("wrong issuer", lambda idp, sub: idp.token(sub, issuer="https://login.example/another-tenant/v2.0")),
    ("wrong audience", lambda idp, sub: idp.token(sub, audience="api://someone-else")),
    ("signed by an unknown key", lambda idp, sub: idp.token(sub, key=idp.stranger)),
    ("signed by another key under the trusted kid", lambda idp, sub: idp.token(sub, key=idp.stranger, kid=idp.key.kid)),
    ("expired", lambda idp, sub: idp.token(sub, expires_in=-120)),
    ("without an expiry", lambda idp, sub: idp.token(sub, expires_in=None)),
    ("a subject no client has", lambda idp, sub: idp.token(f"stranger-{uuid.uuid4()}")),
    ("claims swapped in", lambda idp, sub: tampered(idp.token(f"stranger-{uuid.uuid4()}"), idp.token(sub))),
]


def tampered(genuine: str, other: str) -> str:
    """A genuine token's header and signature around another token's claims: here, a stranger's signed
    token made to name the registered client."""
    header, _, signature = genuine.split(".")
    return f"{header}.{other.split('.')[1]}.{signature}"


@pytest.mark.parametrize(("case", "make"), BAD_TOKENS, ids=[case[0] for case in BAD_TOKENS])
async def test_a_token_the_api_cannot_trust_is_refused(
    oauth_app: FastAPI,
    oauth_api: httpx.AsyncClient,
    council: Council,
    idp: IdentityProvider,
    case: str,
    make: Callable[[IdentityProvider, str], str],
) -> None:
    _, subject = await oauth_client(oauth_app, oauth_api, council)
    assert (await oauth_api.get(SUMMARY, headers=bearer(idp.token(subject)))).status_code == 200
    refused = await oauth_api.get(SUMMARY, headers=bearer(make(idp, subject)))
    assert refused.status_code == 401, case
    assert refused.headers["www-authenticate"] == "Bearer"
    assert_problem(refused)


async def test_a_disabled_clients_token_is_refused(
    oauth_app: FastAPI, oauth_api: httpx.AsyncClient, council: Council, idp: IdentityProvider
) -> None:
    client_id, subject = await oauth_client(oauth_app, oauth_api, council)
    token = idp.token(subject)
    assert (await oauth_api.get(SUMMARY, headers=bearer(token))).status_code == 200
    disabled = await oauth_api.post(f"{CLIENTS}/{client_id}/disable", headers=council.admin)
    assert disabled.status_code == 200
    assert (await oauth_api.get(SUMMARY, headers=bearer(token))).status_code == 401


async def test_a_token_is_refused_where_oauth_is_not_configured(
    app: FastAPI, api: httpx.AsyncClient, council: Council, idp: IdentityProvider
) -> None:
    _, subject = await oauth_client(app, api, council)
    refused = await api.get(SUMMARY, headers=bearer(idp.token(subject)))
    assert refused.status_code == 401
    assert_problem(refused)


# 4. Limits at the edge


async def test_repeated_failed_authentications_block_the_address_until_the_window_passes(
    settings: Settings, council: Council
) -> None:
    window = 2
    async with (
        dedicated_app(settings, auth_failure_limit=3, auth_failure_window_seconds=window) as application,
        client_of(application) as client,
        client_of(application, "198.51.100.7") as elsewhere,
    ):
        await fresh_window(window, needed=1.2)
        failures = [await client.get(SUMMARY, headers=bearer(f"nlc_guess{n}_wrong")) for n in range(3)]
        assert [response.status_code for response in failures] == [401, 401, 401]

        blocked = await client.get(SUMMARY, headers=bearer("nlc_guess4_wrong"))
        assert blocked.status_code == 429
        retry_after(blocked, most=window)
        assert_secured(blocked)
        # Even a valid key is refused from that address now; from another address it works.
        valid = await client.get(SUMMARY, headers=council.bi)
        assert valid.status_code == 429
        seconds = retry_after(valid, most=window)
        assert (await elsewhere.get(SUMMARY, headers=council.bi)).status_code == 200

        await asyncio.sleep(seconds)
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
