"""OAuth2 bearer tokens from end to end: a token naming a registered client is accepted and audited,
and one the API cannot trust is refused."""

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from services.api.clients import service as clients
from services.api.clients.schemas import ClientIn
from shared.access import Kind
from shared.db import transaction
from shared.settings import Settings
from tests.conftest import Council, state_of
from tests.integration.access_helpers import (
    AUDIENCE,
    AUDIT,
    CLIENTS,
    ISSUER,
    SUMMARY,
    assert_problem,
    bearer,
    client_of,
    dedicated_app,
)
from tests.jwt_keys import SigningKey, jwks_document, make_token


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
