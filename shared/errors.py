"""One error base class that carries its HTTP status; the API renders it as RFC 9457 problem+json."""

from typing import Any, ClassVar


class ProblemError(Exception):
    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"

    def __init__(
        self, detail: str, *, errors: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}

    @property
    def type(self) -> str:
        return f"/problems/{self.slug}"


class NotAuthenticated(ProblemError):
    status = 401
    slug = "not-authenticated"
    title = "Not authenticated"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(ProblemError):
    """The client's kind or scopes do not allow the route: said before any id is looked up, so it
    tells nothing of what exists."""

    status = 403
    slug = "forbidden"
    title = "Forbidden"


class TooManyRequests(ProblemError):
    status = 429
    slug = "too-many-requests"
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)})


class NotFound(ProblemError):
    """Also what a caller gets for a row of another council: a foreign id must not be told apart."""

    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(ProblemError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class PreconditionFailed(ProblemError):
    status = 412
    slug = "stale-etag"
    title = "The record changed since you read it"


class PreconditionRequired(ProblemError):
    status = 428
    slug = "if-match-required"
    title = "If-Match required"


class TryAgain(ProblemError):
    """Nothing was written, and the same request sent after Retry-After may succeed."""

    status = 503
    slug = "try-again"
    title = "Try again"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)})


class Unavailable(ProblemError):
    """The service cannot work until an operator acts (its database does not exist): nothing was written."""

    status = 503
    slug = "unavailable"
    title = "Service unavailable"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"Retry-After": "60"})


class InvalidInput(ProblemError):
    status = 422
    slug = "invalid-input"
    title = "Invalid input"


class IdempotencyKeyReused(ProblemError):
    status = 422
    slug = "idempotency-key-reused"
    title = "Idempotency-Key reused with a different request"


def field_error(field: str, message: str, *, index: int | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"field": field, "message": message}
    if index is not None:
        error = {"index": index, **error}
    return error
