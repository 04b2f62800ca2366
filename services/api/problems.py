"""Every error leaves as application/problem+json (RFC 9457), naming the field at fault, never a trace."""

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import Conflict, InvalidInput, ProblemError, TryAgain, field_error
from shared.messages import plain_message
from shared.transient import is_transient, sqlstate

log = structlog.get_logger(__name__)
PROBLEM_JSON = "application/problem+json"
UNIQUE_VIOLATION = "23505"
QUERY_CANCELED = "57014"  # what a statement timeout raises


def problem_response(status: int, type_: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": type_, "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def render(error: ProblemError) -> JSONResponse:
    extra = {"errors": error.errors} if error.errors else {}
    response = problem_response(error.status, error.type, error.title, error.detail, **extra)
    response.headers.update(error.headers)
    return response


def field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    # Body fields are named as the caller wrote them; query, path and header fields keep their place.
    parts = list(loc[1:]) if loc and loc[0] == "body" and len(loc) > 1 else list(loc)
    return ".".join(str(part) for part in parts)


def validation_errors(errors: list[Any]) -> list[dict[str, Any]]:
    # The message only: pydantic's "input" echo could carry a child's free text back into logs or proxies.
    return [described(error) for error in errors]


def described(error: Any) -> dict[str, Any]:
    if error["type"] == "json_invalid":
        # FastAPI files a body that does not decode under the offset where decoding failed: the body is at fault.
        return field_error("body", f"{plain_message(error)} at character {error['loc'][-1]}")
    return field_error(field_path(error["loc"]), plain_message(error))


def try_again(detail: str, *, retry_after: int) -> JSONResponse:
    return render(TryAgain(detail, retry_after=retry_after))


def unexpected_response(error: Exception) -> JSONResponse:
    if isinstance(error, IntegrityError) and sqlstate(error) == UNIQUE_VIOLATION:
        # Two requests created the same natural key at once; the other one won. Sent again, this one
        # finds what the other wrote.
        log.warning("request.concurrent_create")
        return render(Conflict("A concurrent request wrote the same record; send this one again to read it."))
    if isinstance(error, DataError) or (isinstance(error, DBAPIError) and sqlstate(error).startswith("22")):
        log.warning("request.unstorable_value", error=type(error).__name__)
        return render(InvalidInput("A value is out of range or cannot be stored; nothing was written."))
    if isinstance(error, DBAPIError) and sqlstate(error) == QUERY_CANCELED:
        # A read ran past READ_STATEMENT_TIMEOUT_MS (deps.session), or an operator cancelled the query.
        log.warning("request.query_cancelled")
        return try_again(
            "The query ran longer than the service allows a read, or was cancelled; nothing was written.",
            retry_after=5,
        )
    if is_transient(error):
        # Lost a race (deadlock, serialization) or the database blinked: nothing was written, so retrying is safe.
        log.warning("request.transient", error=type(error).__name__)
        return try_again("The database was briefly unavailable; nothing was written.", retry_after=1)
    log.error("request.unhandled", error=type(error).__name__)
    return problem_response(500, "/problems/internal", "Internal error", "The error was logged.")


class BodyTooLarge(Exception):
    """Raised from the app's receive once a streamed body passes the limit (http_limits.BodyLimit),
    so the app stops reading; that middleware answers 413."""


class ContainUnexpected:
    """Answers an unexpected error itself and stops it there. Starlette's own handler would re-raise it
    for the server to log whole, and database messages can quote a child's id (a unique key's DETAIL)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except BodyTooLarge:
            raise
        except Exception as error:  # noqa: BLE001 - the point is to contain every error
            if scope["type"] != "http" or started:
                log.error("request.failed_mid_response", error=type(error).__name__)
                return
            await unexpected_response(error)(scope, receive, send)


def allowed_methods(request: Request) -> str:
    """Every method the path answers to, as a 405's Allow must list (RFC 9110). Starlette names only the
    first route whose path matched, and a path such as /v1/children/{child_id} has one route per method.
    The routes of included routers are reached through FastAPI's route contexts, as its own router does."""
    methods = {
        method
        for route in iter_route_contexts(request.app.router.routes)
        if route.matches(request.scope)[0] is not Match.NONE
        for method in route.methods or ()
    }
    return ", ".join(sorted(methods))


def install(app: FastAPI) -> None:
    async def on_problem(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, ProblemError)
        return render(error)

    async def on_validation(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        errors = validation_errors(list(error.errors()))
        fields = ", ".join(sorted({e["field"] for e in errors}))
        return render(InvalidInput(f"The request has invalid fields: {fields}.", errors=errors))

    async def on_http(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        slug = {404: "not-found", 405: "method-not-allowed"}.get(error.status_code, "http-error")
        response = problem_response(error.status_code, f"/problems/{slug}", str(error.detail), str(error.detail))
        response.headers.update(error.headers or {})
        if error.status_code == 405 and (allowed := allowed_methods(request)):
            response.headers["Allow"] = allowed
        return response

    build_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        # FastAPI files a response's model under the route's media type, application/json; a problem is
        # sent as application/problem+json, so its schema is documented there, and only there.
        document = build_openapi()
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                for response in operation.get("responses", {}).values():
                    content = response.get("content", {})
                    if PROBLEM_JSON in content and "application/json" in content:
                        content[PROBLEM_JSON] = content.pop("application/json")
        return document

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_middleware(ContainUnexpected)


class FieldError(BaseModel):
    index: int | None = Field(default=None, description="The batch item at fault")
    field: str = Field(description="The field at fault, dotted path")
    message: str = Field(description="What is wrong with it")


class Problem(BaseModel):
    """application/problem+json (RFC 9457)."""

    type: str = Field(description="A URI naming the kind of problem (RFC 9457)")
    title: str = Field(description="Its short title")
    status: int = Field(description="The HTTP status")
    detail: str = Field(description="What went wrong here")
    errors: list[FieldError] | None = Field(default=None, description="Each field at fault, when the input was refused")


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problems a route can answer with."""
    return {status: {"model": Problem, "content": {PROBLEM_JSON: {}}} for status in statuses}


# Every authenticated route: a request that cannot be read (a body that does not decode, an invalid
# Content-Length), no credential, a scope not held, unknown or foreign ids, a body too large, invalid input,
# too many requests.
V1_PROBLEMS = documented(400, 401, 403, 404, 413, 422, 429)
