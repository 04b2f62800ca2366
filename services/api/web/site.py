"""The web pages in the API's process: their routes, their assets (served here, never from a CDN) and how a
page answers a person not signed in, a thing their role may not see, or a service that cannot answer."""

from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from services.api.web import contracts_pages, council_pages, data_pages, decision_pages, journey, sign_in
from services.api.web.inner_api import PageNotFound, PageUnavailable
from services.api.web.oidc import IdentityProvider
from services.api.web.render import page, sections
from services.api.web.signed_in import FormRefused, PersonDep, SignInNeeded
from shared.settings import Settings

ASSETS = Path(__file__).parent / "assets"
home = APIRouter(include_in_schema=False)
last = APIRouter(include_in_schema=False)


@home.get("/")
async def root() -> Response:
    return RedirectResponse("/web/", status_code=303)


@home.get("/favicon.ico")
async def favicon() -> Response:
    # Browsers ask for it whatever the page names.
    return FileResponse(ASSETS / "images" / "favicon.ico", headers={"Cache-Control": "public, max-age=86400"})


@home.get("/web/")
async def start_page(person: PersonDep) -> Response:
    first = sections(person)
    return RedirectResponse(first[0][0] if first else "/web/sign-in", status_code=303)


async def sign_in_needed(request: Request, error: Exception) -> Response:
    assert isinstance(error, SignInNeeded)
    return RedirectResponse("/web/sign-in?notice=ended" if error.ended else "/web/sign-in", status_code=303)


async def not_found(request: Request, error: Exception) -> Response:
    return page(
        request,
        None,
        "message.html",
        status=404,
        title="Page not found",
        message="There is no such page, or it is not one your role can see.",
        next_href="/web/",
        next_label="Go to your start page",
    )


async def unavailable(request: Request, error: Exception) -> Response:
    assert isinstance(error, PageUnavailable)
    status = error.status if error.status in (400, 409, 422, 429, 503) else 503
    shown = page(
        request,
        None,
        "message.html",
        status=status,
        title="Sorry, this page could not be shown",
        message=error.detail,
        next_href=f"{request.url.path}?{request.url.query}" if request.url.query else request.url.path,
        next_label="Try again",
    )
    if error.retry_after:
        shown.headers["Retry-After"] = error.retry_after
    return shown


async def form_refused(request: Request, error: Exception) -> Response:
    return page(
        request,
        None,
        "message.html",
        status=403,
        title="This form has expired",
        message="The form was not sent from this session's page. Go back, reload the page and try again.",
    )


@last.api_route("/web/{anything:path}", methods=["GET", "POST"])
async def no_such_page() -> Response:
    # Any other address under /web is a page that does not exist: an HTML 404, not the API's JSON one.
    raise PageNotFound("")


def for_pages(api_handler: Any, page_handler: Any) -> Any:
    """An error handler that answers a page with HTML and an API route as the API always has."""

    async def handler(request: Request, error: Exception) -> Response:
        chosen = page_handler if request.url.path.startswith("/web/") else api_handler
        answer: Response = await chosen(request, error)
        return answer

    return handler


def install_web(app: FastAPI, settings: Settings) -> None:
    app.state.identity_provider = IdentityProvider(settings) if settings.web_oidc_issuer else None
    for router in (
        home,
        sign_in.router,
        council_pages.router,
        decision_pages.router,
        journey.router,
        contracts_pages.router,
        data_pages.router,
        last,
    ):
        app.include_router(router)
    app.mount("/assets", StaticFiles(directory=ASSETS), name="assets")
    app.add_exception_handler(SignInNeeded, sign_in_needed)
    app.add_exception_handler(PageNotFound, not_found)
    app.add_exception_handler(PageUnavailable, unavailable)
    app.add_exception_handler(FormRefused, form_refused)
    # A page's address with a value it cannot take (a statement's day that is not a date) is no such page.
    app.add_exception_handler(
        RequestValidationError, for_pages(app.exception_handlers[RequestValidationError], not_found)
    )
