"""Every route declares the one scope it needs, or that it is public; the app does not start otherwise.

The scope check authenticates, throttles, opens the request's audit trail and authorises, in that
order: a client without the scope is refused before any id is looked up, so a 403 reveals nothing."""

import ipaddress
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.api import audit
from services.api.auth import INNER_CALLER, Caller, authenticate
from services.api.deps import SessionDep, state_of
from services.api.observability import log_client
from services.api.state import AppState
from shared.access import Scope
from shared.errors import Forbidden, NotAuthenticated, TooManyRequests
from shared.settings import Settings, env_name

# Named in the burst limit's 429: a feed that sends one request per record can send a thousand in one.
BATCH_ROUTES = ("/v1/children/batch", "/v1/assessments/batch", "/v1/placements/batch", "/v1/outcome-measures/batch")
BEARER = HTTPBearer(auto_error=False, description="An API key, or an OAuth2 access token from the configured issuer")


def throttled_address(host: str) -> str:
    """What failed authentications are counted against: the address, or for IPv6 its /64, since one
    holder of a /64 can rotate through all of it."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


@asynccontextmanager
async def failures_counted(request: Request, state: AppState) -> AsyncIterator[None]:
    """Counts a failed authentication against its source address; past the limit the failure is a 429.
    Only failures: the credential is checked first, so a caller sharing an address (a proxy, a NAT) with
    someone guessing keeps working, and a valid 256-bit key is not something a guesser finds."""
    try:
        yield
    except NotAuthenticated:
        address = throttled_address(request.client.host if request.client else "unknown")
        verdict = await state.auth_failures.hit(address)
        if not verdict.allowed:
            raise TooManyRequests(failures_detail(state.settings), retry_after=verdict.retry_after) from None
        raise


def failures_detail(settings: Settings) -> str:
    limit, window = settings.auth_failure_limit, settings.auth_failure_window_seconds
    return (
        f"More than {limit} failed authentications in {window} s from this address (the service's setting "
        f"{env_name('auth_failure_limit')}); a valid credential is still served."
    )


def burst_detail(settings: Settings) -> str:
    limit, window = settings.client_request_limit, settings.client_request_window_seconds
    batches = ", ".join(f"POST {route}" for route in BATCH_ROUTES)
    return (
        f"More than {limit} requests in {window} s from this client; the service's setting "
        f"{env_name('client_request_limit')} raises the limit. {batches} each write up to 1,000 records a request."
    )


class RequireScope:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    async def __call__(
        self,
        request: Request,
        db: SessionDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
    ) -> Caller:
        state = state_of(request)
        caller = request.scope.get(INNER_CALLER)
        if not isinstance(caller, Caller):
            token = credentials.credentials if credentials else None
            async with failures_counted(request, state):
                caller = await authenticate(db, token, state.verifier, state.settings.oauth_subject_claim)
        log_client(request, caller.client_id)
        burst = await state.bursts.hit(caller.holder)
        if not burst.allowed:
            raise TooManyRequests(burst_detail(state.settings), retry_after=burst.retry_after)
        route = request.scope["route"]
        # The documented template: "/v1/assessments/{assessment_id}", not its routing form "{assessment_id:uuid}".
        # Begun before the scope check, so a client refused the route is audited too.
        audit.begin(db, caller, route.name, request.method, route.path_format)
        if self.scope not in caller.scopes:
            raise Forbidden(f"This client does not hold the scope '{self.scope}' this route needs.")
        return caller


class Public:
    """Health, readiness and metrics: no client, no audit (metrics has its own token)."""

    async def __call__(self) -> None:
        return None


def requires(scope: Scope) -> Any:
    return Depends(RequireScope(scope))


PUBLIC = Depends(Public())


def declared_access(dependant: Dependant) -> list[RequireScope | Public]:
    found: list[RequireScope | Public] = []
    stack = [dependant]
    while stack:
        current = stack.pop()
        if isinstance(current.call, RequireScope | Public):
            found.append(current.call)
        stack.extend(current.dependencies)
    return found


def enforce_declared_access(routers: Iterable[APIRouter]) -> None:
    """Run on the routers before the app includes them: FastAPI builds the included routes from these."""
    for route in (route for router in routers for route in router.routes):
        if not isinstance(route, APIRoute):
            raise RuntimeError(f"{route!r} is not an API route, so it cannot declare its access")
        found = declared_access(route.dependant)
        if len(found) != 1:
            methods = ",".join(sorted(route.methods or ()))
            raise RuntimeError(f"{methods} {route.path} declares {len(found)} access rules; it needs exactly one")
        rule = found[0]
        if isinstance(rule, RequireScope):
            route.openapi_extra = {**(route.openapi_extra or {}), "x-required-scope": rule.scope.value}
            route.description = f"{route.description}\n\nScope: `{rule.scope.value}`".strip()
