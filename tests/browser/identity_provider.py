"""An OpenID Connect provider in miniature, served on a real port for the web pages' browser tests: discovery,
JWKS, an authorize page where the tester picks who signs in, and a token endpoint that checks PKCE (S256)
before it signs an ID token carrying the nonce, the council and the person's roles."""

import asyncio
import base64
import hashlib
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from html import escape
from typing import Any

import jwt
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.integration.shipped import free_port
from tests.jwt_keys import SigningKey, jwks_document

CLIENT_ID = "needs-led-care-web"


@dataclass(frozen=True)
class Identity:
    subject: str
    council: str
    roles: list[str]


@dataclass
class Grant:
    identity: Identity
    challenge: str
    nonce: str
    redirect_uri: str


@dataclass
class MiniIdentityProvider:
    identities: dict[str, Identity]
    key: SigningKey = field(default_factory=SigningKey.generate)
    port: int = field(default_factory=free_port)
    grants: dict[str, Grant] = field(default_factory=dict)
    refused_tokens: int = 0
    # Faults a test turns on: discovery answering 503, an ID token for another nonce or from another issuer.
    discovery_down: bool = False
    wrong_nonce: bool = False
    token_issuer: str | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/jwks", self.jwks),
                Route("/authorize", self.authorize_page, methods=["GET"]),
                Route("/authorize", self.authorize, methods=["POST"]),
                Route("/token", self.token, methods=["POST"]),
            ]
        )

    async def discovery(self, request: Request) -> Response:
        if self.discovery_down:
            return JSONResponse({"error": "down"}, status_code=503)
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "code_challenge_methods_supported": ["S256"],
            }
        )

    async def jwks(self, request: Request) -> Response:
        return Response(jwks_document(self.key), media_type="application/json")

    async def authorize_page(self, request: Request) -> Response:
        asked = request.query_params
        if asked.get("client_id") != CLIENT_ID or asked.get("code_challenge_method") != "S256":
            return HTMLResponse("<h1>Refused: unknown client, or no PKCE</h1>", status_code=400)
        hidden = "".join(
            f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">' for name, value in asked.items()
        )
        buttons = "".join(
            f'<button type="submit" name="who" value="{escape(name)}">{escape(name)}</button>'
            for name in self.identities
        )
        return HTMLResponse(
            f'<html lang="en"><title>Test IdP</title><h1>Who signs in?</h1><form method="post">{hidden}{buttons}</form>'
        )

    async def authorize(self, request: Request) -> Response:
        form = await request.form()
        code = secrets.token_urlsafe(16)
        self.grants[code] = Grant(
            self.identities[str(form["who"])],
            str(form["code_challenge"]),
            str(form["nonce"]),
            str(form["redirect_uri"]),
        )
        return RedirectResponse(f"{form['redirect_uri']}?code={code}&state={form['state']}", status_code=303)

    async def token(self, request: Request) -> Response:
        form = await request.form()
        grant = self.grants.pop(str(form.get("code")), None)
        verifier = str(form.get("code_verifier", ""))
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if grant is None or challenge != grant.challenge or form.get("redirect_uri") != grant.redirect_uri:
            self.refused_tokens += 1
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.token_issuer or self.issuer,
            "aud": CLIENT_ID,
            "sub": grant.identity.subject,
            "iat": now,
            "exp": now + 300,
            "nonce": "another-sign-in" if self.wrong_nonce else grant.nonce,
            "council": grant.identity.council,
            "roles": grant.identity.roles,
        }
        token = jwt.encode(claims, self.key.private_key, algorithm="RS256", headers={"kid": self.key.kid})
        return JSONResponse({"id_token": token, "access_token": "unused", "token_type": "Bearer"})

    def settings_env(self) -> dict[str, str]:
        return {"WEB_OIDC_ISSUER": self.issuer, "WEB_OIDC_CLIENT_ID": CLIENT_ID}


@asynccontextmanager
async def serving(provider: MiniIdentityProvider) -> AsyncIterator[MiniIdentityProvider]:
    # No log_config and no log_level: uvicorn then leaves this test process's logging as it found it.
    server = uvicorn.Server(
        uvicorn.Config(provider.app(), host="127.0.0.1", port=provider.port, log_config=None, access_log=False)
    )

    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.02)
    try:
        yield provider
    finally:
        server.should_exit = True
        await task
