"""Signing in and out: with the council's identity provider, or a one-time link (make run's demo links)."""

import hmac
from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import RedirectResponse, Response

from services.api.access import throttled_address
from services.api.deps import state_of
from services.api.providers.queries import provider_named
from services.api.web import oidc, sessions
from services.api.web.oidc import ATTEMPT_COOKIE, Attempt, IdentityProvider, SignInFailed
from services.api.web.render import page
from services.api.web.roles import role_claimed
from services.api.web.sessions import SESSION_COOKIE, SignInRefused
from services.api.web.signed_in import PersonDep, checked_form, from_this_site
from shared.db import driver, transaction

router = APIRouter(prefix="/web", include_in_schema=False)
NOTICES = {
    "ended": "Your session has ended: you were away too long, or signed in too long ago. Please sign in again.",
    "signed-out": "You have signed out.",
}


def identity_provider_of(request: Request) -> IdentityProvider | None:
    found: IdentityProvider | None = getattr(request.app.state, "identity_provider", None)
    return found


async def signed_in_response(request: Request, token: str) -> Response:
    """To the person's start page, with their new session's cookie; a session the browser held before ends."""
    earlier = request.cookies.get(SESSION_COOKIE)
    if earlier:
        async with transaction(state_of(request).sessions) as db:
            await sessions.end(db, earlier)
    response = RedirectResponse("/web/", status_code=303)
    # Lax, not Strict: the identity provider's redirect back is a navigation from another site.
    response.set_cookie(SESSION_COOKIE, token, httponly=True, secure=True, samesite="lax", path="/")
    response.delete_cookie(ATTEMPT_COOKIE, path="/web/sign-in")
    return response


@router.get("/sign-in")
async def sign_in_page(request: Request, notice: str | None = None) -> Response:
    return page(
        request,
        None,
        "sign_in.html",
        title="Sign in",
        oidc=identity_provider_of(request) is not None,
        notice=NOTICES.get(notice or ""),
    )


def refused(request: Request, message: str, status: int = 403) -> Response:
    return page(
        request,
        None,
        "message.html",
        status=status,
        title="You could not be signed in",
        message=message,
        next_href="/web/sign-in",
        next_label="Sign in again",
    )


@router.get("/sign-in/start")
async def start_sign_in(request: Request) -> Response:
    provider = identity_provider_of(request)
    if provider is None:
        return refused(request, "This service has no identity provider configured.", 404)
    attempt = Attempt.new()
    try:
        location = await provider.authorization_url(attempt)
    except SignInFailed as error:
        return refused(request, str(error), 503)
    response = RedirectResponse(location, status_code=303)
    response.set_cookie(
        ATTEMPT_COOKIE,
        oidc.sealed(attempt, state_of(request).settings),
        max_age=oidc.ATTEMPT_SECONDS,
        httponly=True,
        secure=True,
        samesite="lax",
        path="/web/sign-in",
    )
    return response


@router.get("/sign-in/callback")
async def finish_sign_in(
    request: Request, code: str | None = None, state: str | None = None, error: str | None = None
) -> Response:
    provider = identity_provider_of(request)
    settings = state_of(request).settings
    attempt = oidc.unsealed(request.cookies.get(ATTEMPT_COOKIE), settings)
    if provider is None or attempt is None or not hmac.compare_digest(state or "", attempt.state):
        return refused(request, "This sign-in was not started here, or took too long. Please sign in again.", 400)
    if error or not code:
        return refused(request, "The identity provider did not sign you in.", 403)
    try:
        claims = await provider.claims(code, attempt)
    except SignInFailed as failure:
        return refused(request, str(failure), 403)
    subject = claims.get(settings.web_oidc_subject_claim)
    council = settings.web_oidc_council or claims.get(settings.web_oidc_council_claim)
    granted = role_claimed(claims.get(settings.web_oidc_roles_claim))
    if not isinstance(subject, str) or not subject or not isinstance(council, str) or granted is None:
        return refused(request, "Your account has no role in this service. Ask your council's administrator for one.")
    role, provider_id = granted
    async with transaction(state_of(request).sessions) as db:
        la_id = await (await driver(db)).fetchval("SELECT id FROM local_authorities WHERE code = $1", council)
        placer = None if la_id is None or provider_id is None else await provider_named(db, la_id, provider_id)
        if la_id is None or (provider_id is not None and placer is None):
            return refused(request, "Your account names a council or provider this service does not know.")
        provider_pk = None if placer is None else placer.id
        try:
            token = await sessions.start(db, la_id, role, provider_pk, f"person:{subject}", "identity provider")
        except SignInRefused as closed:
            return refused(request, str(closed))
    return await signed_in_response(request, token)


LinkToken = Annotated[str, Path(min_length=20, max_length=100)]


@router.get("/sign-in/link/{token}")
async def link_page(request: Request, token: LinkToken) -> Response:
    # Signing in takes a POST: a link previewed by a mail scanner or a chat app is not used up.
    return page(request, None, "link.html", title="Sign in", action=f"/web/sign-in/link/{token}")


@router.post("/sign-in/link/{token}")
async def use_link(request: Request, token: LinkToken) -> Response:
    # A page of another site cannot sign a browser in under a link of its own (login CSRF).
    from_this_site(request)
    async with transaction(state_of(request).sessions) as db:
        try:
            session = await sessions.use_link(db, token)
        except SignInRefused as closed:
            return refused(request, str(closed))
    if session is None:
        # Counted like a failed API credential, against the address: guessing links is refused after the limit.
        state = state_of(request)
        verdict = await state.auth_failures.hit(throttled_address(request.client.host if request.client else "unknown"))
        if not verdict.allowed:
            answer = refused(request, "Too many sign-in links that sign no one in; wait, then try again.", 429)
            answer.headers["Retry-After"] = str(verdict.retry_after)
            return answer
        return refused(request, "This sign-in link has been used, has expired, or was never made.")
    return await signed_in_response(request, session)


@router.post("/sign-out")
async def sign_out(request: Request, person: PersonDep) -> Response:
    await checked_form(request, person)
    async with transaction(state_of(request).sessions) as db:
        await sessions.end(db, request.cookies[SESSION_COOKIE], person)
    response = RedirectResponse("/web/sign-in?notice=signed-out", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
