"""HTTP hardening at the edge: a request body size limit, security headers on every response, and CORS
closed unless origins are named.

Pure ASGI middlewares, so they see every response, including the problem responses inner middlewares
answer with, and never buffer bodies except the small docs pages whose inline script they hash. Add
BodyLimit before SecurityHeaders (FastAPI's last added runs outermost), so a 413 carries the headers too.
"""

import base64
import hashlib
import re
from collections.abc import Mapping

import structlog
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.api.docs import DOCS_URL
from services.api.problems import BodyTooLarge, problem_response

log = structlog.get_logger(__name__)

STRICT_CSP = "default-src 'none'; frame-ancestors 'none'"
# The web pages (services/api/web): their scripts, styles and images from this service only, inline SVG charts.
WEB_PREFIXES = ("/web/", "/assets/")
WEB_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# The Swagger UI pages (services.api.docs) run a script of their own; every other path serves only JSON or
# the docs' assets.
DOCS_PATHS = frozenset({DOCS_URL, f"{DOCS_URL}/oauth2-redirect"})
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
# Inline <script> elements, not those loading a src: the page's own code, which the CSP allows by hash.
INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\ssrc\s*=)[^>]*>(.*?)</script\s*>", re.DOTALL | re.IGNORECASE)

CORS_METHODS = ["GET", "POST", "PUT", "DELETE"]
CORS_ALLOW_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "If-Match", "Accept"]
CORS_EXPOSE_HEADERS = ["ETag", "Location", "X-Next-Cursor", "Link", "Retry-After"]


def declared_length(scope: Scope) -> int | None:
    """The Content-Length, None without one; ValueError unless every copy is the same whole number."""
    values = {value.strip() for key, value in scope["headers"] if key == b"content-length"}
    if not values:
        return None
    # bytes.isdigit is ASCII only: "+5", "-1", "5, 5" and "" are all refused.
    if len(values) != 1 or not all(value.isdigit() for value in values):
        raise ValueError("invalid Content-Length")
    return int(values.pop())


class BodyLimit:
    """Refuses request bodies over max_bytes with 413, declared or streamed, before they fill memory; the
    paths in `larger` (uploads of whole files) have limits of their own."""

    def __init__(self, app: ASGIApp, max_bytes: int, larger: Mapping[str, tuple[int, str]] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = larger or {}

    def too_large(self, limit: int, setting: str) -> JSONResponse:
        response = problem_response(
            413,
            "/problems/body-too-large",
            "Body too large",
            f"The request body is over the limit of {limit} bytes ({setting}).",
        )
        # The rest of the body is not read; the server should not try to keep the connection for another request.
        response.headers["Connection"] = "close"
        return response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            declared = declared_length(scope)
        except ValueError:
            response = problem_response(
                400,
                "/problems/invalid-content-length",
                "Invalid Content-Length",
                "Content-Length must be a single whole number of bytes.",
            )
            await response(scope, receive, send)
            return
        limit, setting = self.larger.get(scope["path"], (self.max_bytes, "MAX_BODY_BYTES"))
        if declared is not None and declared > limit:
            await self.too_large(limit, setting)(scope, receive, send)
            return

        received = 0
        exceeded = False
        started = False
        answered = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                raise BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                # Counted even under a declared length: a chunked body declares none.
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started, answered
            if answered:
                return
            if message["type"] == "http.response.start" and exceeded and not started:
                # Inner handlers turn the aborted read into their own 400 or 500; the client should learn why.
                answered = True
                await self.too_large(limit, setting)(scope, receive, send)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
            if answered:
                return
            if started:
                # The app answered before reading the whole body; the response cannot be taken back.
                log.warning("request.body_too_large_mid_response", limit=limit)
                return
            await self.too_large(limit, setting)(scope, receive, send)


def script_hashes(html: bytes) -> list[str]:
    """CSP source expressions for the page's inline scripts, hashed as the browser will hash them."""
    sources = []
    for match in INLINE_SCRIPT.finditer(html):
        # Browsers hash the script's text after the HTML parser has normalised line ends.
        text = match.group(1).replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        sources.append(f"'sha256-{base64.b64encode(hashlib.sha256(text).digest()).decode()}'")
    return sources


def docs_csp(html: bytes) -> str:
    """What Swagger UI needs, all from this service: its bundle and the page's own inline script (by hash, so
    no injected script runs), its stylesheet, its favicon and icons (data: URLs in its stylesheet), the
    OpenAPI fetch."""
    scripts = " ".join(["'self'", *script_hashes(html)])
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src {scripts}",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'self'",
        ]
    )


def secure(start: Message, csp: str) -> None:
    headers = MutableHeaders(scope=start)
    for name, value in SECURITY_HEADERS.items():
        headers[name] = value
    headers["Content-Security-Policy"] = csp
    # Responses carry children's data: no browser or proxy should keep a copy, unless a route says otherwise.
    if "cache-control" not in headers:
        headers["Cache-Control"] = "no-store"


def is_html(start: Message) -> bool:
    headers = MutableHeaders(scope=start)
    return start["status"] == 200 and headers.get("content-type", "").startswith("text/html")


class SecurityHeaders:
    """Adds the security headers to every HTTP response, errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] in DOCS_PATHS:
            await self.app(scope, receive, self.docs_send(send))
            return

        csp = WEB_CSP if scope["path"].startswith(WEB_PREFIXES) else STRICT_CSP

        async def secured_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                secure(message, csp)
            await send(message)

        await self.app(scope, receive, secured_send)

    @staticmethod
    def docs_send(send: Send) -> Send:
        # A docs page is held until complete: its CSP names the hash of the inline script in its body.
        held: Message | None = None
        body = bytearray()

        async def docs_send(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                if is_html(message):
                    held = message
                    return
                secure(message, STRICT_CSP)
            elif held is not None and message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if message.get("more_body", False):
                    return
                secure(held, docs_csp(bytes(body)))
                await send(held)
                message = {"type": "http.response.body", "body": bytes(body)}
            await send(message)

        return docs_send


def install_cors(app: FastAPI, origins: list[str]) -> None:
    """CORS for exactly the named browser origins; none named, none added, and browsers stay out.
    No credentials: callers send bearer keys, not cookies."""
    if not origins:
        return
    if "*" in origins:
        # Starlette reads "*" as every origin; an open door has to be more than a config typo away.
        raise ValueError("CORS origins must be named; '*' is not accepted")
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=CORS_METHODS,
        allow_headers=CORS_ALLOW_HEADERS,
        expose_headers=CORS_EXPOSE_HEADERS,
        allow_credentials=False,
        max_age=600,
    )
