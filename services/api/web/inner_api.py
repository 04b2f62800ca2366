"""A page's figures are the API's own answers: each read goes through the app as a GET of the documented
route, run as the signed-in person's role, so it is authorised, audited and shaped exactly as for a client.
The person rides in the ASGI scope, which a request from outside cannot set."""

import asyncio
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlencode

from starlette.requests import Request
from starlette.types import Message

from services.api.auth import INNER_CALLER
from services.api.deps import state_of
from services.api.web.sessions import Person, caller_of


class PageNotFound(Exception):
    """What the person's role may not see, or what does not exist: the same 404 either way."""


class PageUnavailable(Exception):
    def __init__(self, status: int, detail: str, retry_after: str | None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Answer:
    content_type: str
    body: bytes
    link: str  # the API call, as a client would make it
    disposition: str | None  # a CSV's file name, as the API gives it

    def json(self) -> Any:
        return json.loads(self.body)


def reads_at_once(request: Request) -> asyncio.Semaphore:
    """A page may make its reads at once (asyncio.gather), one day's database work overlapping another's: as
    many at a time as a person's expensive-read slots, so none is refused for want of one."""
    slots: asyncio.Semaphore | None = getattr(request.state, "inner_reads", None)
    if slots is None:
        slots = request.state.inner_reads = asyncio.Semaphore(state_of(request).settings.expensive_reads_per_client)
    return slots


def api_link(path: str, params: dict[str, Any] | None = None) -> str:
    query = urlencode({k: v for k, v in (params or {}).items() if v is not None}, doseq=True)
    return f"{path}?{query}" if query else path


async def api_get(
    request: Request,
    person: Person,
    path: str,
    params: dict[str, Any] | None = None,
) -> Answer:
    """The API's answer to GET path?params as the person's role. A 403 or 404 is PageNotFound; any other
    failure is PageUnavailable with the API's own explanation."""
    link = api_link(path, params)
    query = link.partition("?")[2]
    # As a server hands it on: the path decoded (an id with a space or an accent), the raw path as sent.
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": request.url.scheme,
        "path": unquote(path),
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(b"host", request.headers.get("host", "localhost").encode()), (b"accept", b"application/json")],
        "client": request.scope.get("client"),
        "server": request.scope.get("server"),
        "state": {},
        INNER_CALLER: caller_of(person),
    }
    status, headers, body = 500, {}, bytearray()

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = {name.lower().decode(): value.decode() for name, value in message.get("headers", [])}
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    async with reads_at_once(request):
        await request.app(scope, receive, send)
    if status in (403, 404):
        raise PageNotFound(path)
    if status != 200:
        raise PageUnavailable(status, problem_detail(bytes(body)), headers.get("retry-after"))
    return Answer(headers.get("content-type", ""), bytes(body), link, headers.get("content-disposition"))


def problem_detail(body: bytes) -> str:
    """The API's own explanation of a refusal, where its body gives one."""
    try:
        problem = json.loads(body)
    except ValueError:
        problem = None
    detail = problem.get("detail") if isinstance(problem, dict) else None
    return str(detail) if detail else "The service could not answer; try again shortly."


async def api_json(request: Request, person: Person, path: str, params: dict[str, Any] | None = None) -> Any:
    return (await api_get(request, person, path, params)).json()


def largest_page(request: Request) -> int:
    """The largest page the API serves (PAGE_MAX_SIZE): a list a page shows whole is read a page at a time."""
    return state_of(request).settings.page_max_size


async def read_all(request: Request, person: Person, path: str, params: dict[str, Any]) -> tuple[list[Any], str]:
    """Every row of a paged API list, and the link to its first page."""
    rows: list[Any] = []
    cursor, link = None, ""
    while True:
        answer = await api_get(request, person, path, {**params, "limit": largest_page(request), "cursor": cursor})
        link = link or answer.link
        body = answer.json()
        rows.extend(body["items"])
        cursor = body.get("next_cursor")
        if not body.get("has_more") or cursor is None:
            return rows, link
