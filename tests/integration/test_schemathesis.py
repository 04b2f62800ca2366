"""A schemathesis run over the whole OpenAPI document, authenticated as a client holding each operation's
scope: no 5xx, and every status code, content type, header and body is one the document promises; invalid
input is refused, and a route that needs a credential refuses a request without one.

Schemathesis' ASGI transport serves the app from an event loop of its own (a thread), so the run gets an
app of its own too, whose lifespan (engine, Redis, dispatcher) starts on that loop: the session's `app`
keeps its connections on pytest's loop, and the two never share one."""

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, settings
from schemathesis import Case
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import positive_data_acceptance

from services.api.main import create_app
from shared.access import KIND_SCOPES, Kind, Scope
from shared.settings import Settings
from tests.conftest import METRICS_TOKEN, headers_for, new_council

PROVIDER_ID = "PRV"
# Which client an operation is called with: the first kind, in this order, that may hold its scope.
KIND_ORDER = (Kind.CASE_MANAGEMENT, Kind.BI, Kind.ADMIN, Kind.PROVIDER)
MAX_EXAMPLES = 20

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20250401,
        # Valid and invalid data both; the test's own @settings set the examples, phases and determinism.
        "generation": {"mode": "all"},
        # One request per case: sequences of linked calls are the other integration tests' part.
        "phases": {"stateful": {"enabled": False}},
    }
)

# Valid-looking data is refused by design where the document cannot say why: a body naming a child or
# provider that does not exist (422 naming the field), rules over several fields or against stored rows (an
# assessment before the child's birth, the domains of the instrument's version, overlapping episodes), and
# an amendment without If-Match (428) or with one naming no version (412). Each answer is documented, and
# every response check still holds for it.
EXCLUDED_CHECKS: list[schemathesis.CheckFunction] = [positive_data_acceptance]


class Target:
    """The app under test, as schemathesis holds it from import on: it can only be built once the session's
    settings exist (the `target` fixture), yet every case, and every check that sends a request again, must
    reach it in-process."""

    def __init__(self) -> None:
        self.app: FastAPI | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert self.app is not None, "the target fixture builds the app before any request"
        await self.app(scope, receive, send)


TARGET = Target()
# Tokens by scope, filled in by the `credentials` fixture. Schemathesis applies auth as it builds a case, and
# builds some at collection, before any key exists: a case carries the scope it needs, swapped for the
# token as it is sent.
TOKENS: dict[str, str] = {}
SCOPE_MARK = "Bearer scope="

schema = schemathesis.openapi.from_dict(create_app().openapi(), config=CONFIG)
schema.app = TARGET


@schema.auth(refresh_interval=None)
class ScopedClient:
    """Each operation's credential: a client holding the scope it declares, or for a public route the
    metrics token (/metrics reads it; /healthz and /readyz ignore it). Registered as schemathesis' auth, so
    cases meant to go without a credential, or with a broken one, are left so, and ignored_auth probes that
    each route refuses them."""

    def get(self, case: Case[Any], context: schemathesis.AuthContext) -> str:
        scope = case.operation.definition.raw.get("x-required-scope")
        return f"{SCOPE_MARK}{scope}" if scope is not None else f"Bearer {METRICS_TOKEN}"

    def set(self, case: Case[Any], data: str, context: schemathesis.AuthContext) -> None:
        case.headers["Authorization"] = data


def with_token(case: Case[Any]) -> None:
    authorization: str = case.headers.get("Authorization", "")
    if authorization.startswith(SCOPE_MARK):
        case.headers["Authorization"] = f"Bearer {TOKENS[authorization.removeprefix(SCOPE_MARK)]}"


def token_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


@pytest_asyncio.fixture(scope="module")
async def credentials(app: FastAPI) -> AsyncIterator[None]:
    """One client per kind in a council of the run's own, the provider client bound to a provider PRV
    created through the admin API."""
    council = await new_council(app)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as api:
        created = await api.put(f"/v1/providers/{PROVIDER_ID}", json={"name": "Provider PRV"}, headers=council.admin)
        assert created.status_code == 201, created.text
    by_kind = {
        Kind.CASE_MANAGEMENT: council.headers,
        Kind.BI: council.bi,
        Kind.ADMIN: council.admin,
        Kind.PROVIDER: await headers_for(app, council, Kind.PROVIDER, PROVIDER_ID),
    }
    for scope in Scope:
        kind = next(kind for kind in KIND_ORDER if scope in KIND_SCOPES[kind])
        TOKENS[scope.value] = token_of(by_kind[kind])
    yield
    TOKENS.clear()


@pytest.fixture(scope="module")
def target(settings: Settings) -> Iterator[None]:
    TARGET.app = create_app(settings)
    yield
    # Schemathesis started the lifespan on first use; end it, so its pools close before the database goes.
    asgi.shutdown_lifespans()
    TARGET.app = None


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
@pytest.mark.usefixtures("target", "credentials")
def test_api_keeps_its_documented_contract(case: Case[Any]) -> None:
    with_token(case)
    case.call_and_validate(excluded_checks=EXCLUDED_CHECKS)
