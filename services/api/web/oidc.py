"""Signing in with the council's OpenID Connect provider: the authorization code flow with PKCE (S256), a
state that binds the answer to the browser that asked, and a nonce that binds the ID token to this attempt.

What the attempt must remember between leaving and coming back (state, nonce, PKCE verifier) rides in a
short-lived cookie signed with the service's key: nothing is stored for a sign-in that is never finished."""

import asyncio
import base64
import hashlib
import hmac
import json
import math
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from services.api.tokens import InvalidToken, JwksSource, TokenVerifier
from shared.settings import Settings

ATTEMPT_COOKIE = "nlc_sign_in"
ATTEMPT_SECONDS = 600
CALLBACK_PATH = "/web/sign-in/callback"
HTTP_TIMEOUT_SECONDS = 10
RETRY_SECONDS = 30
DISCOVERED = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
UNREACHABLE = "The council's identity provider could not be reached; try again shortly."


class SignInFailed(Exception):
    """A sign-in the identity provider or its answer did not complete, in words shown to the person."""


@dataclass(frozen=True, slots=True)
class Attempt:
    state: str
    nonce: str
    verifier: str
    started: float

    @classmethod
    def new(cls) -> "Attempt":
        return cls(secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48), time.time())

    @property
    def challenge(self) -> str:
        return pkce_challenge(self.verifier)


def pkce_challenge(verifier: str) -> str:
    """RFC 7636's S256: the unpadded base64url of the verifier's SHA-256."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _signature(body: bytes, settings: Settings) -> str:
    return hmac.new(settings.pseudonym_key_bytes, b"sign-in:" + body, hashlib.sha256).hexdigest()


def sealed(attempt: Attempt, settings: Settings) -> str:
    body = base64.urlsafe_b64encode(
        json.dumps([attempt.state, attempt.nonce, attempt.verifier, attempt.started]).encode()
    )
    return f"{body.decode()}.{_signature(body, settings)}"


def unsealed(cookie: str | None, settings: Settings) -> Attempt | None:
    """The attempt the cookie carries, if this service signed it and it has not expired."""
    if not cookie or "." not in cookie:
        return None
    body, signature = cookie.rsplit(".", 1)
    if not hmac.compare_digest(signature, _signature(body.encode(), settings)):
        return None
    try:
        state, nonce, verifier, started = json.loads(base64.urlsafe_b64decode(body.encode()))
    except ValueError:
        return None
    if time.time() - float(started) > ATTEMPT_SECONDS:
        return None
    return Attempt(state, nonce, verifier, float(started))


class IdentityProvider:
    """The council's provider, as its discovery document describes it; read at the first sign-in, so the
    service starts whether or not the provider answers."""

    def __init__(self, settings: Settings) -> None:
        assert settings.web_oidc_issuer is not None and settings.web_oidc_client_id is not None
        self.settings = settings
        self.issuer = settings.web_oidc_issuer.rstrip("/")
        self.client_id = settings.web_oidc_client_id
        self.redirect_uri = settings.web_public_url.rstrip("/") + CALLBACK_PATH
        self._discovered: dict[str, Any] | None = None
        self._verifier: TokenVerifier | None = None
        self._lock = asyncio.Lock()
        self._failed_at = -math.inf

    async def _discovery(self) -> dict[str, Any]:
        """The provider's discovery document, read once it answers; while it does not, each sign-in is told so
        at once for RETRY_SECONDS rather than each waiting out its own timeout in turn."""
        async with self._lock:
            if self._discovered is not None:
                return self._discovered
            if time.monotonic() - self._failed_at < RETRY_SECONDS:
                raise SignInFailed(UNREACHABLE)
            try:
                async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS) as http:
                    answer = await http.get(f"{self.issuer}/.well-known/openid-configuration")
                    answer.raise_for_status()
                    document: dict[str, Any] = answer.json()
                missing = [key for key in DISCOVERED if not isinstance(document.get(key), str)]
                if missing:
                    raise ValueError(f"the discovery document lacks {missing}")
                source = JwksSource.from_url(document["jwks_uri"])
                self._verifier = TokenVerifier(discovered_issuer(document, self.issuer), self.client_id, source)
            except (httpx.HTTPError, ValueError, AttributeError) as error:
                self._failed_at = time.monotonic()
                raise SignInFailed(UNREACHABLE) from error
            self._discovered = document
            return document

    async def authorization_url(self, attempt: Attempt) -> str:
        document = await self._discovery()
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": "openid profile",
            "state": attempt.state,
            "nonce": attempt.nonce,
            "code_challenge": attempt.challenge,
            "code_challenge_method": "S256",
        }
        return f"{document['authorization_endpoint']}?{urlencode(query)}"

    async def claims(self, code: str, attempt: Attempt) -> dict[str, Any]:
        """The ID token's claims for the code the provider sent back, checked: signature, issuer, audience,
        expiry and this attempt's nonce."""
        document = await self._discovery()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "client_id": self.client_id,
            "code_verifier": attempt.verifier,
        }
        if self.settings.web_oidc_client_secret is not None:
            form["client_secret"] = self.settings.web_oidc_client_secret.get_secret_value()
        try:
            async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_SECONDS) as http:
                answer = await http.post(document["token_endpoint"], data=form)
            answer.raise_for_status()
            id_token = answer.json()["id_token"]
        except (httpx.HTTPError, ValueError, KeyError) as error:
            raise SignInFailed("The identity provider did not confirm the sign-in; please sign in again.") from error
        assert self._verifier is not None  # set with the discovery document
        try:
            claims = await self._verifier.verify(str(id_token))
        except InvalidToken as error:
            raise SignInFailed("The identity provider's answer could not be verified; please sign in again.") from error
        if not hmac.compare_digest(str(claims.get("nonce", "")), attempt.nonce):
            raise SignInFailed("The identity provider's answer was for another sign-in; please sign in again.")
        return claims


def discovered_issuer(document: dict[str, Any], configured: str) -> str:
    """The issuer ID tokens must name: the discovery document's, which must be the one configured (OpenID
    Connect Discovery 4.3), or a look-alike provider could stand in."""
    issuer = str(document.get("issuer", "")).rstrip("/")
    if issuer != configured:
        raise ValueError("the discovery document names another issuer")
    return str(document["issuer"])
